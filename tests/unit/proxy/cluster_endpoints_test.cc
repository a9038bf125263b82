#include "proxy/cluster_endpoints.h"

#include "gtest/gtest.h"

namespace etcd::proxy {
namespace {

TEST(ParseMembersJson, EtcdPeerMembersArray) {
  auto urls = ParseMembersJson(
      R"([{"id":1,"name":"a","peerURLs":["http://10.0.0.1:2380"],"clientURLs":["http://10.0.0.1:2379"]},)"
      R"({"id":2,"name":"","peerURLs":["http://10.0.0.2:2380"],"clientURLs":[]},)"
      R"({"id":3,"name":"c","peerURLs":["http://10.0.0.3:2380"],"clientURLs":["http://10.0.0.3:2379","http://10.0.0.1:2379"]}])");
  ASSERT_TRUE(urls.ok()) << urls.status();
  EXPECT_EQ(*urls, (std::vector<std::string>{"http://10.0.0.1:2379", "http://10.0.0.3:2379"}));
}

TEST(ParseMembersJson, V2MembersObject) {
  auto urls = ParseMembersJson(R"({"members":[{"id":"a","clientURLs":["http://h:2379"]}]})");
  ASSERT_TRUE(urls.ok());
  EXPECT_EQ(*urls, std::vector<std::string>{"http://h:2379"});
}

TEST(ParseMembersJson, NotJson) { EXPECT_FALSE(ParseMembersJson("<html>").ok()); }

TEST(FetchClusterMembers, NoPeersIsUnavailable) {
  auto m = FetchClusterMembers({}, std::chrono::milliseconds(100));
  EXPECT_EQ(m.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace etcd::proxy
