#include "membership/cluster.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "fake_backend.h"

namespace etcd::membership {
namespace {

using testing::FakeBackend;

TEST(RaftClusterTest, FromInitialClusterDerivesEtcdIds) {
  auto c = RaftCluster::FromInitialCluster("tok3", {{"a", {"http://127.0.0.1:31391"}},
                                                    {"b", {"http://127.0.0.1:31392"}},
                                                    {"c", {"http://127.0.0.1:31393"}},
                                                    {"c", {"http://127.0.0.1:31383"}}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->id(), 4000938820254553899ULL);
  auto members = (*c)->Members();
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].id, 4006328037529301378ULL);
  EXPECT_EQ(members[0].name, "a");
  EXPECT_EQ(members[2].peer_urls,
            (std::vector<std::string>{"http://127.0.0.1:31383", "http://127.0.0.1:31393"}));
  EXPECT_EQ((*c)->FindByName("b")->id, 9685646081661547516ULL);
}

TEST(RaftClusterTest, DuplicateUrlIsRefused) {
  auto c = RaftCluster::FromInitialCluster(
      "t", {{"a", {"http://127.0.0.1:1"}}, {"b", {"http://127.0.0.1:1"}}});
  EXPECT_FALSE(c.ok());
}

TEST(RaftClusterTest, PersistsAndRecovers) {
  FakeBackend be;
  auto c = *RaftCluster::FromInitialCluster("t", {{"a", {"http://127.0.0.1:1"}}});
  Member a = c->Members()[0];
  c->AddMember(a, &be);
  c->UpdateAttributes(a.id, "a", {"http://127.0.0.1:2"}, &be);
  Member b = NewMember("", {"http://127.0.0.1:3"}, "", 42, true);
  c->AddMember(b, &be);
  c->SetVersion("3.5.0", &be);
  Member d = NewMember("", {"http://127.0.0.1:5"}, "", 43);
  c->AddMember(d, &be);
  c->RemoveMember(d.id, &be);
  ASSERT_TRUE(be.Commit(10, 2).ok());

  RaftCluster r;
  ASSERT_TRUE(r.Recover(be).ok());
  EXPECT_EQ(r.id(), c->id());
  EXPECT_EQ(r.Members(), c->Members());
  EXPECT_EQ(r.Find(a.id)->client_urls, std::vector<std::string>{"http://127.0.0.1:2"});
  EXPECT_TRUE(r.Find(b.id)->is_learner);
  EXPECT_TRUE(r.IsRemoved(d.id));
  EXPECT_FALSE(r.Find(d.id).has_value());
  EXPECT_EQ(r.Version(), "3.5.0");
  EXPECT_EQ(r.VotingMemberIds(), std::vector<uint64_t>{a.id});
}

TEST(RaftClusterTest, ReAddingBootstrapMemberKeepsAttributes) {
  FakeBackend be;
  auto c = *RaftCluster::FromInitialCluster("t", {{"a", {"http://127.0.0.1:1"}}});
  Member a = c->Members()[0];
  c->UpdateAttributes(a.id, "a", {"http://127.0.0.1:2"}, &be);
  Member bare = a;
  bare.name.clear();
  bare.client_urls.clear();
  c->AddMember(bare, &be);
  EXPECT_EQ(c->Find(a.id)->client_urls, std::vector<std::string>{"http://127.0.0.1:2"});
}

TEST(RaftClusterTest, ValidateConfChange) {
  auto c = *RaftCluster::FromInitialCluster("t", {{"a", {"http://127.0.0.1:1"}}});
  uint64_t a = c->Members()[0].id;
  Member clash = NewMember("", {"http://127.0.0.1:1"}, "", 1);
  Member fresh = NewMember("", {"http://127.0.0.1:9"}, "", 1);
  Member learner = NewMember("", {"http://127.0.0.1:8"}, "", 2, true);
  using errors::Err;
  EXPECT_TRUE(errors::Is(c->ValidateConfChange(raftpb::CONF_CHANGE_ADD_NODE, a, c->Find(a)),
                         Err::kMemberExist));
  EXPECT_TRUE(errors::Is(c->ValidateConfChange(raftpb::CONF_CHANGE_ADD_NODE, clash.id, clash),
                         Err::kPeerURLExist));
  EXPECT_TRUE(c->ValidateConfChange(raftpb::CONF_CHANGE_ADD_NODE, fresh.id, fresh).ok());
  EXPECT_TRUE(errors::Is(c->ValidateConfChange(raftpb::CONF_CHANGE_REMOVE_NODE, 77, std::nullopt),
                         Err::kMemberNotFound));
  c->AddMember(learner, nullptr);
  // Promotion = ADD_NODE of an existing learner.
  EXPECT_TRUE(c->ValidateConfChange(raftpb::CONF_CHANGE_ADD_NODE, learner.id, learner).ok());
  Member second = NewMember("", {"http://127.0.0.1:7"}, "", 3, true);
  EXPECT_TRUE(
      errors::Is(c->ValidateConfChange(raftpb::CONF_CHANGE_ADD_LEARNER_NODE, second.id, second),
                 Err::kTooManyLearners));
  c->RemoveMember(learner.id, nullptr);
  EXPECT_TRUE(errors::Is(c->ValidateConfChange(raftpb::CONF_CHANGE_ADD_NODE, learner.id, learner),
                         Err::kMemberNotFound));
}

}  // namespace
}  // namespace etcd::membership
