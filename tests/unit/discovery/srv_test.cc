#include "discovery/srv.h"

#include <map>

#include "absl/strings/match.h"
#include "config/url.h"
#include "gtest/gtest.h"

namespace etcd::discovery {
namespace {

class FakeResolver : public Resolver {
 public:
  std::map<std::string, std::vector<SrvRecord>> srv;
  std::map<std::string, std::vector<std::string>> hosts;
  std::vector<std::string> queried;

  absl::StatusOr<std::vector<SrvRecord>> LookupSrv(const std::string& name) override {
    queried.push_back(name);
    auto it = srv.find(name);
    if (it == srv.end()) return absl::NotFoundError("lookup " + name + ": no such host");
    return it->second;
  }
  absl::StatusOr<std::vector<std::string>> LookupHost(const std::string& host) override {
    if (config::IsIpLiteral(host)) return std::vector<std::string>{host};
    auto it = hosts.find(host);
    if (it == hosts.end()) return absl::NotFoundError("lookup " + host + ": no such host");
    return it->second;
  }
};

std::vector<config::Url> Urls(const std::string& text) {
  auto u = config::ParseUrlList(text);
  EXPECT_TRUE(u.ok()) << u.status();
  return *u;
}

FakeResolver ThreeMembers(const std::string& service) {
  FakeResolver r;
  for (int i = 0; i < 3; ++i) {
    std::string host = "infra" + std::to_string(i) + ".example.com";
    r.srv["_" + service + "._tcp.example.com"].push_back({host + ".", 2380, 0, 0});
    r.hosts[host] = {"10.0.0." + std::to_string(11 + i)};
  }
  return r;
}

TEST(ClusterFromSrv, PlainHttpRecordsAloneAreEnough) {
  // etcd 3.4 fails when _etcd-server-ssl is missing (etcd-io/etcd#11321); we must not.
  FakeResolver r = ThreeMembers("etcd-server");
  auto c = ClusterFromSrv(r, {"infra1", "example.com", "", Urls("http://infra1.example.com:2380")});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->initial_cluster,
            "0=http://infra0.example.com:2380,infra1=http://infra1.example.com:2380,"
            "1=http://infra2.example.com:2380");
  EXPECT_TRUE(c->found_self);
  ASSERT_EQ(r.queried.size(), 2u);
  EXPECT_EQ(r.queried[0], "_etcd-server-ssl._tcp.example.com");
  EXPECT_EQ(r.queried[1], "_etcd-server._tcp.example.com");
}

TEST(ClusterFromSrv, SslRecordsGiveHttpsUrls) {
  FakeResolver r = ThreeMembers("etcd-server-ssl");
  auto c =
      ClusterFromSrv(r, {"infra0", "example.com", "", Urls("https://infra0.example.com:2380")});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(absl::StartsWith(c->initial_cluster, "infra0=https://infra0.example.com:2380,"));
}

TEST(ClusterFromSrv, MatchesByResolvedAddressNotByName) {
  FakeResolver r = ThreeMembers("etcd-server");
  // The member advertises its IP; the record's target resolves to it.
  auto c = ClusterFromSrv(r, {"infra2", "example.com", "", Urls("http://10.0.0.13:2380")});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(absl::StrContains(c->initial_cluster, "infra2=http://infra2.example.com:2380"));
}

TEST(ClusterFromSrv, PortMustMatchToo) {
  FakeResolver r = ThreeMembers("etcd-server");
  auto c = ClusterFromSrv(r, {"infra2", "example.com", "", Urls("http://10.0.0.13:12380")});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(c.status().message(),
                                "cannot find local etcd member \"infra2\" in the SRV records"));
  // The table says, per record, what it resolved to and why it did not match.
  EXPECT_TRUE(absl::StrContains(
      c.status().message(),
      "_etcd-server._tcp.example.com -> http://infra2.example.com:2380 -> [10.0.0.13] -> "
      "name 2: another member"));
  EXPECT_TRUE(absl::StrContains(c.status().message(),
                                "lookup --initial-advertise-peer-urls http://10.0.0.13:12380 -> "
                                "10.0.0.13"));
}

TEST(ClusterFromSrv, SchemeMismatchIsAnError) {
  FakeResolver r = ThreeMembers("etcd-server-ssl");
  auto c = ClusterFromSrv(r, {"infra0", "example.com", "", Urls("http://infra0.example.com:2380")});
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(absl::StrContains(c.status().message(),
                                "bootstrap at https://infra0.example.com:2380 from DNS for "
                                "_etcd-server-ssl._tcp.example.com has scheme mismatch with "
                                "expected peer http://infra0.example.com:2380"));
}

TEST(ClusterFromSrv, NoRecordsAtAll) {
  FakeResolver r;
  auto c = ClusterFromSrv(r, {"infra0", "example.com", "", Urls("http://10.0.0.11:2380")});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(c.status().message(),
                                "no SRV records for _etcd-server-ssl._tcp.example.com or "
                                "_etcd-server._tcp.example.com"));
}

TEST(ClusterFromSrv, UnresolvableTargetIsSkippedAndReported) {
  FakeResolver r = ThreeMembers("etcd-server");
  r.hosts.erase("infra2.example.com");
  auto c = ClusterFromSrv(r, {"infra0", "example.com", "", Urls("http://10.0.0.11:2380")});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->initial_cluster,
            "infra0=http://infra0.example.com:2380,0=http://infra1.example.com:2380");
  auto lines = FormatSrvTable(*c);
  bool reported = false;
  for (const auto& l : lines) reported |= absl::StrContains(l, "skipped: target does not resolve");
  EXPECT_TRUE(reported);
}

TEST(ClusterFromSrv, ServiceNameSuffix) {
  FakeResolver r = ThreeMembers("etcd-server-prod");
  auto c = ClusterFromSrv(r, {"infra0", "example.com", "prod", Urls("http://10.0.0.11:2380")});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(r.queried[0], "_etcd-server-ssl-prod._tcp.example.com");
  EXPECT_EQ(r.queried[1], "_etcd-server-prod._tcp.example.com");
}

TEST(ClusterFromSrv, BothServicesAreCombined) {
  FakeResolver r = ThreeMembers("etcd-server");
  r.srv["_etcd-server-ssl._tcp.example.com"].push_back({"tls0.example.com.", 2380, 0, 0});
  r.hosts["tls0.example.com"] = {"10.0.0.20"};
  auto c = ClusterFromSrv(r, {"infra0", "example.com", "", Urls("http://10.0.0.11:2380")});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->initial_cluster,
            "0=https://tls0.example.com:2380,infra0=http://infra0.example.com:2380,"
            "1=http://infra1.example.com:2380,2=http://infra2.example.com:2380");
}

TEST(ClientUrlsFromSrv, SslFirstThenPlain) {
  FakeResolver r;
  r.srv["_etcd-client-ssl._tcp.example.com"] = {{"a.example.com.", 2379, 0, 0}};
  r.srv["_etcd-client._tcp.example.com"] = {{"b.example.com.", 2379, 0, 0},
                                            {"c.example.com.", 12379, 0, 0}};
  auto u = ClientUrlsFromSrv(r, "example.com", "");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(*u, (std::vector<std::string>{"https://a.example.com:2379", "http://b.example.com:2379",
                                          "http://c.example.com:12379"}));
}

TEST(ClientUrlsFromSrv, NoneIsNotFound) {
  FakeResolver r;
  auto u = ClientUrlsFromSrv(r, "example.com", "");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), absl::StatusCode::kNotFound);
}

TEST(SystemResolver, IpLiteralResolvesToItself) {
  auto r = NewSystemResolver();
  auto a = r->LookupHost("127.0.0.1");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, std::vector<std::string>{"127.0.0.1"});
}

}  // namespace
}  // namespace etcd::discovery
