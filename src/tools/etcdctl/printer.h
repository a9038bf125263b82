// etcdctl's output formats (-w simple|json|fields|protobuf|table) for every command,
// byte for byte as etcdctl 3.4.23 prints them. A format without a printer for a
// command fails with "<format> not supported as output format" (exit 4), after the
// request already ran, as etcdctl does.
//
// Thread safety: none; one printer per invocation (watch printing is serialized by
// its caller).
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "etcdserverpb/rpc.pb.h"

namespace etcd::etcdctl {

struct EpHealth {
  std::string ep;
  bool health = false;
  std::string took;   // Go duration text
  std::string error;  // empty: healthy
};
struct EpStatus {
  std::string ep;
  etcdserverpb::StatusResponse resp;
};
struct EpHashKV {
  std::string ep;
  etcdserverpb::HashKVResponse resp;
};
// What `snapshot status` reports about a snapshot file (filled by etcdutl's code).
struct SnapshotStatus {
  uint32_t hash = 0;
  int64_t revision = 0;
  int64_t total_key = 0;
  int64_t total_size = 0;
};

class Printer {
 public:
  Printer(std::string format, std::ostream& out, std::ostream& err)
      : format_(std::move(format)), out_(out), err_(err) {}
  virtual ~Printer() = default;

  // Unsupported by default: each printer overrides what its format supports.
  virtual void Del(const etcdserverpb::DeleteRangeResponse&) { Unsupported(); }
  virtual void Get(const etcdserverpb::RangeResponse&) { Unsupported(); }
  virtual void Put(const etcdserverpb::PutResponse&) { Unsupported(); }
  virtual void Txn(const etcdserverpb::TxnResponse&) { Unsupported(); }
  virtual void Watch(const etcdserverpb::WatchResponse&) { Unsupported(); }

  virtual void Grant(const etcdserverpb::LeaseGrantResponse&) { Unsupported(); }
  virtual void Revoke(int64_t, const etcdserverpb::LeaseRevokeResponse&) { Unsupported(); }
  virtual void KeepAlive(const etcdserverpb::LeaseKeepAliveResponse&) { Unsupported(); }
  virtual void TimeToLive(const etcdserverpb::LeaseTimeToLiveResponse&, bool) { Unsupported(); }
  virtual void Leases(const etcdserverpb::LeaseLeasesResponse&) { Unsupported(); }

  virtual void MemberAdd(const etcdserverpb::MemberAddResponse&) { Unsupported(); }
  virtual void MemberRemove(uint64_t, const etcdserverpb::MemberRemoveResponse&) { Unsupported(); }
  virtual void MemberUpdate(uint64_t, const etcdserverpb::MemberUpdateResponse&) { Unsupported(); }
  virtual void MemberPromote(uint64_t, const etcdserverpb::MemberPromoteResponse&) {
    Unsupported();
  }
  virtual void MemberList(const etcdserverpb::MemberListResponse&) { Unsupported(); }

  virtual void EndpointHealth(const std::vector<EpHealth>&) { Unsupported(); }
  virtual void EndpointStatus(const std::vector<EpStatus>&) { Unsupported(); }
  virtual void EndpointHashKV(const std::vector<EpHashKV>&) { Unsupported(); }
  virtual void MoveLeader(uint64_t, uint64_t, const etcdserverpb::MoveLeaderResponse&) {
    Unsupported();
  }
  virtual void Alarm(const etcdserverpb::AlarmResponse&) { Unsupported(); }
  virtual void DBStatus(const SnapshotStatus&) { Unsupported(); }

  virtual void AuthStatus(const etcdserverpb::AuthStatusResponse&) { Unsupported(); }
  virtual void RoleAdd(const std::string&, const etcdserverpb::AuthRoleAddResponse&) {
    Unsupported();
  }
  virtual void RoleGet(const std::string&, const etcdserverpb::AuthRoleGetResponse&) {
    Unsupported();
  }
  virtual void RoleDelete(const std::string&, const etcdserverpb::AuthRoleDeleteResponse&) {
    Unsupported();
  }
  virtual void RoleList(const etcdserverpb::AuthRoleListResponse&) { Unsupported(); }
  virtual void RoleGrantPermission(const std::string&,
                                   const etcdserverpb::AuthRoleGrantPermissionResponse&) {
    Unsupported();
  }
  virtual void RoleRevokePermission(const std::string&, const std::string&, const std::string&,
                                    const etcdserverpb::AuthRoleRevokePermissionResponse&) {
    Unsupported();
  }
  virtual void UserAdd(const std::string&, const etcdserverpb::AuthUserAddResponse&) {
    Unsupported();
  }
  virtual void UserGet(const std::string&, const etcdserverpb::AuthUserGetResponse&) {
    Unsupported();
  }
  virtual void UserList(const etcdserverpb::AuthUserListResponse&) { Unsupported(); }
  virtual void UserChangePassword(const etcdserverpb::AuthUserChangePasswordResponse&) {
    Unsupported();
  }
  virtual void UserGrantRole(const std::string&, const std::string&,
                             const etcdserverpb::AuthUserGrantRoleResponse&) {
    Unsupported();
  }
  virtual void UserRevokeRole(const std::string&, const std::string&,
                              const etcdserverpb::AuthUserRevokeRoleResponse&) {
    Unsupported();
  }
  virtual void UserDelete(const std::string&, const etcdserverpb::AuthUserDeleteResponse&) {
    Unsupported();
  }

  const std::string& format() const { return format_; }
  bool is_simple() const { return format_ == "simple"; }
  // `get --print-value-only` (simple only).
  void set_value_only(bool v) { value_only_ = v; }

 protected:
  // Throws CtlExit(4, "<format> not supported as output format").
  [[noreturn]] void Unsupported() const;

  const std::string format_;
  std::ostream& out_;
  std::ostream& err_;
  bool value_only_ = false;
};

// nullptr for an unknown format name.
std::unique_ptr<Printer> NewPrinter(const std::string& format, bool hex, std::ostream& out,
                                    std::ostream& err);

// The rows shared by the simple and table printers (etcdctl's make*Table).
using Table = std::vector<std::vector<std::string>>;
Table MemberListRows(const etcdserverpb::MemberListResponse& r);
Table EndpointHealthRows(const std::vector<EpHealth>& hs);
Table EndpointStatusRows(const std::vector<EpStatus>& ss);
Table EndpointHashKVRows(const std::vector<EpHashKV>& hs);
Table DBStatusRows(const SnapshotStatus& s);
// olekukonko/tablewriter as etcdctl configures it: upper-cased centred headers,
// right-aligned cells.
std::string RenderTable(const std::vector<std::string>& header, const Table& rows);
// clientv3.GetPrefixRangeEnd.
std::string PrefixRangeEnd(const std::string& key);

}  // namespace etcd::etcdctl
