#include "tools/etcd/listen_addresses.h"

#include <gtest/gtest.h>

namespace etcd::tools {
namespace {

config::Url U(std::string scheme, std::string host, int port, std::string path = "") {
  config::Url u;
  u.scheme = std::move(scheme);
  u.host = std::move(host);
  u.port = port;
  u.path = std::move(path);
  return u;
}

TEST(ListenAddressesTest, TcpUrlsBindHostAndPortWithTlsForHttps) {
  auto a = ToListenAddresses({U("http", "localhost", 2379), U("https", "10.0.0.1", 2380)});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, api::ListenAddress::Kind::kTcp);
  EXPECT_EQ(a[0].host, "127.0.0.1");
  EXPECT_EQ(a[0].port, 2379);
  EXPECT_FALSE(a[0].tls);
  EXPECT_EQ(a[1].host, "10.0.0.1");
  EXPECT_EQ(a[1].port, 2380);
  EXPECT_TRUE(a[1].tls);
}

TEST(ListenAddressesTest, UnixUrlsKeepHostPortAndPathAsTheSocketPath) {
  auto a = ToListenAddresses({U("unix", "localhost", 12345, "/x"), U("unixs", "sock", 0)});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, api::ListenAddress::Kind::kUnix);
  EXPECT_EQ(a[0].unix_path, "localhost:12345/x");
  EXPECT_FALSE(a[0].tls);
  EXPECT_EQ(a[1].unix_path, "sock");
  EXPECT_TRUE(a[1].tls);
}

}  // namespace
}  // namespace etcd::tools
