#include "proxy/upstream_pool.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace etcd::proxy {
namespace {

TEST(GrpcTarget, HostAndPortOfHttpUrls) {
  EXPECT_EQ(GrpcTarget("http://127.0.0.1:2379"), "127.0.0.1:2379");
  EXPECT_EQ(GrpcTarget("https://etcd.example.com:2379/"), "etcd.example.com:2379");
  EXPECT_EQ(GrpcTarget("unix://sock"), "");
}

TEST(UpstreamPool, SetEndpointsReportsChangesAndSkipsNonHttp) {
  UpstreamPool pool(std::vector<std::string>{"http://10.0.0.1:2379"});
  EXPECT_FALSE(pool.SetEndpoints({"http://10.0.0.1:2379"}));
  EXPECT_TRUE(pool.SetEndpoints({"http://10.0.0.1:2379", "unix://x", "http://10.0.0.2:2379"}));
  EXPECT_EQ(pool.Urls(),
            (std::vector<std::string>{"http://10.0.0.1:2379", "http://10.0.0.2:2379"}));
}

TEST(UpstreamPool, OrderListsEveryEndpointOnce) {
  UpstreamPool pool(std::vector<std::string>{"http://10.0.0.1:2379", "http://10.0.0.2:2379",
                                             "http://10.0.0.3:2379"});
  pool.ReportFailure("http://10.0.0.1:2379");
  std::vector<std::string> urls;
  for (const auto& u : pool.Order()) urls.push_back(u.url);
  std::sort(urls.begin(), urls.end());
  EXPECT_EQ(urls, pool.Urls());
}

TEST(UpstreamPool, EmptyPool) {
  UpstreamPool pool(std::vector<std::string>{});
  EXPECT_TRUE(pool.Order().empty());
  pool.ReportFailure("http://x:1");  // no crash
}

}  // namespace
}  // namespace etcd::proxy
