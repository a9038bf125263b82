#include "watch/watcher.h"

namespace etcd::mvcc {

KeyRange KeyRange::FromRequest(std::string_view key, std::string_view range_end) {
  KeyRange r;
  // etcd treats an empty watch key as "\0", the smallest possible key.
  r.key = key.empty() ? std::string(1, '\0') : std::string(key);
  if (range_end.empty()) {
    r.kind = Kind::kSingle;
  } else if (range_end.size() == 1 && range_end[0] == '\0') {
    r.kind = Kind::kFromKey;
  } else {
    r.kind = Kind::kRange;
    r.end = std::string(range_end);
  }
  return r;
}

}  // namespace etcd::mvcc
