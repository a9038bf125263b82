#include "api/protocol_sniffer.h"

namespace etcd::api {

Protocol Classify(std::string_view first_bytes) {
  // "PRI" is no HTTP/1.x method, so three bytes decide. A client whose first bytes
  // differ from the preface at any position is HTTP/1.x (or garbage).
  const std::string_view want = kHttp2Preface.substr(0, kSniffBytes);
  const size_t n = first_bytes.size() < want.size() ? first_bytes.size() : want.size();
  if (first_bytes.substr(0, n) != want.substr(0, n)) return Protocol::kHttp1;
  if (n < want.size()) return Protocol::kNeedMore;
  return Protocol::kHttp2;
}

}  // namespace etcd::api
