#include "discovery/srv_bootstrap.h"

#include <map>

#include "absl/strings/match.h"
#include "config/url.h"
#include "gtest/gtest.h"

namespace etcd::discovery {
namespace {

class MapResolver : public Resolver {
 public:
  std::map<std::string, std::vector<SrvRecord>> srv;
  std::map<std::string, std::vector<std::string>> hosts;
  absl::StatusOr<std::vector<SrvRecord>> LookupSrv(const std::string& name) override {
    auto it = srv.find(name);
    if (it == srv.end()) return absl::NotFoundError("no such host");
    return it->second;
  }
  absl::StatusOr<std::vector<std::string>> LookupHost(const std::string& host) override {
    auto it = hosts.find(host);
    if (it == hosts.end()) return std::vector<std::string>{host};
    return it->second;
  }
};

TEST(ApplySrvBootstrap, FillsInitialClusterAndClearsSrv) {
  MapResolver r;
  r.srv["_etcd-server._tcp.example.com"] = {{"a.example.com.", 2380, 0, 0},
                                            {"b.example.com.", 2380, 0, 0}};
  r.hosts["a.example.com"] = {"10.1.0.1"};
  r.hosts["b.example.com"] = {"10.1.0.2"};
  config::ServerConfig cfg;
  cfg.name = "b";
  cfg.discovery_srv = "example.com";
  cfg.initial_advertise_peer_urls = *config::ParseUrlList("http://b.example.com:2380");
  auto b = ApplySrvBootstrap(r, cfg);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(b->config.discovery_srv.empty());
  EXPECT_EQ(b->initial_cluster, "0=http://a.example.com:2380,b=http://b.example.com:2380");
  ASSERT_EQ(b->config.initial_cluster.size(), 2u);
  EXPECT_EQ(b->config.initial_cluster[1].first, "b");
  EXPECT_EQ(b->config.initial_cluster[1].second[0].ToString(), "http://b.example.com:2380");
  EXPECT_FALSE(b->table.empty());
}

TEST(ApplySrvBootstrap, ErrorNamesTheSetting) {
  MapResolver r;
  config::ServerConfig cfg;
  cfg.name = "b";
  cfg.discovery_srv = "example.com";
  cfg.initial_advertise_peer_urls = *config::ParseUrlList("http://b.example.com:2380");
  auto b = ApplySrvBootstrap(r, cfg);
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(
      absl::StartsWith(b.status().message(), "--discovery-srv=example.com: no SRV records"));
}

}  // namespace
}  // namespace etcd::discovery
