#include "transport/identity.h"

#include <gtest/gtest.h>

namespace etcd::transport {
namespace {

LocalIdentity Local() {
  LocalIdentity l;
  l.member_id = 0x8e9e05c52164694dULL;
  l.cluster_id = 0xcdf818194e3a8c32ULL;
  l.name = "infra1";
  l.peer_urls = {"http://127.0.0.1:2380"};
  l.version = "3.5.0";
  return l;
}

peerpb::HandshakeRequest Remote(uint64_t cluster) {
  peerpb::HandshakeRequest h;
  h.set_cluster_id(cluster);
  h.set_member_id(0x91bc3c398fb3c146ULL);
  h.set_name("infra2");
  h.add_peer_urls("http://127.0.0.1:12380");
  h.set_version("3.5.0");
  h.set_to(0x8e9e05c52164694dULL);
  return h;
}

TEST(IdentityTest, HexIdIsEtcdsForm) {
  EXPECT_EQ(HexId(0x8e9e05c52164694dULL), "8e9e05c52164694d");
  EXPECT_EQ(HexId(0x1c45a069f3a1d79ULL), "1c45a069f3a1d79");  // no padding
  EXPECT_EQ(HexId(0), "0");
}

TEST(IdentityTest, HelloAndResponseCarryTheIdentity) {
  peerpb::HandshakeRequest h = Local().Hello(42);
  EXPECT_EQ(h.cluster_id(), 0xcdf818194e3a8c32ULL);
  EXPECT_EQ(h.member_id(), 0x8e9e05c52164694dULL);
  EXPECT_EQ(h.name(), "infra1");
  ASSERT_EQ(h.peer_urls_size(), 1);
  EXPECT_EQ(h.peer_urls(0), "http://127.0.0.1:2380");
  EXPECT_EQ(h.version(), "3.5.0");
  EXPECT_EQ(h.to(), 42u);
  peerpb::HandshakeResponse r = Local().Response();
  EXPECT_EQ(r.member_id(), h.member_id());
  EXPECT_EQ(r.cluster_id(), h.cluster_id());
}

TEST(IdentityTest, ClusterMismatchNamesBothMembersUrlsAndClusters) {
  absl::Status s = CheckCaller(Local(), Remote(0x1c45a069f3a1d796ULL), false);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "cluster ID mismatch: local member 8e9e05c52164694d (http://127.0.0.1:2380) is in "
            "cluster cdf818194e3a8c32, remote member 91bc3c398fb3c146 (http://127.0.0.1:12380) "
            "claims cluster 1c45a069f3a1d796");
}

TEST(IdentityTest, MultipleUrlsAreCommaJoined) {
  LocalIdentity l = Local();
  l.peer_urls = {"http://10.0.0.1:2380", "http://10.0.0.2:2380"};
  EXPECT_EQ(ClusterMismatchMessage(1, l.peer_urls, 2, 3, {}, 4),
            "cluster ID mismatch: local member 1 (http://10.0.0.1:2380,http://10.0.0.2:2380) "
            "is in cluster 2, remote member 3 () claims cluster 4");
}

TEST(IdentityTest, CallerChecks) {
  EXPECT_TRUE(CheckCaller(Local(), Remote(0xcdf818194e3a8c32ULL), false).ok());

  // Cluster 0 only where allowed (Members of a joining member).
  EXPECT_EQ(CheckCaller(Local(), Remote(0), false).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckCaller(Local(), Remote(0), false, /*allow_unknown_cluster=*/true).ok());

  peerpb::HandshakeRequest wrong_to = Remote(0xcdf818194e3a8c32ULL);
  wrong_to.set_to(5);
  absl::Status s = CheckCaller(Local(), wrong_to, false);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "member ID mismatch: local member 8e9e05c52164694d (http://127.0.0.1:2380) of "
            "cluster cdf818194e3a8c32 was called by member 91bc3c398fb3c146 "
            "(http://127.0.0.1:12380) meaning to reach member 5");

  peerpb::HandshakeRequest any_to = Remote(0xcdf818194e3a8c32ULL);
  any_to.set_to(0);
  EXPECT_TRUE(CheckCaller(Local(), any_to, false).ok());
}

TEST(IdentityTest, RemovedCallerIsPermissionDenied) {
  absl::Status s = CheckCaller(Local(), Remote(0xcdf818194e3a8c32ULL), /*caller_removed=*/true);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(),
            "the member has been permanently removed from the cluster: member 91bc3c398fb3c146 "
            "(http://127.0.0.1:12380) was removed from cluster cdf818194e3a8c32; refused by "
            "member 8e9e05c52164694d (http://127.0.0.1:2380)");
  EXPECT_TRUE(IsRemovedError(s));
  EXPECT_FALSE(IsRemovedError(absl::PermissionDeniedError("something else")));
  EXPECT_FALSE(IsRemovedError(absl::FailedPreconditionError(s.message())));
}

TEST(IdentityTest, CalleeChecks) {
  peerpb::HandshakeResponse r;
  r.set_cluster_id(0xcdf818194e3a8c32ULL);
  r.set_member_id(0x91bc3c398fb3c146ULL);
  r.add_peer_urls("http://127.0.0.1:12380");
  EXPECT_TRUE(CheckCallee(Local(), 0x91bc3c398fb3c146ULL, "http://127.0.0.1:12380", r).ok());

  absl::Status wrong = CheckCallee(Local(), 0x1234, "http://127.0.0.1:12380", r);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wrong.message(),
            "member ID mismatch: local member 8e9e05c52164694d (http://127.0.0.1:2380) dialed "
            "http://127.0.0.1:12380 to reach member 1234 but reached member 91bc3c398fb3c146 "
            "(http://127.0.0.1:12380) of cluster cdf818194e3a8c32");

  r.set_cluster_id(0x1c45a069f3a1d796ULL);
  absl::Status other = CheckCallee(Local(), 0x91bc3c398fb3c146ULL, "http://127.0.0.1:12380", r);
  EXPECT_EQ(other.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(other.message(),
            "cluster ID mismatch: local member 8e9e05c52164694d (http://127.0.0.1:2380) is in "
            "cluster cdf818194e3a8c32, remote member 91bc3c398fb3c146 (http://127.0.0.1:12380) "
            "claims cluster 1c45a069f3a1d796");
}

}  // namespace
}  // namespace etcd::transport
