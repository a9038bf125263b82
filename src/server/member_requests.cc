// EtcdServer's Cluster service (MemberList/Add/Remove/Update/Promote) and
// Maintenance.MoveLeader, with etcd 3.4's checks and errors (reference/api.md §5, §6;
// docs/design/server.md "Membership changes"). Conf changes travel through Raft with
// the serverpb.Member record as context and are decided on the raft loop
// (DecideConfChange) and persisted by the applier (ApplyConf).
#include <algorithm>
#include <memory>

#include "common/errors.h"
#include "membership/member.h"
#include "server/etcd_server.h"
#include "server/promote_forwarder.h"

namespace etcd::server {
namespace {

// etcd's types.NewURLs rules for MemberAdd/MemberUpdate peer URLs: scheme http, https,
// unix or unixs; host:port; no path.
bool ValidPeerUrl(const std::string& url) {
  auto pos = url.find("://");
  if (pos == std::string::npos) return false;
  std::string scheme = url.substr(0, pos);
  if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs") {
    return false;
  }
  std::string rest = url.substr(pos + 3);
  if (rest.empty() || rest.find('/') != std::string::npos) return false;
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return false;
  if (rest[0] == '[' && rest[colon - 1] != ']') return false;
  for (size_t i = colon + 1; i < rest.size(); ++i) {
    if (rest[i] < '0' || rest[i] > '9') return false;
  }
  return true;
}

absl::Status ValidPeerUrls(const google::protobuf::RepeatedPtrField<std::string>& urls) {
  if (urls.empty()) return errors::Make(errors::Err::kMemberBadURLs);
  for (const auto& u : urls) {
    if (!ValidPeerUrl(u)) return errors::Make(errors::Err::kMemberBadURLs);
  }
  return absl::OkStatus();
}

void FillMember(const membership::Member& m, etcdserverpb::Member* out) {
  out->set_id(m.id);
  out->set_name(m.name);
  for (const auto& u : m.peer_urls) out->add_peerurls(u);
  for (const auto& u : m.client_urls) out->add_clienturls(u);
  out->set_islearner(m.is_learner);
}

template <typename Resp>
void FillMembers(const std::vector<membership::Member>& members, Resp* resp) {
  for (const auto& m : members) FillMember(m, resp->add_members());
}

}  // namespace

void EtcdServer::MemberList(const RequestContext& ctx, const etcdserverpb::MemberListRequest&,
                            Done<etcdserverpb::MemberListResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  etcdserverpb::MemberListResponse resp;
  FillHeaderIds(resp.mutable_header());
  FillMembers(cluster_->Members(), &resp);
  done(std::move(resp));
}

void EtcdServer::MemberAdd(const RequestContext& ctx, const etcdserverpb::MemberAddRequest& req,
                           Done<etcdserverpb::MemberAddResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = ValidPeerUrls(req.peerurls()); !s.ok()) return done(s);
  if (auto s = AuthorizeAdmin(ctx); !s.ok()) return done(s);  // root only (auth)
  std::vector<std::string> urls(req.peerurls().begin(), req.peerurls().end());
  // etcd mixes the current time into the ID of a runtime addition (no cluster token).
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(deps_.clock->WallNow().time_since_epoch())
          .count();
  membership::Member m = membership::NewMember("", urls, "", now, req.islearner());
  if (auto s = MayAddMember(View(), cfg_.strict_reconfig_check, m.is_learner); !s.ok()) {
    logger().Warn("rejecting member add request",
                  {{"local-member-id", membership::IdToHex(member_id_)},
                   {"requested-member-add", membership::IdToHex(m.id)},
                   {"error", std::string(s.message())}});
    return done(s);
  }
  raftpb::ConfChange cc;
  cc.set_type(m.is_learner ? raftpb::CONF_CHANGE_ADD_LEARNER_NODE : raftpb::CONF_CHANGE_ADD_NODE);
  cc.set_node_id(m.id);
  cc.set_context(m.ToProto().SerializeAsString());
  ProposeConfChange(std::move(cc), [this, m, done = std::move(done)](ApplyResult r) {
    if (!r.status.ok()) return done(r.status);
    etcdserverpb::MemberAddResponse resp;
    FillHeaderIds(resp.mutable_header());
    FillMember(m, resp.mutable_member());
    FillMembers(cluster_->Members(), &resp);
    done(std::move(resp));
  });
}

void EtcdServer::MemberRemove(const RequestContext& ctx,
                              const etcdserverpb::MemberRemoveRequest& req,
                              Done<etcdserverpb::MemberRemoveResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = AuthorizeAdmin(ctx); !s.ok()) return done(s);  // root only (auth)
  if (auto s = MayRemoveMember(View(), cfg_.strict_reconfig_check, req.id()); !s.ok()) {
    logger().Warn("rejecting member remove request",
                  {{"local-member-id", membership::IdToHex(member_id_)},
                   {"requested-member-remove-id", membership::IdToHex(req.id())},
                   {"error", std::string(s.message())}});
    return done(s);
  }
  // Unknown and removed IDs are refused when the change is decided (kMemberNotFound);
  // answering early saves a Raft round trip with the same result.
  if (!cluster_->Find(req.id()).has_value()) {
    return done(errors::Make(errors::Err::kMemberNotFound));
  }
  raftpb::ConfChange cc;
  cc.set_type(raftpb::CONF_CHANGE_REMOVE_NODE);
  cc.set_node_id(req.id());
  ProposeConfChange(std::move(cc), [this, done = std::move(done)](ApplyResult r) {
    if (!r.status.ok()) return done(r.status);
    etcdserverpb::MemberRemoveResponse resp;
    FillHeaderIds(resp.mutable_header());
    FillMembers(cluster_->Members(), &resp);
    done(std::move(resp));
  });
}

void EtcdServer::MemberUpdate(const RequestContext& ctx,
                              const etcdserverpb::MemberUpdateRequest& req,
                              Done<etcdserverpb::MemberUpdateResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = ValidPeerUrls(req.peerurls()); !s.ok()) return done(s);
  if (auto s = AuthorizeAdmin(ctx); !s.ok()) return done(s);  // root only (auth)
  auto target = cluster_->Find(req.id());
  if (!target.has_value()) return done(errors::Make(errors::Err::kMemberNotFound));
  membership::Member m = *target;
  m.peer_urls.assign(req.peerurls().begin(), req.peerurls().end());
  std::sort(m.peer_urls.begin(), m.peer_urls.end());
  raftpb::ConfChange cc;
  cc.set_type(raftpb::CONF_CHANGE_UPDATE_NODE);
  cc.set_node_id(req.id());
  cc.set_context(m.ToProto().SerializeAsString());
  ProposeConfChange(std::move(cc), [this, done = std::move(done)](ApplyResult r) {
    if (!r.status.ok()) return done(r.status);
    etcdserverpb::MemberUpdateResponse resp;
    FillHeaderIds(resp.mutable_header());
    FillMembers(cluster_->Members(), &resp);
    done(std::move(resp));
  });
}

void EtcdServer::MemberPromote(const RequestContext& ctx,
                               const etcdserverpb::MemberPromoteRequest& req,
                               Done<etcdserverpb::MemberPromoteResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = AuthorizeAdmin(ctx); !s.ok()) return done(s);  // root only (auth)
  auto answer = [this, done](absl::StatusOr<std::vector<serverpb::Member>> r) {
    if (!r.ok()) return done(r.status());
    etcdserverpb::MemberPromoteResponse resp;
    FillHeaderIds(resp.mutable_header());
    for (const auto& pb : *r) FillMember(membership::Member::FromProto(pb), resp.add_members());
    done(std::move(resp));
  };
  if (is_leader_.load()) return PromoteMemberOnLeader(req.id(), std::move(answer));
  // Only the leader knows the learner's progress: forward, as etcd 3.4 does.
  uint64_t lead = lead_.load();
  if (lead == 0) return done(errors::Make(errors::Err::kNoLeader));
  const std::string token = ctx.token;
  transport_->ForwardPromote(lead, req.id(), [this, lead, answer, token, id = req.id()](auto r) {
    if (absl::IsUnimplemented(r.status())) {
      // The transport cannot: ask the leader's client port (promote_forwarder.h).
      auto leader = cluster_->Find(lead);
      return ForwardPromoteOverClientUrls(
          leader.has_value() ? leader->client_urls : std::vector<std::string>{}, id, token,
          std::chrono::duration_cast<std::chrono::milliseconds>(request_timeout_), answer);
    }
    if (!r.ok() && !errors::Is(r.status(), errors::Err::kLearnerNotReady) &&
        !errors::Is(r.status(), errors::Err::kMemberNotLearner) &&
        !errors::Is(r.status(), errors::Err::kMemberNotFound)) {
      logger().Warn("failed to forward member promote to the leader",
                    {{"leader", membership::IdToHex(lead)}, {"error", r.status().ToString()}});
    }
    answer(std::move(r));
  });
}

void EtcdServer::PromoteMemberOnLeader(uint64_t learner_id, Transport::PromoteDone done) {
  if (stopping_.load()) return done(errors::Make(errors::Err::kStopped));
  if (auto s = MayPromoteMember(View(), cfg_.strict_reconfig_check, learner_id, LeaderMatch());
      !s.ok()) {
    return done(s);
  }
  // A promotion is ADD_NODE without context (an addition always carries the member).
  raftpb::ConfChange cc;
  cc.set_type(raftpb::CONF_CHANGE_ADD_NODE);
  cc.set_node_id(learner_id);
  ProposeConfChange(std::move(cc), [this, done = std::move(done)](ApplyResult r) {
    if (!r.status.ok()) return done(r.status);
    std::vector<serverpb::Member> out;
    for (const auto& m : cluster_->Members()) out.push_back(m.ToProto());
    done(std::move(out));
  });
}

void EtcdServer::MoveLeader(const RequestContext& ctx, const etcdserverpb::MoveLeaderRequest& req,
                            Done<etcdserverpb::MoveLeaderResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (!is_leader_.load()) return done(errors::Make(errors::Err::kNotLeader));
  auto target = cluster_->Find(req.targetid());
  if (!target.has_value() || target->is_learner) {
    return done(errors::Make(errors::Err::kBadLeaderTransferee));
  }
  logger().Info("leadership transfer starting",
                {{"local-member-id", membership::IdToHex(member_id_)},
                 {"current-leader-member-id", membership::IdToHex(member_id_)},
                 {"transferee-member-id", membership::IdToHex(req.targetid())}});
  if (req.targetid() == member_id_) {
    // etcd: the transferee already leads, nothing to wait for.
    etcdserverpb::MoveLeaderResponse resp;
    FillHeader(resp.mutable_header());
    return done(std::move(resp));
  }
  StartLeaderTransfer(req.targetid(), [this, done = std::move(done)](ApplyResult r) {
    if (!r.status.ok()) return done(r.status);
    etcdserverpb::MoveLeaderResponse resp;
    FillHeader(resp.mutable_header());
    done(std::move(resp));
  });
}

}  // namespace etcd::server
