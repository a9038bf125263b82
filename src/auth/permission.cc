#include "auth/permission.h"

#include "common/errors.h"

namespace etcd::auth {
namespace {

using errors::Err;

enum class Need { kRead, kWrite };

absl::Status IsOpPermitted(const AuthState& s, const AuthInfo& ai, std::string_view key,
                           std::string_view range_end, Need need) {
  if (!s.enabled) return absl::OkStatus();
  if (ai.revision == 0) return errors::Make(Err::kUserEmpty);
  if (ai.revision < s.revision) return errors::Make(Err::kAuthOldRevision);
  const authpb::User* user = s.FindUser(ai.username);
  if (user == nullptr) return errors::Make(Err::kPermissionDenied);
  if (AuthState::HasRootRole(*user)) return absl::OkStatus();
  auto it = s.perms.find(ai.username);
  if (it == s.perms.end()) return errors::Make(Err::kPermissionDenied);
  const KeyRangeSet& set = need == Need::kRead ? it->second.read : it->second.write;
  if (set.Covers(key, range_end)) return absl::OkStatus();
  return errors::Make(Err::kPermissionDenied);
}

absl::Status CheckLeaseKeys(const AuthState& s, const AuthInfo& ai, int64_t lease,
                            const LeaseKeysFn& lease_keys) {
  if (lease == 0 || !s.enabled || !lease_keys) return absl::OkStatus();
  for (const std::string& k : lease_keys(lease)) {
    RETURN_IF_ERROR(IsPutPermitted(s, ai, k));
  }
  return absl::OkStatus();
}

absl::Status CheckOps(const AuthState& s, const AuthInfo& ai,
                      const google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& ops) {
  for (const auto& op : ops) {
    switch (op.request_case()) {
      case etcdserverpb::RequestOp::kRequestRange:
        RETURN_IF_ERROR(CheckRange(s, ai, op.request_range()));
        break;
      case etcdserverpb::RequestOp::kRequestPut: {
        const auto& p = op.request_put();
        RETURN_IF_ERROR(IsPutPermitted(s, ai, p.key()));
        if (p.prev_kv()) RETURN_IF_ERROR(IsRangePermitted(s, ai, p.key(), ""));
        break;
      }
      case etcdserverpb::RequestOp::kRequestDeleteRange: {
        const auto& d = op.request_delete_range();
        if (d.prev_kv()) RETURN_IF_ERROR(IsRangePermitted(s, ai, d.key(), d.range_end()));
        RETURN_IF_ERROR(IsDeleteRangePermitted(s, ai, d.key(), d.range_end()));
        break;
      }
      case etcdserverpb::RequestOp::kRequestTxn:
        RETURN_IF_ERROR(CheckTxn(s, ai, op.request_txn()));
        break;
      default:
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status IsAdminPermitted(const AuthState& s, const AuthInfo* ai) {
  if (!s.enabled) return absl::OkStatus();
  if (ai == nullptr || ai->username.empty()) return errors::Make(Err::kUserEmpty);
  const authpb::User* user = s.FindUser(ai->username);
  if (user == nullptr) return errors::Make(Err::kUserNotFound);
  if (!AuthState::HasRootRole(*user)) return errors::Make(Err::kPermissionDenied);
  return absl::OkStatus();
}

absl::Status IsRangePermitted(const AuthState& s, const AuthInfo& ai, std::string_view key,
                              std::string_view range_end) {
  return IsOpPermitted(s, ai, key, range_end, Need::kRead);
}

absl::Status IsPutPermitted(const AuthState& s, const AuthInfo& ai, std::string_view key) {
  return IsOpPermitted(s, ai, key, "", Need::kWrite);
}

absl::Status IsDeleteRangePermitted(const AuthState& s, const AuthInfo& ai, std::string_view key,
                                    std::string_view range_end) {
  return IsOpPermitted(s, ai, key, range_end, Need::kWrite);
}

absl::Status CheckRange(const AuthState& s, const AuthInfo& ai,
                        const etcdserverpb::RangeRequest& r) {
  return IsRangePermitted(s, ai, r.key(), r.range_end());
}

absl::Status CheckTxn(const AuthState& s, const AuthInfo& ai, const etcdserverpb::TxnRequest& r) {
  if (!s.enabled) return absl::OkStatus();
  for (const auto& c : r.compare()) {
    RETURN_IF_ERROR(IsRangePermitted(s, ai, c.key(), c.range_end()));
  }
  RETURN_IF_ERROR(CheckOps(s, ai, r.success()));
  return CheckOps(s, ai, r.failure());
}

bool NeedsAdmin(const serverpb::InternalRaftRequest& r) {
  return r.has_auth_enable() || r.has_auth_disable() || r.has_auth_user_add() ||
         r.has_auth_user_delete() || r.has_auth_user_change_password() ||
         r.has_auth_user_grant_role() || r.has_auth_user_revoke_role() || r.has_auth_role_add() ||
         r.has_auth_role_grant_permission() || r.has_auth_role_revoke_permission() ||
         r.has_auth_role_delete() || r.has_auth_user_list() || r.has_auth_role_list();
}

absl::Status CheckRaftRequest(const AuthState& s, const AuthInfo& ai,
                              const serverpb::InternalRaftRequest& r,
                              const LeaseKeysFn& lease_keys) {
  if (!s.enabled) return absl::OkStatus();
  if (NeedsAdmin(r)) return IsAdminPermitted(s, &ai);
  if (r.has_auth_user_get()) {
    absl::Status st = IsAdminPermitted(s, &ai);
    if (!st.ok() && r.auth_user_get().name() != ai.username) {
      return errors::Make(Err::kPermissionDenied);
    }
    return absl::OkStatus();
  }
  if (r.has_auth_role_get()) {
    absl::Status st = IsAdminPermitted(s, &ai);
    if (st.ok()) return st;
    const authpb::User* u = s.FindUser(ai.username);
    if (u == nullptr || !AuthState::HasRole(*u, r.auth_role_get().role())) {
      return errors::Make(Err::kPermissionDenied);
    }
    return absl::OkStatus();
  }
  if (r.has_range()) return CheckRange(s, ai, r.range());
  if (r.has_put()) {
    const auto& p = r.put();
    RETURN_IF_ERROR(IsPutPermitted(s, ai, p.key()));
    RETURN_IF_ERROR(CheckLeaseKeys(s, ai, p.lease(), lease_keys));
    if (p.prev_kv()) RETURN_IF_ERROR(IsRangePermitted(s, ai, p.key(), ""));
    return absl::OkStatus();
  }
  if (r.has_delete_range()) {
    const auto& d = r.delete_range();
    RETURN_IF_ERROR(IsDeleteRangePermitted(s, ai, d.key(), d.range_end()));
    if (d.prev_kv()) RETURN_IF_ERROR(IsRangePermitted(s, ai, d.key(), d.range_end()));
    return absl::OkStatus();
  }
  if (r.has_txn()) return CheckTxn(s, ai, r.txn());
  if (r.has_lease_revoke()) return CheckLeaseKeys(s, ai, r.lease_revoke().id(), lease_keys);
  return absl::OkStatus();
}

absl::Status AsAuthPackageError(const absl::Status& s) {
  if (errors::Is(s, Err::kPermissionDenied)) return errors::Make(Err::kAuthRawPermissionDenied);
  if (errors::Is(s, Err::kUserEmpty)) return errors::Make(Err::kAuthRawUserEmpty);
  if (errors::Is(s, Err::kUserNotFound)) return errors::Make(Err::kAuthRawUserNotFound);
  return s;
}

}  // namespace etcd::auth
