// The member's Auth service as the client-facing layer sees it (etcdserverpb.Auth plus
// the watch permission check). EtcdServer implements it (server/auth_requests.cc);
// ServerApi::Auth() returns it, or null for a member without an auth store (tests'
// fakes), in which case api/ answers as an auth-less etcd.
//
// Like ServerApi, every method answers exactly once through `done`, on any thread, with
// etcd's exact errors (common/errors.h). Identity comes from the RequestContext: the
// "token" metadata (or the gateway's Authorization header) or, with --client-cert-auth,
// the verified client certificate's common name.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include "etcdserverpb/rpc.pb.h"
#include "server/server_api.h"

namespace etcd::server {

class AuthApi {
 public:
  virtual ~AuthApi() = default;

#define ETCD_AUTH_API_METHOD(Method, Req, Resp)                                \
  virtual void Method(const RequestContext& ctx, const etcdserverpb::Req& req, \
                      Done<etcdserverpb::Resp> done) = 0;
  ETCD_AUTH_API_METHOD(AuthEnable, AuthEnableRequest, AuthEnableResponse)
  ETCD_AUTH_API_METHOD(AuthDisable, AuthDisableRequest, AuthDisableResponse)
  ETCD_AUTH_API_METHOD(AuthStatus, AuthStatusRequest, AuthStatusResponse)
  ETCD_AUTH_API_METHOD(Authenticate, AuthenticateRequest, AuthenticateResponse)
  ETCD_AUTH_API_METHOD(UserAdd, AuthUserAddRequest, AuthUserAddResponse)
  ETCD_AUTH_API_METHOD(UserGet, AuthUserGetRequest, AuthUserGetResponse)
  ETCD_AUTH_API_METHOD(UserList, AuthUserListRequest, AuthUserListResponse)
  ETCD_AUTH_API_METHOD(UserDelete, AuthUserDeleteRequest, AuthUserDeleteResponse)
  ETCD_AUTH_API_METHOD(UserChangePassword, AuthUserChangePasswordRequest,
                       AuthUserChangePasswordResponse)
  ETCD_AUTH_API_METHOD(UserGrantRole, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse)
  ETCD_AUTH_API_METHOD(UserRevokeRole, AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse)
  ETCD_AUTH_API_METHOD(RoleAdd, AuthRoleAddRequest, AuthRoleAddResponse)
  ETCD_AUTH_API_METHOD(RoleGet, AuthRoleGetRequest, AuthRoleGetResponse)
  ETCD_AUTH_API_METHOD(RoleList, AuthRoleListRequest, AuthRoleListResponse)
  ETCD_AUTH_API_METHOD(RoleDelete, AuthRoleDeleteRequest, AuthRoleDeleteResponse)
  ETCD_AUTH_API_METHOD(RoleGrantPermission, AuthRoleGrantPermissionRequest,
                       AuthRoleGrantPermissionResponse)
  ETCD_AUTH_API_METHOD(RoleRevokePermission, AuthRoleRevokePermissionRequest,
                       AuthRoleRevokePermissionResponse)
#undef ETCD_AUTH_API_METHOD

  // Read permission on a watch's range at create time (etcd's isWatchPermitted). A
  // non-OK status refuses the watch; its message is the cancel reason
  // ("rpc error: code = PermissionDenied desc = etcdserver: permission denied").
  virtual absl::Status AuthorizeWatch(const RequestContext& ctx,
                                      const etcdserverpb::WatchCreateRequest& req) = 0;
};

}  // namespace etcd::server
