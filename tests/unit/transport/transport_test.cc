// Transport end to end: several Transports in one process on 127.0.0.1 ephemeral
// ports exchanging raft messages. Every wait is bounded (test_util.h kWait).
#include "transport/transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "test_util.h"
#include "transport/peer_client.h"

namespace etcd::transport {
namespace {

using testing::Blackhole;
using testing::ClosedPort;
using testing::Eventually;
using testing::LoopbackOptions;
using testing::Msg;
using testing::RecordingHandler;

constexpr uint64_t kCluster = 0xcdf818194e3a8c32ULL;

struct Member {
  uint64_t id = 0;
  RecordingHandler handler;
  std::unique_ptr<Transport> transport;

  std::string url() const { return transport->local().peer_urls.at(0); }
  int port() const { return transport->listening_ports().at(0); }
  PeerStats StatsFor(uint64_t peer) const {
    for (const auto& s : transport->Stats()) {
      if (s.id == peer) return s;
    }
    return PeerStats{};
  }
};

class TransportTest : public ::testing::Test {
 protected:
  Member* Start(uint64_t id, uint64_t cluster = kCluster,
                const std::function<void(TransportOptions&)>& tweak = nullptr,
                const std::string& listen = "http://127.0.0.1:0") {
    auto m = std::make_unique<Member>();
    m->id = id;
    TransportOptions o = LoopbackOptions(id, cluster, listen);
    if (tweak) tweak(o);
    m->transport = std::make_unique<Transport>(o, &clock_);
    absl::Status s = m->transport->Start(&m->handler);
    EXPECT_TRUE(s.ok()) << s;
    members_.push_back(std::move(m));
    return members_.back().get();
  }
  // Connects every pair of the given members.
  void Mesh(const std::vector<Member*>& ms) {
    for (Member* a : ms) {
      for (Member* b : ms) {
        if (a != b) {
          ASSERT_TRUE(a->transport->AddPeer(b->id, {b->url()}).ok());
        }
      }
    }
  }
  static bool WaitActive(Member* a, uint64_t peer) {
    return Eventually([&] { return a->transport->ActiveSince(peer).has_value(); });
  }

  RealClock clock_;
  std::vector<std::unique_ptr<Member>> members_;
};

TEST_F(TransportTest, DeliversInOrderPerPeer) {
  Member* a = Start(1);
  Member* b = Start(2);
  Member* c = Start(3);
  Mesh({a, b, c});
  constexpr uint64_t kN = 3000;
  for (uint64_t i = 1; i <= kN; ++i) {
    // Several Send calls, each with messages for both peers, interleaved.
    a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, i), Msg(raftpb::MSG_HEARTBEAT, 1, 3, i)});
  }
  b->transport->Send({Msg(raftpb::MSG_APP_RESP, 2, 1, 1), Msg(raftpb::MSG_VOTE, 2, 3, 1)});
  ASSERT_TRUE(b->handler.WaitProcessed(kN));
  ASSERT_TRUE(c->handler.WaitProcessed(kN + 1));
  ASSERT_TRUE(a->handler.WaitProcessed(1));

  // Messages dropped while a stream was still being set up are allowed (Raft resends);
  // what arrives arrives once and in order.
  auto check = [](const std::vector<raftpb::Message>& got, uint64_t from,
                  raftpb::MessageType type) {
    uint64_t last = 0;
    size_t n = 0;
    for (const auto& m : got) {
      if (m.from() != from) continue;
      EXPECT_EQ(m.type(), type);
      EXPECT_GT(m.index(), last);
      last = m.index();
      ++n;
    }
    return n;
  };
  EXPECT_EQ(check(b->handler.processed(), 1, raftpb::MSG_APP), kN);
  EXPECT_EQ(check(c->handler.processed(), 1, raftpb::MSG_HEARTBEAT), kN);
  EXPECT_EQ(check(c->handler.processed(), 2, raftpb::MSG_VOTE), 1u);
  EXPECT_EQ(a->handler.processed().at(0).type(), raftpb::MSG_APP_RESP);
  EXPECT_EQ(a->handler.unreachable(2), 0);
  EXPECT_EQ(a->handler.unreachable(3), 0);
}

TEST_F(TransportTest, BatchesQueuedMessagesIntoStreamWrites) {
  Member* a = Start(1, kCluster, [](TransportOptions& o) { o.max_batch_messages = 100; });
  Member* b = Start(2);
  Mesh({a, b});
  ASSERT_TRUE(WaitActive(a, 2));
  std::vector<raftpb::Message> msgs;
  constexpr uint64_t kN = 2000;
  for (uint64_t i = 1; i <= kN; ++i) msgs.push_back(Msg(raftpb::MSG_APP, 1, 2, i));
  a->transport->Send(std::move(msgs));
  ASSERT_TRUE(b->handler.WaitProcessed(kN));
  // The sender counts a batch after its write returns, possibly after delivery.
  ASSERT_TRUE(Eventually([&] { return a->StatsFor(2).messages_sent == kN; }));
  PeerStats st = a->StatsFor(2);
  EXPECT_GE(st.batches_sent, kN / 100);  // the per-write limit holds
  EXPECT_LT(st.batches_sent, kN / 2);    // and messages do share writes
  EXPECT_GT(st.bytes_sent, 0u);
  auto got = b->handler.processed();
  for (uint64_t i = 0; i < kN; ++i) ASSERT_EQ(got[i].index(), i + 1);
}

TEST_F(TransportTest, OverflowDropsAndReportsUnreachableWithoutBlocking) {
  // The peer never answers the handshake: messages wait in the queue until it fills.
  Blackhole hole;
  Member* a = Start(1, kCluster, [](TransportOptions& o) {
    o.queue_capacity = 64;
    o.dial_timeout = std::chrono::milliseconds(4000);
  });
  ASSERT_TRUE(a->transport->AddPeer(2, {hole.url()}).ok());
  std::vector<raftpb::Message> msgs;
  for (uint64_t i = 1; i <= 1000; ++i) msgs.push_back(Msg(raftpb::MSG_APP, 1, 2, i));
  auto t0 = std::chrono::steady_clock::now();
  a->transport->Send(std::move(msgs));
  a->transport->Send({Msg(raftpb::MSG_HEARTBEAT, 1, 2, 0)});
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
  // Reported synchronously, once per Send call.
  EXPECT_EQ(a->handler.unreachable(2), 2);
  PeerStats st = a->StatsFor(2);
  EXPECT_EQ(st.messages_dropped, 1000u + 1 - 64);
  EXPECT_FALSE(st.active);
  EXPECT_TRUE(a->transport->ActivePeers().empty());

  // Stop does not wait for the hanging handshake.
  t0 = std::chrono::steady_clock::now();
  a->transport->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2000));
}

TEST_F(TransportTest, DownPeerDropsAtOnceAndIsReportedOnce) {
  Member* a = Start(1);
  std::string dead = absl::StrCat("http://127.0.0.1:", ClosedPort());
  ASSERT_TRUE(a->transport->AddPeer(2, {dead}).ok());
  ASSERT_TRUE(Eventually([&] { return a->StatsFor(2).connect_failures >= 3; }));
  int before = a->handler.unreachable(2);
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 1), Msg(raftpb::MSG_APP, 1, 2, 2)});
  // Either dropped at once (backoff) or queued and dropped by the next failed dial.
  ASSERT_TRUE(a->handler.WaitUnreachable(2, before + 1));
  // One "inactive" event however many retries.
  auto inactive = a->handler.events(PeerEvent::Kind::kInactive, 2);
  ASSERT_EQ(inactive.size(), 1u);
  EXPECT_EQ(inactive[0].status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(inactive[0].status.message().find(dead), std::string::npos) << inactive[0].status;
  EXPECT_EQ(inactive[0].peer_urls, std::vector<std::string>{dead});
}

TEST_F(TransportTest, ReconnectsAfterTheRemoteRestarts) {
  Member* a = Start(1);
  Member* b = Start(2);
  Mesh({a, b});
  ASSERT_TRUE(WaitActive(a, 2));
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 1)});
  ASSERT_TRUE(b->handler.WaitProcessed(1));
  auto first_active = a->transport->ActiveSince(2);
  ASSERT_TRUE(first_active.has_value());
  EXPECT_EQ(a->transport->ActivePeers(), std::vector<uint64_t>{2});

  // B goes away.
  int port = b->port();
  b->transport->Stop();
  ASSERT_TRUE(Eventually([&] { return !a->transport->ActiveSince(2).has_value(); }));
  EXPECT_TRUE(a->transport->ActivePeers().empty());
  ASSERT_TRUE(a->handler.WaitEvents(PeerEvent::Kind::kInactive, 2, 1));
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 2)});
  EXPECT_TRUE(a->handler.WaitUnreachable(2, 1));

  // B comes back on the same port, as a fresh process would.
  Member* b2 = Start(2, kCluster, nullptr, absl::StrCat("http://127.0.0.1:", port));
  ASSERT_TRUE(WaitActive(a, 2));
  ASSERT_TRUE(a->handler.WaitEvents(PeerEvent::Kind::kActive, 2, 2));
  EXPECT_EQ(a->handler.events(PeerEvent::Kind::kInactive, 2).size(), 1u);
  EXPECT_GT(*a->transport->ActiveSince(2), *first_active);
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 3)});
  ASSERT_TRUE(b2->handler.WaitProcessed(1));
  EXPECT_EQ(b2->handler.processed()[0].index(), 3u);
}

TEST_F(TransportTest, RefusesAClusterIdMismatchWithBothIdentities) {
  constexpr uint64_t kOther = 0x1c45a069f3a1d796ULL;
  Member* a = Start(0x91bc3c398fb3c146ULL, kOther);
  Member* b = Start(0x8e9e05c52164694dULL, kCluster);
  ASSERT_TRUE(a->transport->AddPeer(b->id, {b->url()}).ok());
  const std::string want =
      absl::StrCat("cluster ID mismatch: local member 8e9e05c52164694d (", b->url(),
                   ") is in cluster cdf818194e3a8c32, remote member 91bc3c398fb3c146 (", a->url(),
                   ") claims cluster 1c45a069f3a1d796");

  // The callee refuses (and reports it for its log) ...
  ASSERT_TRUE(b->handler.WaitEvents(PeerEvent::Kind::kRejected, a->id, 1));
  auto rejected = b->handler.events(PeerEvent::Kind::kRejected, a->id);
  EXPECT_EQ(rejected[0].status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rejected[0].status.message(), want);
  EXPECT_EQ(rejected[0].peer_urls, std::vector<std::string>{a->url()});
  // ... and the caller gets the same text as FAILED_PRECONDITION.
  ASSERT_TRUE(a->handler.WaitEvents(PeerEvent::Kind::kRefused, b->id, 1));
  auto refused = a->handler.events(PeerEvent::Kind::kRefused, b->id);
  EXPECT_EQ(refused[0].status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused[0].status.message(), want);

  // Retries go on, but each side reports it once.
  ASSERT_TRUE(Eventually([&] { return a->StatsFor(b->id).connect_failures >= 4; }));
  EXPECT_EQ(a->handler.events(PeerEvent::Kind::kRefused, b->id).size(), 1u);
  EXPECT_EQ(b->handler.events(PeerEvent::Kind::kRejected, a->id).size(), 1u);
  EXPECT_EQ(a->StatsFor(b->id).last_error, absl::FailedPreconditionError(want).ToString());
  a->transport->Send({Msg(raftpb::MSG_APP, a->id, b->id, 1)});
  EXPECT_TRUE(a->transport->ActivePeers().empty());
  EXPECT_TRUE(b->handler.processed().empty());
}

TEST_F(TransportTest, RefusesTheWrongMemberBehindAUrl) {
  Member* a = Start(1);
  Member* b = Start(2);
  // A believes member 3 lives at B's URL.
  ASSERT_TRUE(a->transport->AddPeer(3, {b->url()}).ok());
  ASSERT_TRUE(a->handler.WaitEvents(PeerEvent::Kind::kRefused, 3, 1));
  auto refused = a->handler.events(PeerEvent::Kind::kRefused, 3);
  EXPECT_EQ(refused[0].status.message(),
            absl::StrCat("member ID mismatch: local member 2 (", b->url(),
                         ") of cluster cdf818194e3a8c32 was called by member 1 (", a->url(),
                         ") meaning to reach member 3"));
}

TEST_F(TransportTest, StreamsAMultiMegabyteSnapshotInChunks) {
  Member* a = Start(1, kCluster, [](TransportOptions& o) { o.snapshot_chunk_bytes = 256 << 10; });
  Member* b = Start(2);
  Mesh({a, b});
  std::string payload(5 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>((i * 7919) >> 3);
  raftpb::Message snap = Msg(raftpb::MSG_SNAP, 1, 2, 0);
  snap.mutable_snapshot()->mutable_metadata()->set_index(1000);
  snap.mutable_snapshot()->mutable_metadata()->set_term(3);
  snap.mutable_snapshot()->mutable_metadata()->mutable_conf_state()->add_voters(1);
  snap.mutable_snapshot()->mutable_metadata()->mutable_conf_state()->add_voters(2);
  snap.mutable_snapshot()->set_data(payload);
  // Through Send, with ordinary messages around it.
  a->transport->Send({Msg(raftpb::MSG_HEARTBEAT, 1, 2, 0), snap});

  ASSERT_TRUE(a->handler.WaitSnapshotReports(1));
  EXPECT_EQ(a->handler.snapshot_reports()[0], std::make_pair(uint64_t{2}, false));
  ASSERT_TRUE(b->handler.WaitProcessed(2));
  const raftpb::Message* got = nullptr;
  auto processed = b->handler.processed();
  for (const auto& m : processed) {
    if (m.type() == raftpb::MSG_SNAP) got = &m;
  }
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->from(), 1u);
  EXPECT_EQ(got->snapshot().metadata().index(), 1000u);
  EXPECT_EQ(got->snapshot().metadata().term(), 3u);
  EXPECT_EQ(got->snapshot().metadata().conf_state().voters_size(), 2);
  EXPECT_EQ(got->snapshot().data().size(), payload.size());
  EXPECT_TRUE(got->snapshot().data() == payload);
  EXPECT_EQ(a->StatsFor(2).snapshots_sent, 1u);
  EXPECT_EQ(a->handler.unreachable(2), 0);
}

// A source that fails after some bytes.
class FailingSource final : public SnapshotSource {
 public:
  uint64_t Size() const override { return 4 << 20; }
  absl::Status Read(size_t max_bytes, std::string* out) override {
    if (sent_ >= (1 << 20)) return absl::DataLossError("disk read failed");
    out->assign(max_bytes, 'x');
    sent_ += max_bytes;
    return absl::OkStatus();
  }

 private:
  size_t sent_ = 0;
};

TEST_F(TransportTest, SnapshotFailuresAreReported) {
  Member* a = Start(1, kCluster, [](TransportOptions& o) { o.snapshot_chunk_bytes = 64 << 10; });
  Member* b = Start(2, kCluster, [](TransportOptions& o) { o.max_snapshot_bytes = 1 << 20; });
  Mesh({a, b});

  // 1. The receiver refuses a payload over its limit.
  raftpb::Message big = Msg(raftpb::MSG_SNAP, 1, 2, 0);
  big.mutable_snapshot()->set_data(std::string(2 << 20, 'y'));
  a->transport->Send({big});
  ASSERT_TRUE(a->handler.WaitSnapshotReports(1));
  EXPECT_EQ(a->handler.snapshot_reports()[0], std::make_pair(uint64_t{2}, true));
  EXPECT_GE(a->handler.unreachable(2), 1);
  ASSERT_TRUE(a->handler.WaitEvents(PeerEvent::Kind::kSnapshotFailed, 2, 1));
  EXPECT_EQ(a->handler.events(PeerEvent::Kind::kSnapshotFailed, 2)[0].status.code(),
            absl::StatusCode::kResourceExhausted);

  // 2. The source fails midway: the receiver never sees a partial snapshot.
  a->transport->SendSnapshot(Msg(raftpb::MSG_SNAP, 1, 2, 0), std::make_unique<FailingSource>());
  ASSERT_TRUE(a->handler.WaitSnapshotReports(2));
  EXPECT_EQ(a->handler.snapshot_reports()[1], std::make_pair(uint64_t{2}, true));

  // 3. Unknown peer: fails at once.
  a->transport->Send({Msg(raftpb::MSG_SNAP, 1, 9, 0)});
  ASSERT_TRUE(a->handler.WaitSnapshotReports(3));
  EXPECT_EQ(a->handler.snapshot_reports()[2], std::make_pair(uint64_t{9}, true));

  // 4. A small one still goes through afterwards.
  raftpb::Message ok = Msg(raftpb::MSG_SNAP, 1, 2, 0);
  ok.mutable_snapshot()->set_data("state");
  a->transport->Send({ok});
  ASSERT_TRUE(a->handler.WaitSnapshotReports(4));
  EXPECT_EQ(a->handler.snapshot_reports()[3], std::make_pair(uint64_t{2}, false));
  for (const auto& m : b->handler.processed()) {
    if (m.type() == raftpb::MSG_SNAP) {
      EXPECT_EQ(m.snapshot().data(), "state");
    }
  }
  EXPECT_EQ(a->StatsFor(2).snapshots_failed, 2u);
  EXPECT_EQ(a->StatsFor(2).snapshots_sent, 1u);
}

TEST_F(TransportTest, RefusesARemovedMember) {
  Member* a = Start(1);
  Member* b = Start(2);
  b->handler.SetRemoved(1);
  ASSERT_TRUE(a->transport->AddPeer(2, {b->url()}).ok());
  ASSERT_TRUE(a->handler.WaitRemovedReports(1));
  ASSERT_TRUE(a->handler.WaitEvents(PeerEvent::Kind::kRefused, 2, 1));
  auto refused = a->handler.events(PeerEvent::Kind::kRefused, 2)[0];
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(
      refused.status.message(),
      absl::StrCat("the member has been permanently removed from the cluster: member 1 (", a->url(),
                   ") was removed from cluster cdf818194e3a8c32; refused by "
                   "member 2 (",
                   b->url(), ")"));
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 1)});
  ASSERT_TRUE(b->handler.WaitEvents(PeerEvent::Kind::kRejected, 1, 1));
  EXPECT_TRUE(b->handler.processed().empty());
}

TEST_F(TransportTest, RefusesAMemberRemovedWhileItsStreamIsOpen) {
  Member* a = Start(1);
  Member* b = Start(2);
  Mesh({a, b});
  ASSERT_TRUE(WaitActive(a, 2));
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 1)});
  ASSERT_TRUE(b->handler.WaitProcessed(1));
  b->handler.SetRemoved(1);
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 2)});
  ASSERT_TRUE(a->handler.WaitRemovedReports(1));
  EXPECT_EQ(b->handler.processed().size(), 1u);
  ASSERT_TRUE(Eventually([&] { return !a->transport->ActiveSince(2).has_value(); }));
}

TEST_F(TransportTest, MembersRpc) {
  Member* a = Start(1);
  Member* b = Start(2);
  Mesh({a, b});
  serverpb::Member m2, m1;
  m2.set_id(2);
  m2.set_name("m2");
  m2.add_peer_urls(b->url());
  m2.add_client_urls("http://127.0.0.1:2379");
  m1.set_id(1);
  m1.set_name("m1");
  m1.add_peer_urls(a->url());
  m1.set_is_learner(true);
  b->handler.SetMembers({m2, m1});

  auto resp = a->transport->FetchMembers(2, std::chrono::milliseconds(2000));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->cluster_id(), kCluster);
  EXPECT_EQ(resp->member_id(), 2u);
  EXPECT_EQ(resp->version(), ETCD_VERSION);
  ASSERT_EQ(resp->members_size(), 2);
  EXPECT_EQ(resp->members(0).id(), 1u);  // sorted by ID
  EXPECT_TRUE(resp->members(0).is_learner());
  EXPECT_EQ(resp->members(1).name(), "m2");
  EXPECT_EQ(resp->members(1).client_urls(0), "http://127.0.0.1:2379");

  // A joining member does not know the cluster ID yet; a dead URL first is skipped.
  peerpb::HandshakeRequest joiner;
  joiner.add_peer_urls("http://127.0.0.1:9");
  std::string dead = absl::StrCat("http://127.0.0.1:", ClosedPort());
  auto joined = transport::FetchMembers({dead, b->url()}, joiner, std::chrono::milliseconds(2000));
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->cluster_id(), kCluster);
  EXPECT_EQ(joined->members_size(), 2);

  // The wrong cluster is refused with the mismatch message.
  joiner.set_cluster_id(0x1c45a069f3a1d796ULL);
  joiner.set_member_id(0x77);
  auto refused = transport::FetchMembers({b->url()}, joiner, std::chrono::milliseconds(2000));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find(absl::StrCat(
                "cluster ID mismatch: local member 2 (", b->url(),
                ") is in cluster cdf818194e3a8c32, remote member 77 (http://127.0.0.1:9) "
                "claims cluster 1c45a069f3a1d796")),
            std::string::npos)
      << refused.status();
  // Nobody there at all.
  auto none = transport::FetchMembers({dead}, joiner, std::chrono::milliseconds(500));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find(dead), std::string::npos);
}

TEST_F(TransportTest, LeaseRenewIsForwardedToTheLeader) {
  Member* follower = Start(1);
  Member* leader = Start(2);
  Mesh({follower, leader});
  leader->handler.SetLease(7, 42);
  auto ttl = follower->transport->LeaseRenew(2, 7, std::chrono::milliseconds(2000));
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  EXPECT_EQ(*ttl, 42);
  auto missing = follower->transport->LeaseRenew(2, 8, std::chrono::milliseconds(2000));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status(), absl::NotFoundError("etcdserver: requested lease not found"));

  absl::Mutex mu;
  std::vector<absl::StatusOr<int64_t>> results;
  for (int64_t id : {7, 8}) {
    follower->transport->LeaseRenewAsync(2, id, std::chrono::milliseconds(2000),
                                         [&](absl::StatusOr<int64_t> r) {
                                           absl::MutexLock l(&mu);
                                           results.push_back(std::move(r));
                                         });
  }
  {
    absl::MutexLock l(&mu);
    auto two = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return results.size() == 2; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&two), testing::kWait));
  }
  int ok = 0;
  for (const auto& r : results) ok += r.ok() && *r == 42;
  EXPECT_EQ(ok, 1);

  auto unknown = follower->transport->LeaseRenew(9, 7, std::chrono::milliseconds(100));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(TransportTest, UpdatePeerMovesToTheNewUrl) {
  Member* a = Start(1);
  Member* b = Start(2);
  ASSERT_TRUE(a->transport->AddPeer(2, {absl::StrCat("http://127.0.0.1:", ClosedPort())}).ok());
  ASSERT_TRUE(Eventually([&] { return a->StatsFor(2).connect_failures >= 1; }));
  EXPECT_EQ(a->transport->UpdatePeer(2, {"nonsense"}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a->transport->UpdatePeer(5, {b->url()}).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(a->transport->UpdatePeer(2, {b->url()}).ok());
  ASSERT_TRUE(WaitActive(a, 2));
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 1)});
  ASSERT_TRUE(b->handler.WaitProcessed(1));
  EXPECT_EQ(a->StatsFor(2).urls, std::vector<std::string>{b->url()});
}

TEST_F(TransportTest, MeasuresRttAndLastContact) {
  Member* a = Start(1);
  Member* b = Start(2);
  Mesh({a, b});
  ASSERT_TRUE(WaitActive(a, 2));
  ASSERT_TRUE(Eventually([&] { return a->StatsFor(2).rtt.has_value(); }));
  PeerStats st = a->StatsFor(2);
  EXPECT_TRUE(st.active);
  EXPECT_GE(*st.rtt, Clock::Duration(0));
  EXPECT_LT(*st.rtt, std::chrono::seconds(1));
  ASSERT_TRUE(st.last_contact.has_value());
  EXPECT_GE(*st.last_contact, *st.active_since);
  EXPECT_EQ(st.remote_name, "m2");
  EXPECT_EQ(st.remote_version, ETCD_VERSION);
}

TEST_F(TransportTest, PeerManagementErrors) {
  Member* a = Start(1);
  EXPECT_EQ(a->transport->AddPeer(2, {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a->transport->AddPeer(2, {"ftp://x:1"}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a->transport->AddPeer(1, {"http://127.0.0.1:1"}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(a->transport->AddPeer(2, {"http://127.0.0.1:1"}).ok());
  EXPECT_EQ(a->transport->AddPeer(2, {"http://127.0.0.1:1"}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(a->transport->HasPeer(2));
  a->transport->RemovePeer(2);
  a->transport->RemovePeer(2);  // no-op
  EXPECT_FALSE(a->transport->HasPeer(2));
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 1), Msg(raftpb::MSG_APP, 1, 1, 1)});
  EXPECT_EQ(a->transport->unknown_peer_drops(), 2u);
  EXPECT_EQ(a->handler.unreachable(2), 0);

  Transport unstarted(LoopbackOptions(5, kCluster), &clock_);
  EXPECT_EQ(unstarted.AddPeer(2, {"http://127.0.0.1:1"}).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(TransportTest, StartFailsOnABusyPortAndNeedsCredentialsForHttps) {
  Member* a = Start(1);
  RecordingHandler h;
  Transport clash(LoopbackOptions(2, kCluster, a->url()), &clock_);
  absl::Status s = clash.Start(&h);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_NE(s.message().find(a->url()), std::string::npos) << s;

  Transport tls(LoopbackOptions(3, kCluster, "https://127.0.0.1:0"), &clock_);
  EXPECT_EQ(tls.Start(&h).code(), absl::StatusCode::kUnimplemented);
}

TEST_F(TransportTest, NoHandlerCallsAfterStop) {
  Member* a = Start(1);
  Member* b = Start(2);
  Mesh({a, b});
  ASSERT_TRUE(WaitActive(a, 2));
  a->transport->Stop();
  size_t events = a->handler.events().size();
  a->transport->Send({Msg(raftpb::MSG_APP, 1, 2, 1), Msg(raftpb::MSG_SNAP, 1, 2, 0)});
  EXPECT_EQ(a->handler.unreachable(2), 0);
  EXPECT_TRUE(a->handler.snapshot_reports().empty());
  EXPECT_EQ(a->handler.events().size(), events);
  a->transport->Stop();  // idempotent
}

}  // namespace
}  // namespace etcd::transport
