// TestCluster: N EtcdServer members in one process, on one MemEnv and one FakeClock,
// joined by a testutil::MemNetwork. Time moves only when a test calls Advance / the
// Wait* helpers (which step the clock one heartbeat at a time and kick every member
// until a predicate holds, bounded in real time). Peer URLs are fake (never bound):
// http://127.0.0.<i+1>:28380 for member i ("m0", "m1", ...).
//
// Thread safety: a test's main thread drives it; the servers run their own threads.
#pragma once

#include <gtest/gtest.h>
#include <leveldb/helpers/memenv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "call_within.h"
#include "common/errors.h"
#include "common/log.h"
#include "membership/member.h"
#include "server/etcd_server.h"
#include "testutil/mem_network.h"

namespace etcd::server::testing {

inline constexpr absl::Duration kWait = absl::Seconds(30);

// Calls fn(done) and waits (bounded, real time) for the answer.
template <typename Resp, typename Fn>
absl::StatusOr<Resp> Call(Fn&& fn) {
  return CallWithin<Resp>(kWait, std::forward<Fn>(fn));
}

class TestCluster {
 public:
  explicit TestCluster(int n, std::function<void(int, config::ServerConfig*)> tweak = nullptr)
      : mem_(leveldb::NewMemEnv(leveldb::Env::Default())),
        quiet_(log::Discard()),
        net_(&clock_),
        tweak_(std::move(tweak)) {
    for (int i = 0; i < n; ++i) initial_.push_back(i);
    servers_.resize(16);
  }
  ~TestCluster() {
    for (size_t i = 0; i < servers_.size(); ++i) Kill(static_cast<int>(i));
  }

  static std::string Name(int i) { return "m" + std::to_string(i); }
  static std::string PeerUrl(int i) { return "http://127.0.0." + std::to_string(i + 1) + ":28380"; }
  static config::Url PeerCfgUrl(int i) {
    return config::Url{"http", "127.0.0." + std::to_string(i + 1), 28380, ""};
  }

  config::ServerConfig Config(int i, bool existing = false) const {
    config::ServerConfig c;
    c.name = Name(i);
    c.data_dir = "/data/" + Name(i);
    c.initial_advertise_peer_urls = {PeerCfgUrl(i)};
    c.listen_peer_urls = {PeerCfgUrl(i)};
    c.advertise_client_urls = {config::Url{"http", "127.0.0." + std::to_string(i + 1), 28379, ""}};
    for (int m : initial_) c.initial_cluster.push_back({Name(m), {PeerCfgUrl(m)}});
    if (existing) {
      bool listed = false;
      for (int m : initial_) listed = listed || m == i;
      if (!listed) c.initial_cluster.push_back({Name(i), {PeerCfgUrl(i)}});
      c.initial_cluster_state = config::ClusterState::kExisting;
    }
    c.initial_cluster_given = true;
    c.initial_cluster_token = "tc";
    c.heartbeat_interval = std::chrono::milliseconds(100);
    c.election_timeout = std::chrono::milliseconds(1000);
    c.snapshot_count = 100000;
    c.max_request_bytes = 1572864;
    c.auto_compaction_retention = "0";
    if (tweak_) tweak_(i, &c);
    return c;
  }

  ServerDeps Deps(int i) {
    ServerDeps d;
    d.env = mem_.get();
    d.clock = &clock_;
    d.seed = 1000 + static_cast<uint64_t>(i) * 7919;
    d.logger = quiet_.get();
    d.transport = net_.Endpoint(Id(i));
    d.fetch_members = fetch_;
    return d;
  }

  // Records the ID of a member added at run time (MemberAdd answers it).
  void SetId(int i, uint64_t id) { ids_[i] = id; }
  void SetLogger(std::shared_ptr<log::Logger> l) { quiet_ = std::move(l); }
  // Member i's ID, known once it was created (or 0).
  uint64_t Id(int i) const { return ids_.count(i) ? ids_.at(i) : IdFor(i); }
  // The bootstrap ID of an initial member (token "tc"), before creation.
  static uint64_t IdFor(int i) { return membership::ComputeMemberId({PeerUrl(i)}, "tc"); }

  absl::Status Create(int i, const config::ServerConfig& cfg) {
    ServerDeps d = Deps(i);
    auto s = EtcdServer::Create(cfg, d);
    if (!s.ok()) return s.status();
    ids_[i] = (*s)->MemberId();
    if (d.transport != net_.Endpoint((*s)->MemberId())) {
      // A joining member's ID is only known now: move it to its own endpoint.
      return absl::InternalError("TestCluster: member ID differs from the endpoint's");
    }
    servers_[i] = std::move(*s);
    return absl::OkStatus();
  }

  // Creates (bootstrap or restart) and starts member i.
  absl::Status Start(int i) { return StartWith(i, Config(i)); }
  absl::Status StartWith(int i, const config::ServerConfig& cfg) {
    RETURN_IF_ERROR(Create(i, cfg));
    EtcdServer* s = servers_[i].get();
    net_.Attach(
        s->MemberId(), [s](raftpb::Message m) { s->ProcessPeerMessage(std::move(m)); },
        [s](uint64_t learner, Transport::PromoteDone done) {
          s->PromoteMemberOnLeader(learner, std::move(done));
        });
    s->Start();
    return absl::OkStatus();
  }
  void StartAll() {
    for (int i : initial_) ASSERT_TRUE(Start(i).ok());
  }

  // Graceful stop (leader hand-over included), then off the network; keeps the data.
  void Stop(int i) {
    if (!servers_[i]) return;
    servers_[i]->Stop();
    net_.Detach(servers_[i]->MemberId());
    servers_[i].reset();
  }
  // Off the network first, then stop (like kill -9 followed by cleanup of the object).
  void Kill(int i) {
    if (!servers_[i]) return;
    net_.Detach(servers_[i]->MemberId());
    servers_[i]->TEST_Crash();
    servers_[i].reset();
  }

  EtcdServer* S(int i) { return servers_[i].get(); }
  testutil::MemNetwork& net() { return net_; }
  FakeClock& clock() { return clock_; }

  void SetFetch(
      std::function<absl::StatusOr<peerpb::MembersResponse>(const std::vector<std::string>&)> f) {
    fetch_ = std::move(f);
  }
  // A fetcher answering like member i's peer Members RPC.
  std::function<absl::StatusOr<peerpb::MembersResponse>(const std::vector<std::string>&)> FetchFrom(
      int i) {
    return [this, i](const std::vector<std::string>&) -> absl::StatusOr<peerpb::MembersResponse> {
      EtcdServer* s = S(i);
      if (s == nullptr) return absl::UnavailableError("down");
      peerpb::MembersResponse r;
      r.set_cluster_id(s->ClusterId());
      r.set_member_id(s->MemberId());
      for (const auto& m : s->cluster().Members()) *r.add_members() = m.ToProto();
      return r;
    };
  }

  // One heartbeat of fake time; wakes every member.
  void Tick() {
    clock_.Advance(std::chrono::milliseconds(100));
    KickAll();
  }
  void KickAll() {
    for (auto& s : servers_) {
      if (s) s->Kick();
    }
  }
  // Steps time until `pred` holds (bounded in real time and in fake ticks).
  bool WaitUntil(const std::function<bool()>& pred, int max_ticks = 600) {
    absl::Time deadline = absl::Now() + kWait;
    int ticks = 0;
    while (!pred()) {
      if (absl::Now() > deadline || ticks > max_ticks) return false;
      // Let in-flight messages settle a little in real time before moving the clock.
      for (int k = 0; k < 5 && !pred(); ++k) {
        KickAll();
        for (auto& s : servers_) {
          if (s) {
            s->WaitApplied(s->AppliedIndex() + 1, absl::Milliseconds(2));
            break;
          }
        }
      }
      if (pred()) break;
      Tick();
      ++ticks;
    }
    return true;
  }
  // Runs without moving the fake clock (no elections can start), bounded in real time.
  bool WaitUntilNoTick(const std::function<bool()>& pred) {
    absl::Time deadline = absl::Now() + kWait;
    while (!pred()) {
      if (absl::Now() > deadline) return false;
      KickAll();
      for (auto& s : servers_) {
        if (s) {
          s->WaitApplied(s->AppliedIndex() + 1, absl::Milliseconds(5));
          break;
        }
      }
    }
    return true;
  }

  // Index of the member every running member agrees leads (and which is running), or -1.
  int Leader() {
    uint64_t lead = 0;
    for (auto& s : servers_) {
      if (!s || s->SelfStopped()) continue;
      if (lead == 0) lead = s->Leader();
      if (s->Leader() != lead || lead == 0) return -1;
    }
    for (size_t i = 0; i < servers_.size(); ++i) {
      if (servers_[i] && servers_[i]->MemberId() == lead && servers_[i]->IsLeader()) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  int WaitLeader() {
    int l = -1;
    WaitUntil([&] {
      l = Leader();
      return l >= 0;
    });
    return l;
  }
  // Every running member is ready (published) and agrees on a leader.
  bool WaitReady() {
    return WaitUntil([&] {
      for (auto& s : servers_) {
        if (s && !s->IsReady()) return false;
      }
      return Leader() >= 0;
    });
  }
  // WaitReady, then 6 s more of fake time: peers count as connected for the strict
  // reconfig check (etcd's 5 s health interval).
  bool WaitHealthy() {
    if (!WaitReady()) return false;
    auto until = clock_.Now() + std::chrono::seconds(6);
    return WaitUntil([&] { return clock_.Now() >= until && Leader() >= 0; }, 200);
  }
  // Every running member applied at least the leader's commit index.
  bool WaitConverged() {
    return WaitUntil([&] {
      int l = Leader();
      if (l < 0) return false;
      uint64_t c = S(l)->CommittedIndex();
      for (auto& s : servers_) {
        if (s && !s->SelfStopped() && s->AppliedIndex() < c) return false;
      }
      return true;
    });
  }

  // Cluster API helpers (through member i).
  absl::StatusOr<etcdserverpb::MemberAddResponse> Add(int via, const std::string& url,
                                                      bool learner) {
    etcdserverpb::MemberAddRequest r;
    r.add_peerurls(url);
    r.set_islearner(learner);
    return Call<etcdserverpb::MemberAddResponse>(
        [&](auto done) { S(via)->MemberAdd({}, r, done); });
  }
  absl::StatusOr<etcdserverpb::MemberRemoveResponse> Remove(int via, uint64_t id) {
    etcdserverpb::MemberRemoveRequest r;
    r.set_id(id);
    return Call<etcdserverpb::MemberRemoveResponse>(
        [&](auto done) { S(via)->MemberRemove({}, r, done); });
  }
  absl::StatusOr<etcdserverpb::MemberPromoteResponse> Promote(int via, uint64_t id) {
    etcdserverpb::MemberPromoteRequest r;
    r.set_id(id);
    return Call<etcdserverpb::MemberPromoteResponse>(
        [&](auto done) { S(via)->MemberPromote({}, r, done); });
  }
  absl::StatusOr<etcdserverpb::MemberUpdateResponse> Update(int via, uint64_t id,
                                                            const std::string& url) {
    etcdserverpb::MemberUpdateRequest r;
    r.set_id(id);
    r.add_peerurls(url);
    return Call<etcdserverpb::MemberUpdateResponse>(
        [&](auto done) { S(via)->MemberUpdate({}, r, done); });
  }
  absl::StatusOr<etcdserverpb::MemberListResponse> List(int via) {
    return Call<etcdserverpb::MemberListResponse>(
        [&](auto done) { S(via)->MemberList({}, {}, done); });
  }
  absl::StatusOr<etcdserverpb::PutResponse> Put(int via, const std::string& k,
                                                const std::string& v) {
    etcdserverpb::PutRequest r;
    r.set_key(k);
    r.set_value(v);
    return Call<etcdserverpb::PutResponse>([&](auto done) { S(via)->Put({}, r, done); });
  }
  absl::StatusOr<etcdserverpb::RangeResponse> Get(int via, const std::string& k,
                                                  bool serializable) {
    etcdserverpb::RangeRequest r;
    r.set_key(k);
    r.set_serializable(serializable);
    return Call<etcdserverpb::RangeResponse>([&](auto done) { S(via)->Range({}, r, done); });
  }
  absl::StatusOr<etcdserverpb::StatusResponse> Status(int via) {
    return Call<etcdserverpb::StatusResponse>([&](auto done) { S(via)->Status({}, {}, done); });
  }
  absl::StatusOr<etcdserverpb::MoveLeaderResponse> MoveLeader(int via, uint64_t target) {
    etcdserverpb::MoveLeaderRequest r;
    r.set_targetid(target);
    return Call<etcdserverpb::MoveLeaderResponse>(
        [&](auto done) { S(via)->MoveLeader({}, r, done); });
  }

  // Runs a Call-style request on a background thread while time steps forward, for
  // requests that need fake time to pass (elections, timeouts).
  template <typename Resp, typename Fn>
  absl::StatusOr<Resp> CallTicking(Fn&& fn) {
    auto n = std::make_shared<absl::Notification>();
    auto out = std::make_shared<absl::StatusOr<Resp>>(absl::UnknownError("no answer"));
    fn([n, out](absl::StatusOr<Resp> r) {
      *out = std::move(r);
      n->Notify();
    });
    if (!WaitUntil([&] { return n->HasBeenNotified(); })) {
      return absl::DeadlineExceededError("no answer");
    }
    return *out;
  }

  const std::vector<int>& initial() const { return initial_; }

 private:
  FakeClock clock_;
  std::unique_ptr<leveldb::Env> mem_;
  std::shared_ptr<log::Logger> quiet_;
  testutil::MemNetwork net_;
  std::function<void(int, config::ServerConfig*)> tweak_;
  std::function<absl::StatusOr<peerpb::MembersResponse>(const std::vector<std::string>&)> fetch_;
  std::vector<int> initial_;
  std::map<int, uint64_t> ids_;
  std::vector<std::unique_ptr<EtcdServer>> servers_;
};

}  // namespace etcd::server::testing
