// A ServerApi for the Watch service tests: headers, health and the watchable store are
// real enough; every request method answers Unimplemented.
//
// Thread safety: the header fields and `has_leader` are atomics; the rest is immutable.
#pragma once

#include <atomic>
#include <string>

#include "server/server_api.h"
#include "watch/watchable_store.h"

namespace etcd::server::testing {

class FakeServerApi final : public ServerApi {
 public:
  explicit FakeServerApi(mvcc::WatchableStore* store) : store_(store) {}

  std::atomic<bool> has_leader{true};
  std::atomic<uint64_t> term{2};

  uint64_t ClusterId() const override { return 14443903163313418560ULL; }
  uint64_t MemberId() const override { return 11417610130673999598ULL; }
  uint64_t Term() const override { return term.load(); }
  int64_t CurrentRevision() const override { return store_ ? store_->Rev() : 0; }
  void FillHeader(etcdserverpb::ResponseHeader* h) const override {
    h->set_cluster_id(ClusterId());
    h->set_member_id(MemberId());
    h->set_raft_term(Term());
    h->set_revision(CurrentRevision());
  }

#define ETCD_FAKE_UNIMPLEMENTED(Name, Req, Resp)                                            \
  void Name(const RequestContext&, const etcdserverpb::Req&, Done<etcdserverpb::Resp> done) \
      override {                                                                            \
    done(absl::UnimplementedError(#Name));                                                  \
  }
  ETCD_FAKE_UNIMPLEMENTED(Range, RangeRequest, RangeResponse)
  ETCD_FAKE_UNIMPLEMENTED(Put, PutRequest, PutResponse)
  ETCD_FAKE_UNIMPLEMENTED(DeleteRange, DeleteRangeRequest, DeleteRangeResponse)
  ETCD_FAKE_UNIMPLEMENTED(Txn, TxnRequest, TxnResponse)
  ETCD_FAKE_UNIMPLEMENTED(Compact, CompactionRequest, CompactionResponse)
  ETCD_FAKE_UNIMPLEMENTED(LeaseGrant, LeaseGrantRequest, LeaseGrantResponse)
  ETCD_FAKE_UNIMPLEMENTED(LeaseRevoke, LeaseRevokeRequest, LeaseRevokeResponse)
  ETCD_FAKE_UNIMPLEMENTED(LeaseRenew, LeaseKeepAliveRequest, LeaseKeepAliveResponse)
  ETCD_FAKE_UNIMPLEMENTED(LeaseTimeToLive, LeaseTimeToLiveRequest, LeaseTimeToLiveResponse)
  ETCD_FAKE_UNIMPLEMENTED(LeaseLeases, LeaseLeasesRequest, LeaseLeasesResponse)
  ETCD_FAKE_UNIMPLEMENTED(MemberList, MemberListRequest, MemberListResponse)
  ETCD_FAKE_UNIMPLEMENTED(MemberAdd, MemberAddRequest, MemberAddResponse)
  ETCD_FAKE_UNIMPLEMENTED(MemberRemove, MemberRemoveRequest, MemberRemoveResponse)
  ETCD_FAKE_UNIMPLEMENTED(MemberUpdate, MemberUpdateRequest, MemberUpdateResponse)
  ETCD_FAKE_UNIMPLEMENTED(MemberPromote, MemberPromoteRequest, MemberPromoteResponse)
  ETCD_FAKE_UNIMPLEMENTED(Status, StatusRequest, StatusResponse)
  ETCD_FAKE_UNIMPLEMENTED(Alarm, AlarmRequest, AlarmResponse)
  ETCD_FAKE_UNIMPLEMENTED(Defragment, DefragmentRequest, DefragmentResponse)
  ETCD_FAKE_UNIMPLEMENTED(Hash, HashRequest, HashResponse)
  ETCD_FAKE_UNIMPLEMENTED(HashKV, HashKVRequest, HashKVResponse)
  ETCD_FAKE_UNIMPLEMENTED(MoveLeader, MoveLeaderRequest, MoveLeaderResponse)
#undef ETCD_FAKE_UNIMPLEMENTED

  mvcc::WatchableStore* Watchable() override { return store_; }
  HealthInfo Health() const override {
    HealthInfo h;
    h.has_leader = has_leader.load();
    return h;
  }
  void CheckQuorum(int, std::function<void(absl::Status)> done) override {
    done(absl::UnimplementedError("CheckQuorum"));
  }
  std::string MetricsText() const override { return ""; }

 private:
  mvcc::WatchableStore* store_;
};

}  // namespace etcd::server::testing
