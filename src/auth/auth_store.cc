#include "auth/auth_store.h"

#include <algorithm>

#include "auth/password.h"
#include "common/errors.h"

namespace etcd::auth {
namespace {

using errors::Err;
using storage::Bucket;

std::string EncodeU64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

uint64_t DecodeU64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < s.size() && i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

bool PermLess(const authpb::Permission& a, const authpb::Permission& b) {
  if (a.key() != b.key()) return a.key() < b.key();
  return a.range_end() < b.range_end();
}

}  // namespace

AuthStore::AuthStore(storage::Backend* backend, std::unique_ptr<TokenProvider> tokens,
                     int bcrypt_cost)
    : backend_(backend), tokens_(std::move(tokens)), bcrypt_cost_(bcrypt_cost) {}

absl::StatusOr<std::shared_ptr<AuthState>> AuthStore::Load() const {
  auto st = std::make_shared<AuthState>();
  ASSIGN_OR_RETURN(auto enabled, backend_->Get(Bucket::kAuth, kEnabledKey));
  st->enabled = enabled.has_value() && *enabled == std::string(1, '\x01');
  ASSIGN_OR_RETURN(auto rev, backend_->Get(Bucket::kAuth, kRevisionKey));
  st->revision = rev.has_value() ? DecodeU64(*rev) : 0;
  absl::Status parse_error;
  RETURN_IF_ERROR(
      backend_->Scan(Bucket::kAuthUsers, "", "", [&](std::string_view k, std::string_view v) {
        authpb::User u;
        if (!u.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse_error = absl::DataLossError("auth: undecodable user record " + std::string(k));
          return false;
        }
        st->users.emplace(std::string(k), std::move(u));
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  RETURN_IF_ERROR(
      backend_->Scan(Bucket::kAuthRoles, "", "", [&](std::string_view k, std::string_view v) {
        authpb::Role r;
        if (!r.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse_error = absl::DataLossError("auth: undecodable role record " + std::string(k));
          return false;
        }
        st->roles.emplace(std::string(k), std::move(r));
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  st->RebuildPerms();
  return st;
}

absl::StatusOr<std::unique_ptr<AuthStore>> AuthStore::Open(storage::Backend* backend,
                                                           std::unique_ptr<TokenProvider> tokens,
                                                           int bcrypt_cost) {
  std::unique_ptr<AuthStore> store(new AuthStore(backend, std::move(tokens), bcrypt_cost));
  ASSIGN_OR_RETURN(std::shared_ptr<AuthState> st, store->Load());
  if (st->revision == 0) {
    st->revision = 1;
    store->PutRevision(1);
  }
  if (st->enabled) store->tokens_->Enable();
  {
    absl::MutexLock l(&store->mu_);
    store->state_ = std::move(st);
  }
  return store;
}

absl::Status AuthStore::Reload() {
  ASSIGN_OR_RETURN(std::shared_ptr<AuthState> st, Load());
  if (st->revision == 0) {
    st->revision = 1;
    PutRevision(1);
  }
  const bool was_enabled = IsEnabled();
  const bool enabled = st->enabled;
  {
    absl::MutexLock l(&mu_);
    state_ = std::move(st);
  }
  if (enabled && !was_enabled) tokens_->Enable();
  if (!enabled && was_enabled) tokens_->Disable();
  return absl::OkStatus();
}

std::shared_ptr<const AuthState> AuthStore::State() const {
  absl::MutexLock l(&mu_);
  return state_;
}

std::shared_ptr<AuthState> AuthStore::Mutable() const {
  return std::make_shared<AuthState>(*State());
}

void AuthStore::Publish(std::shared_ptr<AuthState> next) {
  next->RebuildPerms();
  absl::MutexLock l(&mu_);
  state_ = std::move(next);
}

void AuthStore::PublishWithNewRevision(std::shared_ptr<AuthState> next) {
  next->revision++;
  PutRevision(next->revision);
  Publish(std::move(next));
}

void AuthStore::PutUser(const authpb::User& u) {
  backend_->Put(Bucket::kAuthUsers, u.name(), u.SerializeAsString());
}

void AuthStore::PutRole(const authpb::Role& r) {
  backend_->Put(Bucket::kAuthRoles, r.name(), r.SerializeAsString());
}

void AuthStore::PutRevision(uint64_t rev) {
  backend_->Put(Bucket::kAuth, kRevisionKey, EncodeU64(rev));
}

// ---------------- any thread ----------------

absl::StatusOr<std::optional<AuthInfo>> AuthStore::AuthInfoFromToken(std::string_view token) {
  if (token.empty()) return std::optional<AuthInfo>();
  std::optional<AuthInfo> ai = tokens_->Info(token, Revision());
  if (!ai.has_value()) return errors::Make(Err::kInvalidAuthToken);
  return ai;
}

std::optional<AuthInfo> AuthStore::AuthInfoFromCommonName(std::string_view cn) const {
  auto st = State();
  if (!st->enabled || cn.empty()) return std::nullopt;
  return AuthInfo{std::string(cn), st->revision};
}

absl::StatusOr<uint64_t> AuthStore::CheckPassword(std::string_view name,
                                                  std::string_view password) const {
  auto st = State();
  if (!st->enabled) return errors::Make(Err::kAuthNotEnabled);
  const authpb::User* u = st->FindUser(name);
  if (u == nullptr) return errors::Make(Err::kAuthFailed);
  if (u->options().no_password()) return errors::Make(Err::kAuthNoPasswordUser);
  if (!VerifyPassword(password, u->password())) return errors::Make(Err::kAuthFailed);
  return st->revision;
}

absl::Status AuthStore::HashRequestPassword(etcdserverpb::AuthUserAddRequest* r) const {
  if (r->options().no_password()) {
    r->clear_password();
    r->clear_hashedpassword();
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string h, HashPassword(r->password(), bcrypt_cost_));
  r->set_hashedpassword(std::move(h));
  r->clear_password();
  return absl::OkStatus();
}

absl::Status AuthStore::HashRequestPassword(etcdserverpb::AuthUserChangePasswordRequest* r) const {
  ASSIGN_OR_RETURN(std::string h, HashPassword(r->password(), bcrypt_cost_));
  r->set_hashedpassword(std::move(h));
  r->clear_password();
  return absl::OkStatus();
}

// ---------------- applier thread ----------------

bool AuthStore::IsAuthRequest(const serverpb::InternalRaftRequest& r) {
  return r.has_auth_enable() || r.has_auth_disable() || r.has_authenticate() ||
         r.has_auth_user_add() || r.has_auth_user_delete() || r.has_auth_user_get() ||
         r.has_auth_user_change_password() || r.has_auth_user_grant_role() ||
         r.has_auth_user_revoke_role() || r.has_auth_user_list() || r.has_auth_role_list() ||
         r.has_auth_role_add() || r.has_auth_role_delete() || r.has_auth_role_get() ||
         r.has_auth_role_grant_permission() || r.has_auth_role_revoke_permission();
}

namespace {
using MsgOr = absl::StatusOr<std::shared_ptr<google::protobuf::Message>>;

template <typename T>
std::shared_ptr<google::protobuf::Message> Msg(T&& m) {
  return std::make_shared<std::decay_t<T>>(std::forward<T>(m));
}
// A handler that returns only a status: its empty response on success.
template <typename Resp>
MsgOr Reply(const absl::Status& s) {
  if (!s.ok()) return s;
  return Msg(Resp());
}
// A handler that returns its response.
template <typename Resp>
MsgOr Reply(absl::StatusOr<Resp> r) {
  if (!r.ok()) return r.status();
  return Msg(std::move(*r));
}
}  // namespace

absl::StatusOr<std::shared_ptr<google::protobuf::Message>> AuthStore::Apply(
    const serverpb::InternalRaftRequest& r, uint64_t index) {
  using namespace etcdserverpb;  // NOLINT
  if (r.has_auth_enable()) return Reply<AuthEnableResponse>(Enable());
  if (r.has_auth_disable()) return Reply<AuthDisableResponse>(Disable());
  if (r.has_authenticate()) {
    return Reply(Authenticate(r.authenticate().name(), r.authenticate().simple_token(), index));
  }
  if (r.has_auth_user_add()) return Reply<AuthUserAddResponse>(UserAdd(r.auth_user_add()));
  if (r.has_auth_user_delete()) {
    return Reply<AuthUserDeleteResponse>(UserDelete(r.auth_user_delete()));
  }
  if (r.has_auth_user_get()) return Reply(UserGet(r.auth_user_get()));
  if (r.has_auth_user_change_password()) {
    return Reply<AuthUserChangePasswordResponse>(UserChangePassword(r.auth_user_change_password()));
  }
  if (r.has_auth_user_grant_role()) {
    return Reply<AuthUserGrantRoleResponse>(UserGrantRole(r.auth_user_grant_role()));
  }
  if (r.has_auth_user_revoke_role()) {
    return Reply<AuthUserRevokeRoleResponse>(UserRevokeRole(r.auth_user_revoke_role()));
  }
  if (r.has_auth_user_list()) return Msg(UserList());
  if (r.has_auth_role_list()) return Msg(RoleList());
  if (r.has_auth_role_add()) return Reply<AuthRoleAddResponse>(RoleAdd(r.auth_role_add()));
  if (r.has_auth_role_delete()) {
    return Reply<AuthRoleDeleteResponse>(RoleDelete(r.auth_role_delete()));
  }
  if (r.has_auth_role_get()) return Reply(RoleGet(r.auth_role_get()));
  if (r.has_auth_role_grant_permission()) {
    return Reply<AuthRoleGrantPermissionResponse>(
        RoleGrantPermission(r.auth_role_grant_permission()));
  }
  if (r.has_auth_role_revoke_permission()) {
    return Reply<AuthRoleRevokePermissionResponse>(
        RoleRevokePermission(r.auth_role_revoke_permission()));
  }
  return absl::InvalidArgumentError("auth: not an auth request");
}

absl::Status AuthStore::Enable() {
  auto st = State();
  if (st->enabled) return absl::OkStatus();  // etcd: ignored, no error
  const authpb::User* root = st->FindUser(kRootUser);
  if (root == nullptr) return errors::Make(Err::kRootUserNotExist);
  if (!AuthState::HasRootRole(*root)) return errors::Make(Err::kRootRoleNotExist);
  auto next = Mutable();
  next->enabled = true;  // etcd does not bump the revision here
  backend_->Put(Bucket::kAuth, kEnabledKey, std::string(1, '\x01'));
  Publish(std::move(next));
  tokens_->Enable();
  return absl::OkStatus();
}

absl::Status AuthStore::Disable() {
  if (!State()->enabled) return absl::OkStatus();
  auto next = Mutable();
  next->enabled = false;
  next->revision++;
  backend_->Put(Bucket::kAuth, kEnabledKey, std::string(1, '\x00'));
  PutRevision(next->revision);
  Publish(std::move(next));
  tokens_->Disable();
  return absl::OkStatus();
}

absl::StatusOr<etcdserverpb::AuthenticateResponse> AuthStore::Authenticate(std::string_view name,
                                                                           std::string_view prefix,
                                                                           uint64_t index) {
  auto st = State();
  if (!st->enabled) return errors::Make(Err::kAuthNotEnabled);
  const authpb::User* u = st->FindUser(name);
  if (u == nullptr || u->options().no_password()) return errors::Make(Err::kAuthFailed);
  // The password was checked by the member that received the request.
  ASSIGN_OR_RETURN(std::string token, tokens_->Assign(name, st->revision, prefix, index));
  etcdserverpb::AuthenticateResponse resp;
  resp.set_token(std::move(token));
  return resp;
}

absl::Status AuthStore::UserAdd(const etcdserverpb::AuthUserAddRequest& r) {
  if (r.name().empty()) return errors::Make(Err::kUserEmpty);
  auto next = Mutable();
  if (next->FindUser(r.name()) != nullptr) return errors::Make(Err::kUserAlreadyExist);
  authpb::User u;
  u.set_name(r.name());
  if (!r.options().no_password()) u.set_password(r.hashedpassword());
  *u.mutable_options() = r.options();
  PutUser(u);
  next->users[r.name()] = std::move(u);
  PublishWithNewRevision(std::move(next));
  return absl::OkStatus();
}

absl::Status AuthStore::UserDelete(const etcdserverpb::AuthUserDeleteRequest& r) {
  auto next = Mutable();
  if (next->enabled && r.name() == kRootUser) return errors::Make(Err::kInvalidAuthMgmt);
  auto it = next->users.find(r.name());
  if (it == next->users.end()) return errors::Make(Err::kUserNotFound);
  next->users.erase(it);
  backend_->Delete(Bucket::kAuthUsers, r.name());
  PublishWithNewRevision(std::move(next));
  tokens_->InvalidateUser(r.name());
  return absl::OkStatus();
}

absl::Status AuthStore::UserChangePassword(const etcdserverpb::AuthUserChangePasswordRequest& r) {
  auto next = Mutable();
  auto it = next->users.find(r.name());
  if (it == next->users.end()) return errors::Make(Err::kUserNotFound);
  it->second.set_password(r.hashedpassword());
  PutUser(it->second);
  PublishWithNewRevision(std::move(next));
  tokens_->InvalidateUser(r.name());
  return absl::OkStatus();
}

absl::Status AuthStore::UserGrantRole(const etcdserverpb::AuthUserGrantRoleRequest& r) {
  auto next = Mutable();
  auto it = next->users.find(r.user());
  if (it == next->users.end()) return errors::Make(Err::kUserNotFound);
  // The root role may be granted before it exists (etcd: `user grant-role root root`).
  if (r.role() != kRootRole && next->FindRole(r.role()) == nullptr) {
    return errors::Make(Err::kRoleNotFound);
  }
  authpb::User& u = it->second;
  if (AuthState::HasRole(u, r.role())) return absl::OkStatus();  // already granted
  u.add_roles(r.role());
  std::sort(u.mutable_roles()->begin(), u.mutable_roles()->end());
  PutUser(u);
  PublishWithNewRevision(std::move(next));
  return absl::OkStatus();
}

absl::Status AuthStore::UserRevokeRole(const etcdserverpb::AuthUserRevokeRoleRequest& r) {
  auto next = Mutable();
  if (next->enabled && r.name() == kRootUser && r.role() == kRootRole) {
    return errors::Make(Err::kInvalidAuthMgmt);
  }
  auto it = next->users.find(r.name());
  if (it == next->users.end()) return errors::Make(Err::kUserNotFound);
  authpb::User& u = it->second;
  auto* roles = u.mutable_roles();
  auto pos = std::find(roles->begin(), roles->end(), r.role());
  if (pos == roles->end()) return errors::Make(Err::kRoleNotGranted);
  roles->erase(pos);
  PutUser(u);
  PublishWithNewRevision(std::move(next));
  return absl::OkStatus();
}

absl::StatusOr<etcdserverpb::AuthUserGetResponse> AuthStore::UserGet(
    const etcdserverpb::AuthUserGetRequest& r) const {
  auto st = State();
  const authpb::User* u = st->FindUser(r.name());
  if (u == nullptr) return errors::Make(Err::kUserNotFound);
  etcdserverpb::AuthUserGetResponse resp;
  for (const auto& role : u->roles()) resp.add_roles(role);
  return resp;
}

etcdserverpb::AuthUserListResponse AuthStore::UserList() const {
  etcdserverpb::AuthUserListResponse resp;
  for (const auto& [name, u] : State()->users) resp.add_users(name);
  return resp;
}

absl::Status AuthStore::RoleAdd(const etcdserverpb::AuthRoleAddRequest& r) {
  if (r.name().empty()) return errors::Make(Err::kRoleEmpty);
  auto next = Mutable();
  if (next->FindRole(r.name()) != nullptr) return errors::Make(Err::kRoleAlreadyExist);
  authpb::Role role;
  role.set_name(r.name());
  PutRole(role);
  next->roles[r.name()] = std::move(role);
  PublishWithNewRevision(std::move(next));
  return absl::OkStatus();
}

absl::Status AuthStore::RoleDelete(const etcdserverpb::AuthRoleDeleteRequest& r) {
  auto next = Mutable();
  if (next->enabled && r.role() == kRootRole) return errors::Make(Err::kInvalidAuthMgmt);
  auto it = next->roles.find(r.role());
  if (it == next->roles.end()) return errors::Make(Err::kRoleNotFound);
  next->roles.erase(it);
  backend_->Delete(Bucket::kAuthRoles, r.role());
  for (auto& [name, u] : next->users) {
    auto* roles = u.mutable_roles();
    auto pos = std::find(roles->begin(), roles->end(), r.role());
    if (pos == roles->end()) continue;
    roles->erase(pos);
    PutUser(u);
  }
  PublishWithNewRevision(std::move(next));
  return absl::OkStatus();
}

absl::StatusOr<etcdserverpb::AuthRoleGetResponse> AuthStore::RoleGet(
    const etcdserverpb::AuthRoleGetRequest& r) const {
  auto st = State();
  const authpb::Role* role = st->FindRole(r.role());
  if (role == nullptr) return errors::Make(Err::kRoleNotFound);
  etcdserverpb::AuthRoleGetResponse resp;
  for (const auto& p : role->keypermission()) *resp.add_perm() = p;
  return resp;
}

etcdserverpb::AuthRoleListResponse AuthStore::RoleList() const {
  etcdserverpb::AuthRoleListResponse resp;
  for (const auto& [name, r] : State()->roles) resp.add_roles(name);
  return resp;
}

absl::Status AuthStore::RoleGrantPermission(const etcdserverpb::AuthRoleGrantPermissionRequest& r) {
  auto next = Mutable();
  auto it = next->roles.find(r.name());
  if (it == next->roles.end()) return errors::Make(Err::kRoleNotFound);
  authpb::Role& role = it->second;
  bool updated = false;
  for (auto& p : *role.mutable_keypermission()) {
    if (p.key() == r.perm().key() && p.range_end() == r.perm().range_end()) {
      p.set_permtype(r.perm().permtype());  // same range: the type is replaced
      updated = true;
      break;
    }
  }
  if (!updated) {
    *role.add_keypermission() = r.perm();
    std::sort(role.mutable_keypermission()->begin(), role.mutable_keypermission()->end(), PermLess);
  }
  PutRole(role);
  PublishWithNewRevision(std::move(next));
  return absl::OkStatus();
}

absl::Status AuthStore::RoleRevokePermission(
    const etcdserverpb::AuthRoleRevokePermissionRequest& r) {
  auto next = Mutable();
  auto it = next->roles.find(r.role());
  if (it == next->roles.end()) return errors::Make(Err::kRoleNotFound);
  authpb::Role& role = it->second;
  auto* perms = role.mutable_keypermission();
  int before = perms->size();
  for (int i = perms->size() - 1; i >= 0; --i) {
    const auto& p = perms->Get(i);
    if (p.key() == r.key() && p.range_end() == r.range_end()) perms->DeleteSubrange(i, 1);
  }
  if (perms->size() == before) return errors::Make(Err::kPermissionNotGranted);
  PutRole(role);
  PublishWithNewRevision(std::move(next));
  return absl::OkStatus();
}

}  // namespace etcd::auth
