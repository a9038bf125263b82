// EtcdServer's side of auth (docs/security.md): the AuthApi RPCs, the identity of a
// request (token or client certificate CN), the checks made when a request arrives
// (reads, admin RPCs) and the check the applier makes for every proposed request with
// the identity recorded in its header (etcd's authApplierV3).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "auth/password.h"
#include "auth/permission.h"
#include "auth/simple_token.h"
#include "auth/token_options.h"
#include "common/errors.h"
#include "server/etcd_server.h"

namespace etcd::server {
namespace {

using errors::Err;

// Authenticate retries when the auth store changed between the password check and the
// apply (etcd retries without bound; a bound keeps a flapping store from pinning us).
constexpr int kAuthenticateAttempts = 5;

// How long a request carrying a simple token waits for this member to apply the token's
// Authenticate entry.
constexpr absl::Duration kTokenApplyWait = absl::Seconds(2);

// Every etcdserverpb auth response has `ResponseHeader header = 1`.
void SetHeaderRevision(google::protobuf::Message* msg, int64_t rev) {
  const auto* field = msg->GetDescriptor()->FindFieldByName("header");
  if (field == nullptr || field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    return;
  }
  auto* h =
      static_cast<etcdserverpb::ResponseHeader*>(msg->GetReflection()->MutableMessage(msg, field));
  h->set_revision(rev);
}

}  // namespace

absl::Status EtcdServer::OpenAuthStore() {
  auto tokens = auth::NewTokenProvider(cfg_.auth_token, std::chrono::seconds(cfg_.auth_token_ttl),
                                       deps_.env, deps_.clock);
  if (!tokens.ok()) return tokens.status();
  int cost = cfg_.bcrypt_cost;
  if (cost < auth::kMinBcryptCost || cost > auth::kMaxBcryptCost) cost = auth::kDefaultBcryptCost;
  ASSIGN_OR_RETURN(auth_, auth::AuthStore::Open(backend_.get(), std::move(*tokens), cost));
  return absl::OkStatus();
}

// ---------------- identity and request-time checks ----------------

absl::StatusOr<std::optional<auth::AuthInfo>> EtcdServer::AuthInfoOf(
    const RequestContext& ctx) const {
  if (!auth_) return std::optional<auth::AuthInfo>();
  // A simple token names the raft index of its Authenticate entry: a member that has not
  // applied it yet (the client authenticated through another member) waits for it
  // before looking the token up, as etcd does (bounded: a token naming a far index is
  // then simply unknown).
  uint64_t index = 0;
  if (!ctx.token.empty() && auth::SimpleTokenProvider::ParseToken(ctx.token, &index) &&
      index > AppliedIndex()) {
    const_cast<EtcdServer*>(this)->WaitApplied(index, kTokenApplyWait);
  }
  auto ai = auth_->AuthInfoFromToken(ctx.token);
  if (!ai.ok() || ai->has_value()) return ai;
  if (cfg_.client_tls.client_cert_auth && !ctx.cert_common_name.empty()) {
    return auth_->AuthInfoFromCommonName(ctx.cert_common_name);
  }
  return ai;
}

absl::Status EtcdServer::CheckAuthToken(const RequestContext& ctx) const {
  return AuthInfoOf(ctx).status();
}

uint64_t EtcdServer::IdentityAuthRevision(const RequestContext& ctx) const {
  if (!auth_) return 0;
  auto ai = AuthInfoOf(ctx);
  return ai.ok() && ai->has_value() ? (*ai)->revision : 0;
}

absl::Status EtcdServer::RecheckAuthRevision(uint64_t checked) const {
  if (!auth_ || checked == 0 || auth_->Revision() == checked) return absl::OkStatus();
  return errors::Make(Err::kAuthOldRevision);
}

absl::Status EtcdServer::AuthorizeRange(const RequestContext& ctx,
                                        const etcdserverpb::RangeRequest& req) const {
  if (!auth_) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto ai, AuthInfoOf(ctx));
  return auth::CheckRange(*auth_->State(), ai.value_or(auth::AuthInfo{}), req);
}

absl::Status EtcdServer::AuthorizeTxn(const RequestContext& ctx,
                                      const etcdserverpb::TxnRequest& req) const {
  if (!auth_) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto ai, AuthInfoOf(ctx));
  return auth::CheckTxn(*auth_->State(), ai.value_or(auth::AuthInfo{}), req);
}

absl::Status EtcdServer::AuthorizeAdmin(const RequestContext& ctx) const {
  if (!auth_) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto ai, AuthInfoOf(ctx));
  return auth::IsAdminPermitted(*auth_->State(), ai.has_value() ? &*ai : nullptr);
}

absl::Status EtcdServer::AuthorizeMaintenance(const RequestContext& ctx) const {
  return auth::AsAuthPackageError(AuthorizeAdmin(ctx));
}

absl::Status EtcdServer::AuthorizeWatch(const RequestContext& ctx,
                                        const etcdserverpb::WatchCreateRequest& req) {
  if (!auth_) return absl::OkStatus();
  const absl::Status denied =
      absl::PermissionDeniedError(errors::GrpcErrorText(Err::kPermissionDenied));
  auto ai = AuthInfoOf(ctx);
  if (!ai.ok()) return denied;
  if (!auth::IsRangePermitted(*auth_->State(), ai->value_or(auth::AuthInfo{}), req.key(),
                              req.range_end())
           .ok()) {
    return denied;
  }
  return absl::OkStatus();
}

void EtcdServer::ProposeAs(const RequestContext& ctx, serverpb::InternalRaftRequest r, WaitFn fn,
                           bool turn_here) {
  auto ai = AuthInfoOf(ctx);
  if (!ai.ok()) return fn(ApplyResult{ai.status(), nullptr});
  if (ai->has_value()) {
    r.mutable_header()->set_username((*ai)->username);
    r.mutable_header()->set_auth_revision((*ai)->revision);
  }
  Propose(std::move(r), std::move(fn), turn_here);
}

// ---------------- applier ----------------

std::optional<ApplyResult> EtcdServer::ApplyAuth(const serverpb::InternalRaftRequest& r) {
  if (!auth_) return std::nullopt;
  auth::AuthInfo ai{r.header().username(), r.header().auth_revision()};
  auto lease_keys = [this](int64_t id) {
    auto info = lessor_->Lookup(id);
    return info.has_value() ? info->keys : std::vector<std::string>{};
  };
  absl::Status s = auth::CheckRaftRequest(*auth_->State(), ai, r, lease_keys);
  if (!s.ok()) return ApplyResult{std::move(s), nullptr};
  if (!auth::AuthStore::IsAuthRequest(r)) return std::nullopt;
  auto resp = auth_->Apply(r, applying_index_);
  if (!resp.ok()) return ApplyResult{resp.status(), nullptr};
  SetHeaderRevision(resp->get(), kv_->Rev());
  return ApplyResult{absl::OkStatus(), std::move(*resp)};
}

// ---------------- the Auth RPCs ----------------

template <typename Resp>
void EtcdServer::ProposeAuth(const RequestContext& ctx, serverpb::InternalRaftRequest r,
                             Done<Resp> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  ProposeAs(ctx, std::move(r), Complete<Resp>(std::move(done)));
}

#define ETCD_PROPOSED_AUTH_RPC(Method, Req, Resp, field)                           \
  void EtcdServer::Method(const RequestContext& ctx, const etcdserverpb::Req& req, \
                          Done<etcdserverpb::Resp> done) {                         \
    serverpb::InternalRaftRequest r;                                               \
    *r.mutable_##field() = req;                                                    \
    ProposeAuth<etcdserverpb::Resp>(ctx, std::move(r), std::move(done));           \
  }
ETCD_PROPOSED_AUTH_RPC(AuthEnable, AuthEnableRequest, AuthEnableResponse, auth_enable)
ETCD_PROPOSED_AUTH_RPC(AuthDisable, AuthDisableRequest, AuthDisableResponse, auth_disable)
ETCD_PROPOSED_AUTH_RPC(UserGet, AuthUserGetRequest, AuthUserGetResponse, auth_user_get)
ETCD_PROPOSED_AUTH_RPC(UserList, AuthUserListRequest, AuthUserListResponse, auth_user_list)
ETCD_PROPOSED_AUTH_RPC(UserDelete, AuthUserDeleteRequest, AuthUserDeleteResponse, auth_user_delete)
ETCD_PROPOSED_AUTH_RPC(UserGrantRole, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse,
                       auth_user_grant_role)
ETCD_PROPOSED_AUTH_RPC(UserRevokeRole, AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse,
                       auth_user_revoke_role)
ETCD_PROPOSED_AUTH_RPC(RoleAdd, AuthRoleAddRequest, AuthRoleAddResponse, auth_role_add)
ETCD_PROPOSED_AUTH_RPC(RoleGet, AuthRoleGetRequest, AuthRoleGetResponse, auth_role_get)
ETCD_PROPOSED_AUTH_RPC(RoleList, AuthRoleListRequest, AuthRoleListResponse, auth_role_list)
ETCD_PROPOSED_AUTH_RPC(RoleDelete, AuthRoleDeleteRequest, AuthRoleDeleteResponse, auth_role_delete)
ETCD_PROPOSED_AUTH_RPC(RoleGrantPermission, AuthRoleGrantPermissionRequest,
                       AuthRoleGrantPermissionResponse, auth_role_grant_permission)
ETCD_PROPOSED_AUTH_RPC(RoleRevokePermission, AuthRoleRevokePermissionRequest,
                       AuthRoleRevokePermissionResponse, auth_role_revoke_permission)
#undef ETCD_PROPOSED_AUTH_RPC

void EtcdServer::AuthStatus(const RequestContext& ctx, const etcdserverpb::AuthStatusRequest&,
                            Done<etcdserverpb::AuthStatusResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  etcdserverpb::AuthStatusResponse resp;
  FillHeader(resp.mutable_header());
  auto st = auth_->State();
  resp.set_enabled(st->enabled);
  resp.set_authrevision(st->revision);
  done(std::move(resp));
}

// Hashing (bcrypt, tens of milliseconds) runs on the worker, then the request with the
// hash (never the password) is proposed.
void EtcdServer::UserAdd(const RequestContext& ctx, const etcdserverpb::AuthUserAddRequest& req,
                         Done<etcdserverpb::AuthUserAddResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  // Refuse early what the applier would refuse anyway, before paying for bcrypt.
  if (auto s = AuthorizeAdmin(ctx); !s.ok()) return done(s);
  if (req.name().empty()) return done(errors::Make(Err::kUserEmpty));
  auto shared = std::make_shared<Done<etcdserverpb::AuthUserAddResponse>>(std::move(done));
  bool queued = RunOnWorker([this, ctx, req, shared]() mutable {
    etcdserverpb::AuthUserAddRequest hashed = req;
    if (auto s = auth_->HashRequestPassword(&hashed); !s.ok()) return (*shared)(s);
    serverpb::InternalRaftRequest r;
    *r.mutable_auth_user_add() = std::move(hashed);
    ProposeAs(ctx, std::move(r), Complete<etcdserverpb::AuthUserAddResponse>(std::move(*shared)));
  });
  if (!queued) (*shared)(errors::Make(Err::kStopped));
}

void EtcdServer::UserChangePassword(const RequestContext& ctx,
                                    const etcdserverpb::AuthUserChangePasswordRequest& req,
                                    Done<etcdserverpb::AuthUserChangePasswordResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = AuthorizeAdmin(ctx); !s.ok()) return done(s);
  auto shared =
      std::make_shared<Done<etcdserverpb::AuthUserChangePasswordResponse>>(std::move(done));
  bool queued = RunOnWorker([this, ctx, req, shared]() mutable {
    etcdserverpb::AuthUserChangePasswordRequest hashed = req;
    if (auto s = auth_->HashRequestPassword(&hashed); !s.ok()) return (*shared)(s);
    serverpb::InternalRaftRequest r;
    *r.mutable_auth_user_change_password() = std::move(hashed);
    ProposeAs(ctx, std::move(r),
              Complete<etcdserverpb::AuthUserChangePasswordResponse>(std::move(*shared)));
  });
  if (!queued) (*shared)(errors::Make(Err::kStopped));
}

// etcd's Authenticate: a linearizable read, the password check here (the password never
// enters the log), then an Authenticate entry that every member applies (so a simple
// token is known everywhere); retried when the auth store changed in between.
void EtcdServer::Authenticate(const RequestContext& ctx,
                              const etcdserverpb::AuthenticateRequest& req,
                              Done<etcdserverpb::AuthenticateResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  AuthenticateAttempt(req, std::move(done), kAuthenticateAttempts);
}

void EtcdServer::AuthenticateAttempt(const etcdserverpb::AuthenticateRequest& req,
                                     Done<etcdserverpb::AuthenticateResponse> done,
                                     int attempts_left) {
  LinearizableRead(RequestDeadline(), [this, req, done, attempts_left](absl::Status s) {
    if (!s.ok()) return done(s);
    // On the worker: bcrypt is slow.
    auto checked = auth_->CheckPassword(req.name(), req.password());
    if (!checked.ok()) return done(checked.status());
    serverpb::InternalRaftRequest r;
    r.mutable_authenticate()->set_name(req.name());
    r.mutable_authenticate()->set_simple_token(auth_->tokens()->GenPrefix());
    const uint64_t checked_rev = *checked;
    Propose(std::move(r), [this, req, done, attempts_left, checked_rev](ApplyResult res) {
      if (!res.status.ok()) return done(res.status);
      if (checked_rev != auth_->Revision() && attempts_left > 1) {
        logger().Info("revision when password checked became stale; retrying", {});
        return AuthenticateAttempt(req, done, attempts_left - 1);
      }
      auto* resp = static_cast<etcdserverpb::AuthenticateResponse*>(res.response.get());
      FillHeaderIds(resp->mutable_header());
      done(std::move(*resp));
    });
  });
}

}  // namespace etcd::server
