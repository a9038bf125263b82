#include "tools/etcd/rejoin_check.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "config/url.h"
#include "membership/cluster.h"

namespace etcd::tools {
namespace {

config::ServerConfig Config(const std::string& name, const std::string& token) {
  config::ServerConfig cfg;
  cfg.name = name;
  cfg.data_dir = "/var/lib/etcd/" + name;
  cfg.initial_cluster_token = token;
  cfg.initial_cluster_state = config::ClusterState::kNew;
  cfg.initial_cluster =
      *config::ParseInitialCluster("a=http://10.0.0.1:2380,b=http://10.0.0.2:2380");
  for (const auto& [n, urls] : cfg.initial_cluster) {
    if (n == name) cfg.initial_advertise_peer_urls = urls;
  }
  return cfg;
}

// The running cluster as the members of `ic` bootstrapped with `token` see it;
// `started` members have published their client URLs.
peerpb::MembersResponse Running(const std::string& token, const std::string& ic,
                                const std::vector<std::string>& started) {
  std::vector<std::pair<std::string, std::vector<std::string>>> members;
  const auto parsed = config::ParseInitialCluster(ic);
  for (const auto& [n, urls] : *parsed) {
    std::vector<std::string> u;
    for (const auto& x : urls) u.push_back(x.ToString());
    members.emplace_back(n, u);
  }
  auto cluster = *membership::RaftCluster::FromInitialCluster(token, members);
  peerpb::MembersResponse r;
  r.set_cluster_id(cluster->id());
  for (const auto& m : cluster->Members()) {
    auto* pm = r.add_members();
    pm->set_id(m.id);
    for (const auto& u : m.peer_urls) pm->add_peer_urls(u);
    pm->set_name(m.name);  // initial members are named from the start
    if (std::find(started.begin(), started.end(), m.name) != started.end()) {
      pm->add_client_urls("http://client-of-" + m.name + ":2379");
    }
    if (m.name == "a") r.set_member_id(m.id);  // a answers
  }
  return r;
}

FetchMembersFn Answer(absl::StatusOr<peerpb::MembersResponse> r,
                      std::vector<std::string>* asked = nullptr) {
  return [r, asked](const std::vector<std::string>& urls) {
    if (asked != nullptr) *asked = urls;
    return r;
  };
}

constexpr char kIc[] = "a=http://10.0.0.1:2380,b=http://10.0.0.2:2380";

TEST(RejoinCheckTest, NobodyUpIsANormalNewCluster) {
  std::vector<std::string> asked;
  EXPECT_TRUE(CheckNotAlreadyBootstrapped(Config("b", "tok"),
                                          Answer(absl::UnavailableError("refused"), &asked))
                  .ok());
  EXPECT_EQ(asked, std::vector<std::string>{"http://10.0.0.1:2380"});  // the others only
}

TEST(RejoinCheckTest, PeersStillBootstrappingTheSameClusterAreFine) {
  EXPECT_TRUE(
      CheckNotAlreadyBootstrapped(Config("b", "tok"), Answer(Running("tok", kIc, {}))).ok());
  // a started and published itself; b never did: b is simply late.
  EXPECT_TRUE(
      CheckNotAlreadyBootstrapped(Config("b", "tok"), Answer(Running("tok", kIc, {"a"}))).ok());
}

TEST(RejoinCheckTest, AStartedMemberWithoutDataIsRefused) {
  absl::Status s =
      CheckNotAlreadyBootstrapped(Config("b", "tok"), Answer(Running("tok", kIc, {"a", "b"})));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(s.message(), "has already been bootstrapped")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "/var/lib/etcd/b")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "etcdctl member remove")) << s;
  EXPECT_TRUE(
      absl::StrContains(s.message(), "etcdctl member add b --peer-urls=http://10.0.0.2:2380"))
      << s;
}

TEST(RejoinCheckTest, AnotherClusterIsNamed) {
  absl::Status s =
      CheckNotAlreadyBootstrapped(Config("b", "other"), Answer(Running("tok", kIc, {"a"})));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(s.message(), "cluster ID mismatch")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "--initial-cluster-token=other")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "member \"a\" (http://10.0.0.1:2380)")) << s;
}

TEST(RejoinCheckTest, OnlyForANewMultiMemberBootstrap) {
  config::ServerConfig cfg = Config("b", "tok");
  cfg.initial_cluster_state = config::ClusterState::kExisting;
  EXPECT_TRUE(CheckNotAlreadyBootstrapped(cfg, Answer(Running("tok", kIc, {"a", "b"}))).ok());
  cfg = Config("a", "tok");
  cfg.initial_cluster = *config::ParseInitialCluster("a=http://10.0.0.1:2380");
  EXPECT_TRUE(CheckNotAlreadyBootstrapped(cfg, Answer(absl::InternalError("not called"))).ok());
}

}  // namespace
}  // namespace etcd::tools

namespace etcd::tools {
namespace {

TEST(ExplainCreateFailureTest, ADataDirInUseSaysWhatToDo) {
  config::ServerConfig cfg;
  cfg.data_dir = "/var/lib/etcd";
  const std::string msg = ExplainCreateFailure(
      absl::InternalError("leveldb: IO error: lock /var/lib/etcd/member/db/LOCK: Resource "
                          "temporarily unavailable"),
      cfg);
  EXPECT_TRUE(absl::StrContains(msg, "LOCK: Resource temporarily unavailable")) << msg;
  EXPECT_TRUE(absl::StrContains(msg, "a second etcd, is using the data dir /var/lib/etcd")) << msg;
  EXPECT_EQ(ExplainCreateFailure(absl::InternalError("other"), cfg), "other");
}

}  // namespace
}  // namespace etcd::tools
