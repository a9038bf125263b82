#include "config/bootstrap_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace etcd::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

ParseResult MustParse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  auto r = Parse(args, env);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ParseResult{};
}

TEST(BootstrapCheck, MatchingConfigIsOk) {
  ParseResult r =
      MustParse({"--name", "n1", "--initial-advertise-peer-urls", "http://10.0.0.1:2380",
                 "--initial-cluster", "n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380"});
  EXPECT_TRUE(CheckBootstrapMembership(r).ok());
  EXPECT_TRUE(CheckBootstrapMembership(MustParse({})).ok());               // defaults agree
  EXPECT_TRUE(CheckBootstrapMembership(MustParse({"--name", "x"})).ok());  // rewritten
}

TEST(BootstrapCheck, LocalNameMissing) {
  ParseResult r = MustParse({"--name", "foo"}, {{"ETCD_INITIAL_CLUSTER",
                                                 "a=http://10.0.0.1:2380,"
                                                 "b=http://10.0.0.2:2380"}});
  absl::Status s = CheckBootstrapMembership(r);
  EXPECT_EQ(s.message(),
            "couldn't find local name \"foo\" in the initial cluster configuration (name from "
            "--name on the command line; initial-cluster from ETCD_INITIAL_CLUSTER in the "
            "environment has \"a\", \"b\"; add foo=<this member's peer URL> to "
            "--initial-cluster or set --name to one of those names)");
  EXPECT_EQ(ExitCodeFor(s), 1);
  // Also when joining an existing cluster.
  r.config.initial_cluster_state = ClusterState::kExisting;
  EXPECT_FALSE(CheckBootstrapMembership(r).ok());
}

TEST(BootstrapCheck, ClusterEntryNotAdvertised) {
  ParseResult r =
      MustParse({"--name", "foo", "--initial-advertise-peer-urls", "http://127.0.0.1:34380",
                 "--initial-cluster", "foo=http://127.0.0.1:34390"});
  EXPECT_THAT(std::string(CheckBootstrapMembership(r).message()),
              StartsWith("--initial-cluster has foo=http://127.0.0.1:34390 but missing from "
                         "--initial-advertise-peer-urls=http://127.0.0.1:34380 (resolved "
                         "urls: \"http://127.0.0.1:34380\" != \"http://127.0.0.1:34390\")"));
}

TEST(BootstrapCheck, AdvertisedUrlNotInCluster) {
  ParseResult r = MustParse({"--name", "foo", "--initial-advertise-peer-urls",
                             "http://127.0.0.1:34380,http://127.0.0.1:34381", "--initial-cluster",
                             "foo=http://127.0.0.1:34380"});
  EXPECT_THAT(std::string(CheckBootstrapMembership(r).message()),
              StartsWith("--initial-advertise-peer-urls has http://127.0.0.1:34381 but "
                         "missing from --initial-cluster=foo=http://127.0.0.1:34380"));
}

TEST(BootstrapCheck, ExistingClusterSkipsTheUrlComparison) {
  ParseResult r = MustParse({"--name", "foo", "--initial-cluster-state", "existing",
                             "--initial-cluster", "foo=http://127.0.0.1:34390"});
  EXPECT_TRUE(CheckBootstrapMembership(r).ok());
}

TEST(BootstrapCheck, ResolverMakesHostNamesComparable) {
  ParseResult r =
      MustParse({"--name", "foo", "--initial-advertise-peer-urls", "http://node1.example.com:2380",
                 "--initial-cluster", "foo=http://10.0.0.1:2380"});
  EXPECT_FALSE(CheckBootstrapMembership(r).ok());
  UrlResolver resolve = [](const Url& u) -> absl::StatusOr<std::string> {
    Url copy = u;
    if (copy.host == "node1.example.com") copy.host = "10.0.0.1";
    return copy.ToString();
  };
  EXPECT_TRUE(CheckBootstrapMembership(r, resolve).ok());
  UrlResolver failing = [](const Url& u) -> absl::StatusOr<std::string> {
    return absl::UnavailableError("lookup node1.example.com: no such host");
  };
  EXPECT_THAT(std::string(CheckBootstrapMembership(r, failing).message()),
              HasSubstr("(lookup node1.example.com: no such host)"));
}

TEST(BootstrapCheck, NoClusterAndNoDiscovery) {
  ParseResult r = MustParse({"--initial-cluster="});
  EXPECT_THAT(std::string(CheckBootstrapMembership(r).message()),
              StartsWith("initial cluster unset and no discovery URL found"));
  EXPECT_TRUE(CheckBootstrapMembership(MustParse({"--discovery-srv", "example.com"})).ok());
}

}  // namespace
}  // namespace etcd::config
