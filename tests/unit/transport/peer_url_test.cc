#include "transport/peer_url.h"

#include <gtest/gtest.h>

namespace etcd::transport {
namespace {

TEST(PeerUrlTest, ParsesHttpAndHttps) {
  auto u = ParsePeerUrl("http://127.0.0.1:2380");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 2380);
  EXPECT_EQ(u->Target(), "127.0.0.1:2380");
  EXPECT_EQ(u->ToString(), "http://127.0.0.1:2380");

  auto s = ParsePeerUrl("https://node1.example.com:12380/");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->scheme, "https");
  EXPECT_EQ(s->Target(), "node1.example.com:12380");
}

TEST(PeerUrlTest, ParsesBracketedIpv6) {
  auto u = ParsePeerUrl("http://[::1]:2380");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->Target(), "[::1]:2380");
  EXPECT_EQ(u->ToString(), "http://[::1]:2380");
}

TEST(PeerUrlTest, PortZeroIsAllowedForListening) {
  auto u = ParsePeerUrl("http://127.0.0.1:0");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 0);
}

TEST(PeerUrlTest, RefusesMalformedUrls) {
  for (const char* bad : {"127.0.0.1:2380", "unix://x:1", "http://127.0.0.1", "http://:2380",
                          "http://127.0.0.1:99999", "http://127.0.0.1:23a0",
                          "http://127.0.0.1:2380/path", "http://::1:2380", "http://[::1:2380"}) {
    SCOPED_TRACE(bad);
    auto u = ParsePeerUrl(bad);
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(u.status().message().find(bad), std::string::npos) << u.status();
  }
}

TEST(PeerUrlTest, JoinUrls) {
  EXPECT_EQ(JoinUrls({}), "");
  EXPECT_EQ(JoinUrls({"http://a:1", "http://b:2"}), "http://a:1,http://b:2");
}

}  // namespace
}  // namespace etcd::transport
