#include "transport/peer_client.h"

#include <gtest/gtest.h>

namespace etcd::transport {
namespace {

TEST(PeerClientTest, ChannelsOnlyForValidUrls) {
  EXPECT_EQ(MakePeerChannel("127.0.0.1:2380", nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto https = MakePeerChannel("https://127.0.0.1:2380", nullptr);
  EXPECT_EQ(https.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(https.status().message().find("https://127.0.0.1:2380"), std::string::npos);
  // Creating a channel does not connect.
  auto ok = MakePeerChannel("http://127.0.0.1:2380", nullptr);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_NE(*ok, nullptr);
}

TEST(PeerClientTest, StatusConversionKeepsCodeAndText) {
  absl::Status s = absl::NotFoundError("etcdserver: requested lease not found");
  grpc::Status g = ToGrpcStatus(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(g.error_message(), "etcdserver: requested lease not found");
  EXPECT_EQ(FromGrpcStatus(g), s);
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(PeerClientTest, FetchMembersNeedsUrls) {
  auto r = FetchMembers({}, peerpb::HandshakeRequest(), std::chrono::milliseconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad = FetchMembers({"nonsense"}, peerpb::HandshakeRequest(), std::chrono::milliseconds(10));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("nonsense"), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace etcd::transport
