// The auth store: users, roles and permissions, the enabled flag and the auth revision,
// persisted in the backend (docs/design/auth.md) and changed only by applying committed
// Raft entries, so every member holds the same state and it survives restarts.
//
//  * Mutations (Enable, UserAdd, ... and Apply) run on the applier thread only: they
//    write into the backend's pending batch (committed with the entry group) and then
//    publish a new immutable AuthState.
//  * Everything else (State, AuthInfoFromToken, CheckPassword, token prefix) may be
//    called from any thread.
//  * Passwords arrive already hashed (AuthUserAddRequest.hashedPassword): the member
//    that received the request hashes before proposing (HashPassword); the applier never
//    runs bcrypt.
//
// Thread safety: see above; the published state is swapped under a mutex held only for
// the pointer copy.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "auth/auth_state.h"
#include "auth/token_provider.h"
#include "common/status.h"
#include "etcdserverpb/rpc.pb.h"
#include "serverpb/internal.pb.h"
#include "storage/backend.h"

namespace etcd::auth {

// Backend records (Bucket::kAuth).
inline constexpr char kEnabledKey[] = "enabled";
inline constexpr char kRevisionKey[] = "authRevision";

class AuthStore {
 public:
  // Loads the store from `backend` (which must outlive it). A fresh backend gets auth
  // revision 1 (written into the pending batch, like etcd's NewAuthStore). Call before
  // the applier starts.
  static absl::StatusOr<std::unique_ptr<AuthStore>> Open(storage::Backend* backend,
                                                         std::unique_ptr<TokenProvider> tokens,
                                                         int bcrypt_cost);

  // Re-reads everything from the backend (after the backend was replaced by a snapshot
  // from the leader). Applier thread, or before the applier starts.
  absl::Status Reload();

  // --- any thread ---
  std::shared_ptr<const AuthState> State() const;
  bool IsEnabled() const { return State()->enabled; }
  uint64_t Revision() const { return State()->revision; }
  int bcrypt_cost() const { return bcrypt_cost_; }
  TokenProvider* tokens() { return tokens_.get(); }

  // The identity a token stands for: nullopt for an empty token; kInvalidAuthToken for
  // an unknown, expired or malformed one (even while auth is disabled, as etcd).
  absl::StatusOr<std::optional<AuthInfo>> AuthInfoFromToken(std::string_view token);
  // The identity of a client certificate's common name (--client-cert-auth): the CN
  // at the current revision, nullopt while auth is disabled or for an empty CN.
  std::optional<AuthInfo> AuthInfoFromCommonName(std::string_view cn) const;
  // etcd's CheckPassword, run by the receiving member before it proposes Authenticate:
  // the auth revision the password was checked at. Errors: kAuthNotEnabled,
  // kAuthFailed, kAuthNoPasswordUser. Runs bcrypt: not on the raft loop or applier.
  absl::StatusOr<uint64_t> CheckPassword(std::string_view name, std::string_view password) const;
  // Hashes the password of a UserAdd / UserChangePassword request in place (sets
  // hashedPassword, clears password), before proposing. No-op for no_password users.
  absl::Status HashRequestPassword(etcdserverpb::AuthUserAddRequest* r) const;
  absl::Status HashRequestPassword(etcdserverpb::AuthUserChangePasswordRequest* r) const;

  // --- applier thread ---
  // True for the InternalRaftRequest kinds Apply handles.
  static bool IsAuthRequest(const serverpb::InternalRaftRequest& r);
  // Applies one auth request (admin permission is checked by the caller with
  // permission.h). `index`: the entry's index (simple tokens). The response's header is
  // left for the caller.
  absl::StatusOr<std::shared_ptr<google::protobuf::Message>> Apply(
      const serverpb::InternalRaftRequest& r, uint64_t index);

  absl::Status Enable();
  absl::Status Disable();
  absl::StatusOr<etcdserverpb::AuthenticateResponse> Authenticate(std::string_view name,
                                                                  std::string_view prefix,
                                                                  uint64_t index);
  absl::Status UserAdd(const etcdserverpb::AuthUserAddRequest& r);
  absl::Status UserDelete(const etcdserverpb::AuthUserDeleteRequest& r);
  absl::Status UserChangePassword(const etcdserverpb::AuthUserChangePasswordRequest& r);
  absl::Status UserGrantRole(const etcdserverpb::AuthUserGrantRoleRequest& r);
  absl::Status UserRevokeRole(const etcdserverpb::AuthUserRevokeRoleRequest& r);
  absl::StatusOr<etcdserverpb::AuthUserGetResponse> UserGet(
      const etcdserverpb::AuthUserGetRequest& r) const;
  etcdserverpb::AuthUserListResponse UserList() const;
  absl::Status RoleAdd(const etcdserverpb::AuthRoleAddRequest& r);
  absl::Status RoleDelete(const etcdserverpb::AuthRoleDeleteRequest& r);
  absl::StatusOr<etcdserverpb::AuthRoleGetResponse> RoleGet(
      const etcdserverpb::AuthRoleGetRequest& r) const;
  etcdserverpb::AuthRoleListResponse RoleList() const;
  absl::Status RoleGrantPermission(const etcdserverpb::AuthRoleGrantPermissionRequest& r);
  absl::Status RoleRevokePermission(const etcdserverpb::AuthRoleRevokePermissionRequest& r);

 private:
  AuthStore(storage::Backend* backend, std::unique_ptr<TokenProvider> tokens, int bcrypt_cost);
  // Reads the backend into a new state (revision 0 when none is stored).
  absl::StatusOr<std::shared_ptr<AuthState>> Load() const;
  // Persists and publishes `next` (revision bumped by the caller when etcd bumps it).
  void Publish(std::shared_ptr<AuthState> next);
  // The common end of a management change: bumps and persists the auth revision, then
  // publishes `next`.
  void PublishWithNewRevision(std::shared_ptr<AuthState> next);
  void PutUser(const authpb::User& u);
  void PutRole(const authpb::Role& r);
  void PutRevision(uint64_t rev);
  // A copy of the current state to modify (applier thread).
  std::shared_ptr<AuthState> Mutable() const;

  storage::Backend* const backend_;
  const std::unique_ptr<TokenProvider> tokens_;
  const int bcrypt_cost_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const AuthState> state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::auth
