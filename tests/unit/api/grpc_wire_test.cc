#include "api/grpc_wire.h"

#include "gtest/gtest.h"

namespace etcd::api::grpc_wire {
namespace {

TEST(GrpcWireTest, FrameHeaderRoundTrip) {
  std::string s;
  AppendFrameHeader(&s, 0x01020304u);
  ASSERT_EQ(s.size(), kFrameHeaderBytes);
  EXPECT_EQ(s, std::string("\0\x01\x02\x03\x04", 5));
  auto h = ParseFrameHeader(s);
  ASSERT_TRUE(h.has_value());
  EXPECT_FALSE(h->compressed);
  EXPECT_EQ(h->length, 0x01020304u);

  auto c = ParseFrameHeader(std::string("\x01\0\0\0\x07", 5));
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->compressed);
  EXPECT_EQ(c->length, 7u);
  EXPECT_FALSE(ParseFrameHeader(std::string("\0\0\0", 3)).has_value());
  EXPECT_FALSE(ParseFrameHeader(std::string("\x02\0\0\0\0", 5)).has_value());
  EXPECT_EQ(ParseFrameHeader(std::string("\0\xff\xff\xff\xff", 5))->length, 0xffffffffu);
}

TEST(GrpcWireTest, PercentEncodingAsGrpc) {
  EXPECT_EQ(PercentEncode("etcdserver: requested lease not found"),
            "etcdserver: requested lease not found");
  EXPECT_EQ(PercentEncode("100% sure\n"), "100%25 sure%0A");
  EXPECT_EQ(PercentEncode("\xc3\xa9~\x7f"), "%C3%A9~%7F");
  EXPECT_EQ(PercentEncode(""), "");
  for (std::string m : {"a%b", "x\r\ny", "\xc3\xa9t\xc3\xa9", "plain", "%", "%4"}) {
    EXPECT_EQ(PercentDecode(PercentEncode(m)), m) << m;
  }
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");  // invalid escapes stay
}

TEST(GrpcWireTest, Timeouts) {
  using std::chrono::nanoseconds;
  EXPECT_EQ(ParseTimeout("1H"), nanoseconds(3600LL * 1000000000));
  EXPECT_EQ(ParseTimeout("2M"), nanoseconds(120LL * 1000000000));
  EXPECT_EQ(ParseTimeout("3S"), nanoseconds(3LL * 1000000000));
  EXPECT_EQ(ParseTimeout("300m"), nanoseconds(300LL * 1000000));
  EXPECT_EQ(ParseTimeout("99999999u"), nanoseconds(99999999LL * 1000));
  EXPECT_EQ(ParseTimeout("5n"), nanoseconds(5));
  EXPECT_FALSE(ParseTimeout("").has_value());
  EXPECT_FALSE(ParseTimeout("S").has_value());
  EXPECT_FALSE(ParseTimeout("123456789S").has_value());  // 9 digits
  EXPECT_FALSE(ParseTimeout("1x").has_value());
  EXPECT_FALSE(ParseTimeout("-1S").has_value());
}

TEST(GrpcWireTest, NativeMethodsAndContentTypes) {
  EXPECT_EQ(KvMethodForPath("/etcdserverpb.KV/Range"), KvMethod::kRange);
  EXPECT_EQ(KvMethodForPath("/etcdserverpb.KV/Put"), KvMethod::kPut);
  EXPECT_EQ(KvMethodForPath("/etcdserverpb.KV/DeleteRange"), KvMethod::kDeleteRange);
  EXPECT_EQ(KvMethodForPath("/etcdserverpb.KV/Txn"), KvMethod::kTxn);
  EXPECT_EQ(KvMethodForPath("/etcdserverpb.KV/Compact"), KvMethod::kNone);
  EXPECT_EQ(KvMethodForPath("/etcdserverpb.Watch/Watch"), KvMethod::kNone);
  EXPECT_EQ(KvMethodForPath("/etcdserverpb.KV/Range/"), KvMethod::kNone);
  EXPECT_EQ(KvMethodForPath("/etcdserverpb.KVX/Range"), KvMethod::kNone);

  EXPECT_TRUE(IsProtoGrpcContentType("application/grpc"));
  EXPECT_TRUE(IsProtoGrpcContentType("application/grpc+proto"));
  EXPECT_TRUE(IsProtoGrpcContentType("application/grpc; charset=utf-8"));
  EXPECT_FALSE(IsProtoGrpcContentType("application/grpc+json"));
  EXPECT_FALSE(IsProtoGrpcContentType("application/grpcx"));
  EXPECT_FALSE(IsProtoGrpcContentType("application/json"));
}

}  // namespace
}  // namespace etcd::api::grpc_wire
