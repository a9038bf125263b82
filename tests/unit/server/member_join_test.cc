// --initial-cluster-state existing (fetch, check, adopt IDs) and the restart-time
// report of ignored bootstrap settings, on in-process clusters.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/errors.h"
#include "server/etcd_server.h"
#include "test_cluster.h"

namespace etcd::server {
namespace {

using testing::TestCluster;

// Keeps every log line (JSON) for assertions.
class CaptureSink final : public log::Sink {
 public:
  void Write(const log::Record& r) override {
    absl::MutexLock lock(&mu_);
    lines_.push_back(log::JsonLinesSink::Format(r, "ts"));
  }
  std::vector<std::string> Lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }
  int Count(const std::string& a, const std::string& b = "") const {
    int n = 0;
    for (const auto& l : Lines()) {
      if (absl::StrContains(l, a) && absl::StrContains(l, b)) ++n;
    }
    return n;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_;
};

TEST(MemberJoinTest, JoinAsVoterAfterMemberAdd) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  testing::TestCluster* cp = &c;
  // Let the peers be connected for the strict check's health interval.
  auto until = c.clock().Now() + std::chrono::seconds(6);
  ASSERT_TRUE(c.WaitUntil([&] { return cp->clock().Now() >= until; }, 100));
  int l = c.Leader();
  auto a = c.Add(l, TestCluster::PeerUrl(3), /*learner=*/false);
  ASSERT_TRUE(a.ok()) << a.status();
  c.SetId(3, a->member().id());
  c.SetFetch(c.FetchFrom(l));
  auto started = c.StartWith(3, c.Config(3, /*existing=*/true));
  ASSERT_TRUE(started.ok()) << started;
  EXPECT_FALSE(c.S(3)->IsLearner());
  ASSERT_TRUE(c.WaitHealthy());
  ASSERT_TRUE(c.WaitConverged());
  auto li = c.List(3);
  ASSERT_TRUE(li.ok()) << li.status();
  EXPECT_EQ(li->members_size(), 4);
  EXPECT_TRUE(c.Put(3, "from", "joined").ok());
}

TEST(MemberJoinTest, JoinWithoutMemberAddIsRefused) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  c.SetFetch(c.FetchFrom(0));
  // --initial-cluster lists 4 members, the running cluster has 3 (etcd E9).
  absl::Status s = c.Create(3, c.Config(3, /*existing=*/true));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "error validating peerURLs {ClusterID:")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "member count is unequal")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "etcdctl member add m3")) << s;
}

TEST(MemberJoinTest, JoinWithDifferentUrlsIsRefused) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  auto a = c.Add(c.Leader(), TestCluster::PeerUrl(3), /*learner=*/true);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(c.WaitConverged());
  c.SetFetch(c.FetchFrom(0));
  // Started advertising another URL than the one given to member add (etcd E9b).
  config::ServerConfig cfg = c.Config(3, /*existing=*/true);
  config::Url other{"http", "127.0.0.4", 28399, ""};
  cfg.initial_cluster.back().second = {other};
  cfg.initial_advertise_peer_urls = {other};
  absl::Status s = c.Create(3, cfg);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "PeerURLs: no match found for existing member (" +
                                                 membership::IdToHex(a->member().id()) +
                                                 ", [http://127.0.0.4:28380])"))
      << s;
}

TEST(MemberJoinTest, UnreachablePeersAreReportedWithTheUrlsTried) {
  TestCluster c(1);
  c.SetFetch([](const std::vector<std::string>& urls) -> absl::StatusOr<peerpb::MembersResponse> {
    return absl::UnavailableError("connection refused by " + urls.front());
  });
  config::ServerConfig cfg = c.Config(1, /*existing=*/true);
  absl::Status s = c.Create(1, cfg);
  EXPECT_TRUE(absl::StrContains(s.message(),
                                "cannot fetch cluster info from peer urls: could not retrieve "
                                "cluster information from the given URLs"))
      << s;
  EXPECT_TRUE(absl::StrContains(s.message(), TestCluster::PeerUrl(0))) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "connection refused")) << s;
}

TEST(MemberJoinTest, ExistingWithOnlyItselfListedIsRefused) {
  TestCluster c(1);
  config::ServerConfig cfg = c.Config(0);
  cfg.initial_cluster_state = config::ClusterState::kExisting;
  absl::Status s = c.Create(0, cfg);
  EXPECT_TRUE(absl::StrContains(s.message(), "cannot fetch cluster info from peer urls")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "lists no member other than \"m0\"")) << s;
}

TEST(MemberJoinTest, LocalNameMustBeInTheInitialCluster) {
  TestCluster c(3);
  config::ServerConfig cfg = c.Config(0, /*existing=*/true);
  cfg.name = "stranger";
  absl::Status s = c.Create(0, cfg);
  EXPECT_TRUE(absl::StrContains(
      s.message(), "couldn't find local name \"stranger\" in the initial cluster configuration"))
      << s;
}

TEST(MemberJoinTest, RestartIgnoresBootstrapSettingsAndSaysSo) {
  auto sink = std::make_shared<CaptureSink>();
  TestCluster c(1);
  c.SetLogger(std::make_shared<log::Logger>(sink, log::Level::kInfo));
  ASSERT_TRUE(c.Start(0).ok());
  ASSERT_TRUE(c.WaitHealthy());
  uint64_t id = c.S(0)->MemberId(), cid = c.S(0)->ClusterId();
  c.Stop(0);
  EXPECT_EQ(sink->Count("ignoring a bootstrap setting"), 0);

  // Restart with a different cluster, token and state: all ignored, each one logged
  // next to the stored membership.
  config::ServerConfig cfg = c.Config(0);
  cfg.initial_cluster = {{"m0", {TestCluster::PeerCfgUrl(0)}},
                         {"other", {config::Url{"http", "127.0.0.9", 28380, ""}}}};
  cfg.initial_cluster_token = "another-token";
  cfg.initial_cluster_state = config::ClusterState::kExisting;
  ASSERT_TRUE(c.StartWith(0, cfg).ok());
  ASSERT_TRUE(c.WaitHealthy());
  EXPECT_EQ(c.S(0)->MemberId(), id);
  EXPECT_EQ(c.S(0)->ClusterId(), cid);
  const std::string stored = "m0=" + TestCluster::PeerUrl(0);
  EXPECT_EQ(sink->Count("\"setting\":\"--initial-cluster\"", stored), 1);
  EXPECT_EQ(sink->Count("\"given\":\"m0=http://127.0.0.1:28380,other=http://127.0.0.9:28380\""), 1);
  EXPECT_EQ(sink->Count("\"setting\":\"--initial-cluster-state\"", "\"given\":\"existing\""), 1);
  EXPECT_EQ(sink->Count("\"setting\":\"--initial-cluster-token\"", "another-token"), 1);
  EXPECT_EQ(sink->Count("ignoring a bootstrap setting", membership::IdToHex(cid)), 3);
}

}  // namespace
}  // namespace etcd::server
