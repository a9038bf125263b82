// etcdserverpb.Auth. Each RPC goes to the member's AuthApi (server/auth_api.h) when it
// has one (EtcdServer does). A member without an auth store (tests' fakes) answers as a
// fresh etcd 3.4 with auth disabled and no users or roles does (disabled_auth below):
// Authenticate -> "authentication is not enabled", AuthEnable -> "root user does not
// exist", AuthDisable/UserList/RoleList -> empty success, lookups of a user or role ->
// "user name not found" / "role name not found"; UserAdd and RoleAdd, which would have
// to store something, answer UNIMPLEMENTED.
//
// The answers are plain functions (auth_rpc) so the JSON gateway gives the same ones.
//
// Thread safety: stateless apart from the ServerApi pointer; any gRPC thread.
#pragma once

#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/auth_api.h"
#include "server/server_api.h"

namespace etcd::api {

inline constexpr char kAuthUnimplemented[] =
    "etcdserver: user and role management is not implemented yet";

// The answer of the disabled auth store to one Auth RPC. `header` is filled on success.
namespace disabled_auth {
absl::Status AuthEnable(server::ServerApi* api, const etcdserverpb::AuthEnableRequest& req,
                        etcdserverpb::AuthEnableResponse* resp);
absl::Status AuthDisable(server::ServerApi* api, const etcdserverpb::AuthDisableRequest& req,
                         etcdserverpb::AuthDisableResponse* resp);
absl::Status AuthStatus(server::ServerApi* api, const etcdserverpb::AuthStatusRequest& req,
                        etcdserverpb::AuthStatusResponse* resp);
absl::Status Authenticate(server::ServerApi* api, const etcdserverpb::AuthenticateRequest& req,
                          etcdserverpb::AuthenticateResponse* resp);
absl::Status UserAdd(server::ServerApi* api, const etcdserverpb::AuthUserAddRequest& req,
                     etcdserverpb::AuthUserAddResponse* resp);
absl::Status UserGet(server::ServerApi* api, const etcdserverpb::AuthUserGetRequest& req,
                     etcdserverpb::AuthUserGetResponse* resp);
absl::Status UserList(server::ServerApi* api, const etcdserverpb::AuthUserListRequest& req,
                      etcdserverpb::AuthUserListResponse* resp);
absl::Status UserDelete(server::ServerApi* api, const etcdserverpb::AuthUserDeleteRequest& req,
                        etcdserverpb::AuthUserDeleteResponse* resp);
absl::Status UserChangePassword(server::ServerApi* api,
                                const etcdserverpb::AuthUserChangePasswordRequest& req,
                                etcdserverpb::AuthUserChangePasswordResponse* resp);
absl::Status UserGrantRole(server::ServerApi* api,
                           const etcdserverpb::AuthUserGrantRoleRequest& req,
                           etcdserverpb::AuthUserGrantRoleResponse* resp);
absl::Status UserRevokeRole(server::ServerApi* api,
                            const etcdserverpb::AuthUserRevokeRoleRequest& req,
                            etcdserverpb::AuthUserRevokeRoleResponse* resp);
absl::Status RoleAdd(server::ServerApi* api, const etcdserverpb::AuthRoleAddRequest& req,
                     etcdserverpb::AuthRoleAddResponse* resp);
absl::Status RoleGet(server::ServerApi* api, const etcdserverpb::AuthRoleGetRequest& req,
                     etcdserverpb::AuthRoleGetResponse* resp);
absl::Status RoleList(server::ServerApi* api, const etcdserverpb::AuthRoleListRequest& req,
                      etcdserverpb::AuthRoleListResponse* resp);
absl::Status RoleDelete(server::ServerApi* api, const etcdserverpb::AuthRoleDeleteRequest& req,
                        etcdserverpb::AuthRoleDeleteResponse* resp);
absl::Status RoleGrantPermission(server::ServerApi* api,
                                 const etcdserverpb::AuthRoleGrantPermissionRequest& req,
                                 etcdserverpb::AuthRoleGrantPermissionResponse* resp);
absl::Status RoleRevokePermission(server::ServerApi* api,
                                  const etcdserverpb::AuthRoleRevokePermissionRequest& req,
                                  etcdserverpb::AuthRoleRevokePermissionResponse* resp);
}  // namespace disabled_auth

// One Auth RPC: the member's AuthApi, or the disabled_auth answer without one.
namespace auth_rpc {
#define ETCD_AUTH_RPC_FN(Method, Req, Resp)                              \
  void Method(server::ServerApi* api, const server::RequestContext& ctx, \
              const etcdserverpb::Req& req, server::Done<etcdserverpb::Resp> done);
ETCD_AUTH_RPC_FN(AuthEnable, AuthEnableRequest, AuthEnableResponse)
ETCD_AUTH_RPC_FN(AuthDisable, AuthDisableRequest, AuthDisableResponse)
ETCD_AUTH_RPC_FN(AuthStatus, AuthStatusRequest, AuthStatusResponse)
ETCD_AUTH_RPC_FN(Authenticate, AuthenticateRequest, AuthenticateResponse)
ETCD_AUTH_RPC_FN(UserAdd, AuthUserAddRequest, AuthUserAddResponse)
ETCD_AUTH_RPC_FN(UserGet, AuthUserGetRequest, AuthUserGetResponse)
ETCD_AUTH_RPC_FN(UserList, AuthUserListRequest, AuthUserListResponse)
ETCD_AUTH_RPC_FN(UserDelete, AuthUserDeleteRequest, AuthUserDeleteResponse)
ETCD_AUTH_RPC_FN(UserChangePassword, AuthUserChangePasswordRequest, AuthUserChangePasswordResponse)
ETCD_AUTH_RPC_FN(UserGrantRole, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse)
ETCD_AUTH_RPC_FN(UserRevokeRole, AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse)
ETCD_AUTH_RPC_FN(RoleAdd, AuthRoleAddRequest, AuthRoleAddResponse)
ETCD_AUTH_RPC_FN(RoleGet, AuthRoleGetRequest, AuthRoleGetResponse)
ETCD_AUTH_RPC_FN(RoleList, AuthRoleListRequest, AuthRoleListResponse)
ETCD_AUTH_RPC_FN(RoleDelete, AuthRoleDeleteRequest, AuthRoleDeleteResponse)
ETCD_AUTH_RPC_FN(RoleGrantPermission, AuthRoleGrantPermissionRequest,
                 AuthRoleGrantPermissionResponse)
ETCD_AUTH_RPC_FN(RoleRevokePermission, AuthRoleRevokePermissionRequest,
                 AuthRoleRevokePermissionResponse)
#undef ETCD_AUTH_RPC_FN
}  // namespace auth_rpc

class AuthService final : public etcdserverpb::Auth::CallbackService {
 public:
  explicit AuthService(server::ServerApi* api) : api_(api) {}

#define ETCD_AUTH_RPC(Method, Req, Resp)                                                           \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx, const etcdserverpb::Req* req, \
                                   etcdserverpb::Resp* resp) override;
  ETCD_AUTH_RPC(AuthEnable, AuthEnableRequest, AuthEnableResponse)
  ETCD_AUTH_RPC(AuthDisable, AuthDisableRequest, AuthDisableResponse)
  ETCD_AUTH_RPC(AuthStatus, AuthStatusRequest, AuthStatusResponse)
  ETCD_AUTH_RPC(Authenticate, AuthenticateRequest, AuthenticateResponse)
  ETCD_AUTH_RPC(UserAdd, AuthUserAddRequest, AuthUserAddResponse)
  ETCD_AUTH_RPC(UserGet, AuthUserGetRequest, AuthUserGetResponse)
  ETCD_AUTH_RPC(UserList, AuthUserListRequest, AuthUserListResponse)
  ETCD_AUTH_RPC(UserDelete, AuthUserDeleteRequest, AuthUserDeleteResponse)
  ETCD_AUTH_RPC(UserChangePassword, AuthUserChangePasswordRequest, AuthUserChangePasswordResponse)
  ETCD_AUTH_RPC(UserGrantRole, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse)
  ETCD_AUTH_RPC(UserRevokeRole, AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse)
  ETCD_AUTH_RPC(RoleAdd, AuthRoleAddRequest, AuthRoleAddResponse)
  ETCD_AUTH_RPC(RoleGet, AuthRoleGetRequest, AuthRoleGetResponse)
  ETCD_AUTH_RPC(RoleList, AuthRoleListRequest, AuthRoleListResponse)
  ETCD_AUTH_RPC(RoleDelete, AuthRoleDeleteRequest, AuthRoleDeleteResponse)
  ETCD_AUTH_RPC(RoleGrantPermission, AuthRoleGrantPermissionRequest,
                AuthRoleGrantPermissionResponse)
  ETCD_AUTH_RPC(RoleRevokePermission, AuthRoleRevokePermissionRequest,
                AuthRoleRevokePermissionResponse)
#undef ETCD_AUTH_RPC

 private:
  server::ServerApi* const api_;
};

}  // namespace etcd::api
