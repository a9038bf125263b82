// Permission checks as pure functions of one AuthState: (state, who, request) ->
// Status with etcd's exact errors. The server calls them when a request arrives (reads,
// admin RPCs answered locally) and the applier calls CheckRaftRequest again for every
// proposed request with the identity recorded in its header, so a request is judged
// against the auth state at its place in the log (etcd's authApplierV3).
//
// Rules (etcd 3.4):
//  * auth disabled: everything is allowed;
//  * no identity (revision 0): "user name is empty";
//  * identity older than the store (revision < state.revision): "revision of auth store
//    is old" (the client re-authenticates);
//  * unknown user: "permission denied"; a user with the root role may do everything;
//  * otherwise the user's merged READ/WRITE ranges must cover the whole requested range
//    (range_perm.h): Range/watch/compare need READ, Put/DeleteRange need WRITE, prev_kv
//    also needs READ; a put with a lease and a lease revoke need WRITE on every key
//    attached to the lease;
//  * admin requests (auth, user and role management, member changes, some maintenance)
//    need the root role; a user may get itself and the roles it has.
//
// Thread safety: pure functions.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_state.h"
#include "auth/token_provider.h"
#include "common/status.h"
#include "etcdserverpb/rpc.pb.h"
#include "serverpb/internal.pb.h"

namespace etcd::auth {

// Keys attached to a lease (empty for an unknown lease).
using LeaseKeysFn = std::function<std::vector<std::string>(int64_t lease_id)>;

// etcd's IsAdminPermitted: auth off -> OK; no user -> kUserEmpty; unknown user ->
// kUserNotFound; not root -> kPermissionDenied. `ai` may be null (no identity).
absl::Status IsAdminPermitted(const AuthState& s, const AuthInfo* ai);

absl::Status IsRangePermitted(const AuthState& s, const AuthInfo& ai, std::string_view key,
                              std::string_view range_end);
absl::Status IsPutPermitted(const AuthState& s, const AuthInfo& ai, std::string_view key);
absl::Status IsDeleteRangePermitted(const AuthState& s, const AuthInfo& ai, std::string_view key,
                                    std::string_view range_end);

// Read requests served without Raft.
absl::Status CheckRange(const AuthState& s, const AuthInfo& ai,
                        const etcdserverpb::RangeRequest& r);
// Every compare (READ), every op (nested txns included).
absl::Status CheckTxn(const AuthState& s, const AuthInfo& ai, const etcdserverpb::TxnRequest& r);

// The check the applier runs for a proposed request (identity from its header).
absl::Status CheckRaftRequest(const AuthState& s, const AuthInfo& ai,
                              const serverpb::InternalRaftRequest& r,
                              const LeaseKeysFn& lease_keys);

// True for the requests that need the root role (etcd's needAdminPermission).
bool NeedsAdmin(const serverpb::InternalRaftRequest& r);

// The same refusal as etcd's maintenance RPCs report it: the auth package's own error,
// unmapped (code Unknown, "auth: permission denied", "auth: user name is empty", ...).
absl::Status AsAuthPackageError(const absl::Status& s);

}  // namespace etcd::auth
