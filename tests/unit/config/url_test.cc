#include "config/url.h"

#include <gtest/gtest.h>

namespace etcd::config {
namespace {

TEST(Url, ParsesHostPort) {
  absl::StatusOr<Url> u = ParseUrl(" http://127.0.0.1:2379 ");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 2379);
  EXPECT_EQ(u->ToString(), "http://127.0.0.1:2379");
}

TEST(Url, Ipv6AndSchemes) {
  EXPECT_EQ(ParseUrl("https://[::1]:2379")->host, "::1");
  EXPECT_EQ(ParseUrl("https://[::1]:2379")->ToString(), "https://[::1]:2379");
  EXPECT_EQ(ParseUrl("HTTP://localhost:1")->scheme, "http");
  EXPECT_EQ(ParseUrl("unix://localhost:2379")->ToString(), "unix://localhost:2379");
  EXPECT_EQ(ParseUrl("unixs://localhost:2379")->scheme, "unixs");
  EXPECT_EQ(ParseUrl("http://user@10.0.0.1:1")->host, "10.0.0.1");
}

TEST(Url, EtcdErrors) {
  EXPECT_EQ(ParseUrl("foo").status().message(),
            "URL scheme must be http, https, unix, or unixs: foo");
  EXPECT_EQ(ParseUrl("ftp://1.2.3.4:5").status().message(),
            "URL scheme must be http, https, unix, or unixs: ftp://1.2.3.4:5");
  EXPECT_EQ(ParseUrl("").status().message(), "URL scheme must be http, https, unix, or unixs: ");
  EXPECT_EQ(ParseUrl("http://example.com").status().message(),
            "URL address does not have the form \"host:port\": http://example.com");
  EXPECT_EQ(ParseUrl("http://1.2.3.4:5/path").status().message(),
            "URL must not contain a path: http://1.2.3.4:5/path");
  EXPECT_FALSE(ParseUrl("http://1.2.3.4:99999").ok());
  EXPECT_FALSE(ParseUrl("http://1.2.3.4:abc").ok());
  EXPECT_FALSE(ParseUrl("http://::1:2379").ok());  // IPv6 needs brackets
}

TEST(Url, EmptyHostIsParsedForLaterValidation) {
  absl::StatusOr<Url> u = ParseUrl("http://:2380");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "");
}

TEST(UrlList, SortedAndDeduplicatedLikeEtcd) {
  absl::StatusOr<std::vector<Url>> urls =
      ParseUrlList("http://10.0.0.2:1,http://10.0.0.1:1, http://10.0.0.2:1");
  ASSERT_TRUE(urls.ok());
  EXPECT_EQ(JoinUrls(*urls), "http://10.0.0.1:1,http://10.0.0.2:1");
  EXPECT_FALSE(ParseUrlList("http://a:1,bad").ok());
}

TEST(InitialCluster, NamesRepeatForMultiUrlMembers) {
  auto c = ParseInitialCluster(
      "n2=http://10.0.0.2:2380,n1=http://10.0.0.1:2381,"
      "n1=http://10.0.0.1:2380");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].first, "n2");  // order of first appearance
  EXPECT_EQ((*c)[1].first, "n1");
  EXPECT_EQ(JoinUrls((*c)[1].second), "http://10.0.0.1:2380,http://10.0.0.1:2381");
  EXPECT_EQ(FormatInitialCluster(*c),
            "n2=http://10.0.0.2:2380,n1=http://10.0.0.1:2380,n1=http://10.0.0.1:2381");
}

TEST(InitialCluster, MissingUrlIsEtcdsSchemeError) {
  EXPECT_EQ(ParseInitialCluster("n1").status().message(),
            "URL scheme must be http, https, unix, or unixs: ");
  EXPECT_EQ(ParseInitialCluster("n1=10.0.0.1:2380").status().message(),
            "URL scheme must be http, https, unix, or unixs: 10.0.0.1:2380");
  EXPECT_TRUE(ParseInitialCluster("")->empty());
  EXPECT_EQ(ParseInitialCluster("n1=http://a:1,,")->size(), 1u);  // empty items skipped
}

TEST(IpLiteral, Detection) {
  EXPECT_TRUE(IsIpLiteral("127.0.0.1"));
  EXPECT_TRUE(IsIpLiteral("0.0.0.0"));
  EXPECT_TRUE(IsIpLiteral("::1"));
  EXPECT_TRUE(IsIpLiteral("fe80::1"));
  EXPECT_FALSE(IsIpLiteral("localhost"));
  EXPECT_FALSE(IsIpLiteral("example.com"));
  EXPECT_FALSE(IsIpLiteral(""));
}

}  // namespace
}  // namespace etcd::config
