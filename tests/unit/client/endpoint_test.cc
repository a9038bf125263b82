#include "client/endpoint.h"

#include <gtest/gtest.h>

namespace etcd::client {
namespace {

TEST(EndpointTest, ParsesSchemes) {
  EXPECT_EQ(*ParseEndpoint("127.0.0.1:2379"), (Endpoint{"127.0.0.1:2379", false}));
  EXPECT_EQ(*ParseEndpoint("http://10.0.0.1:2379"), (Endpoint{"10.0.0.1:2379", false}));
  EXPECT_EQ(*ParseEndpoint("https://etcd.example:2379/"), (Endpoint{"etcd.example:2379", true}));
  EXPECT_EQ(*ParseEndpoint("HTTPS://h:1"), (Endpoint{"h:1", true}));
  EXPECT_EQ(*ParseEndpoint("  localhost:2379 "), (Endpoint{"localhost:2379", false}));
  EXPECT_EQ(*ParseEndpoint("unix:///run/etcd.sock"), (Endpoint{"unix:/run/etcd.sock", false}));
  EXPECT_EQ(*ParseEndpoint("unixs://s"), (Endpoint{"unix:s", true}));
}

TEST(EndpointTest, RejectsBadEndpoints) {
  EXPECT_EQ(ParseEndpoint("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpoint("http://").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpoint("ftp://h:1").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpoint("unix://").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EndpointTest, SplitsLists) {
  EXPECT_EQ(SplitEndpoints("a:1,b:2"), (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(SplitEndpoints(" a:1 , ,b:2,"), (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_TRUE(SplitEndpoints("").empty());
}

}  // namespace
}  // namespace etcd::client
