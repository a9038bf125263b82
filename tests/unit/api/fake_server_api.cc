#include "fake_server_api.h"

namespace etcd::api::testing {
namespace {

// The default: answer at once with the header filled.
template <typename Req, typename Resp>
Handler<Req, Resp> HeaderOnly(const FakeServerApi* api) {
  return [api](const server::RequestContext&, const Req&, server::Done<Resp> done) {
    Resp r;
    api->FillHeader(r.mutable_header());
    done(std::move(r));
  };
}

}  // namespace

FakeServerApi::FakeServerApi() {
  using namespace etcdserverpb;  // NOLINT
  on_Range = HeaderOnly<RangeRequest, RangeResponse>(this);
  on_Put = HeaderOnly<PutRequest, PutResponse>(this);
  on_DeleteRange = HeaderOnly<DeleteRangeRequest, DeleteRangeResponse>(this);
  on_Txn = HeaderOnly<TxnRequest, TxnResponse>(this);
  on_Compact = HeaderOnly<CompactionRequest, CompactionResponse>(this);
  on_LeaseGrant = HeaderOnly<LeaseGrantRequest, LeaseGrantResponse>(this);
  on_LeaseRevoke = HeaderOnly<LeaseRevokeRequest, LeaseRevokeResponse>(this);
  on_LeaseRenew = [this](const server::RequestContext&, const LeaseKeepAliveRequest& req,
                         server::Done<LeaseKeepAliveResponse> done) {
    LeaseKeepAliveResponse r;
    FillHeader(r.mutable_header());
    r.set_id(req.id());
    r.set_ttl(60);
    done(std::move(r));
  };
  on_LeaseTimeToLive = HeaderOnly<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse>(this);
  on_LeaseLeases = HeaderOnly<LeaseLeasesRequest, LeaseLeasesResponse>(this);
  on_MemberList = HeaderOnly<MemberListRequest, MemberListResponse>(this);
  on_MemberAdd = HeaderOnly<MemberAddRequest, MemberAddResponse>(this);
  on_MemberRemove = HeaderOnly<MemberRemoveRequest, MemberRemoveResponse>(this);
  on_MemberUpdate = HeaderOnly<MemberUpdateRequest, MemberUpdateResponse>(this);
  on_MemberPromote = HeaderOnly<MemberPromoteRequest, MemberPromoteResponse>(this);
  on_Status = HeaderOnly<StatusRequest, StatusResponse>(this);
  on_Alarm = [](const server::RequestContext&, const AlarmRequest&,
                server::Done<AlarmResponse> done) { done(AlarmResponse()); };
  on_Defragment = [](const server::RequestContext&, const DefragmentRequest&,
                     server::Done<DefragmentResponse> done) { done(DefragmentResponse()); };
  on_Hash = HeaderOnly<HashRequest, HashResponse>(this);
  on_HashKV = HeaderOnly<HashKVRequest, HashKVResponse>(this);
  on_MoveLeader = HeaderOnly<MoveLeaderRequest, MoveLeaderResponse>(this);
  on_CheckQuorum = [](int, std::function<void(absl::Status)> done) { done(absl::OkStatus()); };
}

int FakeServerApi::Calls(const std::string& method) const {
  absl::MutexLock l(&mu_);
  int n = 0;
  for (const auto& c : calls_) n += c == method;
  return n;
}

server::RequestContext FakeServerApi::LastContext() const {
  absl::MutexLock l(&mu_);
  return last_ctx_;
}

void FakeServerApi::Record(const server::RequestContext& ctx, const std::string& method) {
  absl::MutexLock l(&mu_);
  calls_.push_back(method);
  if (method != "CheckQuorum") last_ctx_ = ctx;
}

}  // namespace etcd::api::testing
