#include "membership/member.h"

#include <gtest/gtest.h>

namespace etcd::membership {
namespace {

// Literal IDs observed from etcd 3.4.23 (`etcdctl member list -w json`) started with
// the same --initial-cluster / --initial-advertise-peer-urls / --initial-cluster-token.
TEST(MemberIdTest, MatchesEtcdSingleMemberCompatToken) {
  // etcd --name default --initial-cluster default=http://127.0.0.1:31380
  //      --initial-advertise-peer-urls http://127.0.0.1:31380 --initial-cluster-token compat
  uint64_t id = ComputeMemberId({"http://127.0.0.1:31380"}, "compat");
  EXPECT_EQ(id, 16332951450263503411ULL);
  EXPECT_EQ(ComputeClusterId({id}), 2471682602494021851ULL);
}

TEST(MemberIdTest, MatchesEtcdSingleMemberDefaultToken) {
  uint64_t id = ComputeMemberId({"http://127.0.0.1:31380"}, "etcd-cluster");
  EXPECT_EQ(id, 10221683743416816908ULL);
  EXPECT_EQ(ComputeClusterId({id}), 10101560796677756362ULL);
}

TEST(MemberIdTest, MatchesEtcdNoFlagsDefaults) {
  // `etcd` with no flags: member 8e9e05c52164694d in cluster cdf818194e3a8c32.
  uint64_t id = ComputeMemberId({"http://localhost:2380"}, "etcd-cluster");
  EXPECT_EQ(IdToHex(id), "8e9e05c52164694d");
  EXPECT_EQ(IdToHex(ComputeClusterId({id})), "cdf818194e3a8c32");
}

TEST(MemberIdTest, MatchesEtcdThreeMembersWithMultiUrlMember) {
  // --initial-cluster a=http://127.0.0.1:31391,b=http://127.0.0.1:31392,
  //   c=http://127.0.0.1:31393,c=http://127.0.0.1:31383 --initial-cluster-token tok3
  uint64_t a = ComputeMemberId({"http://127.0.0.1:31391"}, "tok3");
  uint64_t b = ComputeMemberId({"http://127.0.0.1:31392"}, "tok3");
  uint64_t c = ComputeMemberId({"http://127.0.0.1:31393", "http://127.0.0.1:31383"}, "tok3");
  EXPECT_EQ(a, 4006328037529301378ULL);
  EXPECT_EQ(b, 9685646081661547516ULL);
  EXPECT_EQ(c, 12717709957637476978ULL);
  EXPECT_EQ(ComputeClusterId({c, a, b}), 4000938820254553899ULL);
}

TEST(MemberIdTest, TimeChangesTheId) {
  uint64_t base = ComputeMemberId({"http://10.0.0.1:2380"}, "");
  EXPECT_NE(base, ComputeMemberId({"http://10.0.0.1:2380"}, "", 1700000000));
  EXPECT_EQ(ComputeMemberId({"http://10.0.0.1:2380"}, "", 1700000000),
            ComputeMemberId({"http://10.0.0.1:2380"}, "", 1700000000));
}

TEST(MemberTest, NewMemberSortsUrlsAndRoundTripsProto) {
  Member m = NewMember("c", {"http://b:2", "http://a:1"}, "tok", std::nullopt, true);
  EXPECT_EQ(m.peer_urls, (std::vector<std::string>{"http://a:1", "http://b:2"}));
  EXPECT_TRUE(m.is_learner);
  m.client_urls = {"http://a:3"};
  EXPECT_EQ(Member::FromProto(m.ToProto()), m);
}

TEST(MemberTest, HexIds) {
  uint64_t id = 0;
  EXPECT_TRUE(ParseHexId("8e9e05c52164694d", &id));
  EXPECT_EQ(IdToHex(id), "8e9e05c52164694d");
  EXPECT_EQ(IdToHex(0xabc), "abc");
  EXPECT_FALSE(ParseHexId("xyz", &id));
  EXPECT_FALSE(ParseHexId("", &id));
  EXPECT_FALSE(ParseHexId("12345678901234567", &id));
}

}  // namespace
}  // namespace etcd::membership
