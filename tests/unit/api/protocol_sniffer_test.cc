#include "api/protocol_sniffer.h"

#include "gtest/gtest.h"

namespace etcd::api {
namespace {

TEST(ProtocolSnifferTest, Classifies) {
  struct Case {
    std::string_view bytes;
    Protocol want;
  } cases[] = {
      {"", Protocol::kNeedMore},
      {"P", Protocol::kNeedMore},
      {"PR", Protocol::kNeedMore},
      {"PRI", Protocol::kHttp2},
      {kHttp2Preface, Protocol::kHttp2},
      {"POST /v3/kv/range HTTP/1.1\r\n", Protocol::kHttp1},
      {"PO", Protocol::kHttp1},
      {"PUT", Protocol::kHttp1},
      {"PROPFIND", Protocol::kHttp1},
      {"GET / HTTP/1.1", Protocol::kHttp1},
      {"\x16\x03\x01", Protocol::kHttp1},  // a TLS ClientHello on a plain port
      {"x", Protocol::kHttp1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.bytes));
    EXPECT_EQ(Classify(c.bytes), c.want);
  }
}

}  // namespace
}  // namespace etcd::api
