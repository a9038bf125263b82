#include "api/auth_service.h"

#include "api/grpc_call.h"
#include "common/errors.h"

namespace etcd::api {
namespace disabled_auth {
namespace {

using errors::Err;

absl::Status Unimplemented() { return absl::UnimplementedError(kAuthUnimplemented); }

template <typename Resp>
absl::Status Ok(server::ServerApi* api, Resp* resp) {
  api->FillHeader(resp->mutable_header());
  return absl::OkStatus();
}

}  // namespace

using namespace etcdserverpb;  // NOLINT: the message names are the documentation here

absl::Status AuthEnable(server::ServerApi*, const AuthEnableRequest&, AuthEnableResponse*) {
  return errors::Make(Err::kRootUserNotExist);
}
absl::Status AuthDisable(server::ServerApi* api, const AuthDisableRequest&,
                         AuthDisableResponse* resp) {
  return Ok(api, resp);
}
absl::Status AuthStatus(server::ServerApi* api, const AuthStatusRequest&,
                        AuthStatusResponse* resp) {
  return Ok(api, resp);  // enabled=false, authRevision=0
}
absl::Status Authenticate(server::ServerApi*, const AuthenticateRequest&, AuthenticateResponse*) {
  return errors::Make(Err::kAuthNotEnabled);
}
absl::Status UserAdd(server::ServerApi*, const AuthUserAddRequest& req, AuthUserAddResponse*) {
  if (req.name().empty()) return errors::Make(Err::kUserEmpty);
  return Unimplemented();
}
absl::Status UserGet(server::ServerApi*, const AuthUserGetRequest&, AuthUserGetResponse*) {
  return errors::Make(Err::kUserNotFound);
}
absl::Status UserList(server::ServerApi* api, const AuthUserListRequest&,
                      AuthUserListResponse* resp) {
  return Ok(api, resp);
}
absl::Status UserDelete(server::ServerApi*, const AuthUserDeleteRequest&, AuthUserDeleteResponse*) {
  return errors::Make(Err::kUserNotFound);
}
absl::Status UserChangePassword(server::ServerApi*, const AuthUserChangePasswordRequest&,
                                AuthUserChangePasswordResponse*) {
  return errors::Make(Err::kUserNotFound);
}
absl::Status UserGrantRole(server::ServerApi*, const AuthUserGrantRoleRequest&,
                           AuthUserGrantRoleResponse*) {
  return errors::Make(Err::kUserNotFound);
}
absl::Status UserRevokeRole(server::ServerApi*, const AuthUserRevokeRoleRequest&,
                            AuthUserRevokeRoleResponse*) {
  return errors::Make(Err::kUserNotFound);
}
absl::Status RoleAdd(server::ServerApi*, const AuthRoleAddRequest& req, AuthRoleAddResponse*) {
  if (req.name().empty()) return errors::Make(Err::kRoleEmpty);
  return Unimplemented();
}
absl::Status RoleGet(server::ServerApi*, const AuthRoleGetRequest&, AuthRoleGetResponse*) {
  return errors::Make(Err::kRoleNotFound);
}
absl::Status RoleList(server::ServerApi* api, const AuthRoleListRequest&,
                      AuthRoleListResponse* resp) {
  return Ok(api, resp);
}
absl::Status RoleDelete(server::ServerApi*, const AuthRoleDeleteRequest&, AuthRoleDeleteResponse*) {
  return errors::Make(Err::kRoleNotFound);
}
absl::Status RoleGrantPermission(server::ServerApi*, const AuthRoleGrantPermissionRequest&,
                                 AuthRoleGrantPermissionResponse*) {
  return errors::Make(Err::kRoleNotFound);
}
absl::Status RoleRevokePermission(server::ServerApi*, const AuthRoleRevokePermissionRequest&,
                                  AuthRoleRevokePermissionResponse*) {
  return errors::Make(Err::kRoleNotFound);
}

}  // namespace disabled_auth

namespace auth_rpc {
#define ETCD_AUTH_RPC_FN(Method, Req, Resp)                                            \
  void Method(server::ServerApi* api, const server::RequestContext& ctx,               \
              const etcdserverpb::Req& req, server::Done<etcdserverpb::Resp> done) {   \
    if (server::AuthApi* a = api->Auth()) return a->Method(ctx, req, std::move(done)); \
    etcdserverpb::Resp resp;                                                           \
    absl::Status s = disabled_auth::Method(api, req, &resp);                           \
    if (!s.ok()) return done(s);                                                       \
    done(std::move(resp));                                                             \
  }
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

#define ETCD_AUTH_RPC(Method, Req, Resp)                                                          \
  grpc::ServerUnaryReactor* AuthService::Method(                                                  \
      grpc::CallbackServerContext* ctx, const etcdserverpb::Req* req, etcdserverpb::Resp* resp) { \
    auto* call = new UnaryCall<etcdserverpb::Resp>(resp);                                         \
    auth_rpc::Method(api_, ContextFromMetadata(*ctx), *req, call->MakeDone());                    \
    return call;                                                                                  \
  }
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
ETCD_AUTH_RPC(RoleGrantPermission, AuthRoleGrantPermissionRequest, AuthRoleGrantPermissionResponse)
ETCD_AUTH_RPC(RoleRevokePermission, AuthRoleRevokePermissionRequest,
              AuthRoleRevokePermissionResponse)
#undef ETCD_AUTH_RPC

}  // namespace etcd::api
