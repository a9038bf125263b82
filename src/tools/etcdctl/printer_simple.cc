// -w simple: etcdctl's default, human-oriented output.
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "mvccpb/kv.pb.h"
#include "tools/etcdctl/go_format.h"
#include "tools/etcdctl/printers.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

class SimplePrinter final : public Printer {
 public:
  SimplePrinter(bool hex, std::ostream& out, std::ostream& err)
      : Printer("simple", out, err), hex_(hex) {}

  void KV(const mvccpb::KeyValue& kv) {
    if (!value_only_) out_ << (hex_ ? HexBytes(kv.key()) : kv.key()) << "\n";
    out_ << (hex_ ? HexBytes(kv.value()) : kv.value()) << "\n";
  }

  void Del(const DeleteRangeResponse& r) override {
    out_ << r.deleted() << "\n";
    for (const auto& kv : r.prev_kvs()) KV(kv);
  }
  void Get(const RangeResponse& r) override {
    for (const auto& kv : r.kvs()) KV(kv);
  }
  void Put(const PutResponse& r) override {
    out_ << "OK\n";
    if (r.has_prev_kv()) KV(r.prev_kv());
  }
  void Txn(const TxnResponse& r) override {
    out_ << (r.succeeded() ? "SUCCESS" : "FAILURE") << "\n";
    for (const ResponseOp& op : r.responses()) {
      out_ << "\n";
      if (op.has_response_delete_range()) {
        Del(op.response_delete_range());
      } else if (op.has_response_put()) {
        Put(op.response_put());
      } else if (op.has_response_range()) {
        Get(op.response_range());
      } else {
        out_ << "unexpected response " << op.ShortDebugString() << "\n";
      }
    }
  }
  void Watch(const WatchResponse& r) override {
    for (const mvccpb::Event& e : r.events()) {
      out_ << mvccpb::Event::EventType_Name(e.type()) << "\n";
      if (e.has_prev_kv()) KV(e.prev_kv());
      KV(e.kv());
    }
  }

  void Grant(const LeaseGrantResponse& r) override {
    out_ << absl::StrFormat("lease %016x granted with TTL(%ds)\n", r.id(), r.ttl());
  }
  void Revoke(int64_t id, const LeaseRevokeResponse&) override {
    out_ << absl::StrFormat("lease %016x revoked\n", id);
  }
  void KeepAlive(const LeaseKeepAliveResponse& r) override {
    out_ << absl::StrFormat("lease %016x keepalived with TTL(%d)\n", r.id(), r.ttl());
  }
  void TimeToLive(const LeaseTimeToLiveResponse& r, bool keys) override {
    if (r.grantedttl() == 0 && r.ttl() == -1) {
      out_ << absl::StrFormat("lease %016x already expired\n", r.id());
      return;
    }
    std::string txt = absl::StrFormat("lease %016x granted with TTL(%ds), remaining(%ds)", r.id(),
                                      r.grantedttl(), r.ttl());
    if (keys) {
      std::vector<std::string> ks(r.keys().begin(), r.keys().end());
      txt += ", attached keys(" + GoStringSlice(ks) + ")";
    }
    out_ << txt << "\n";
  }
  void Leases(const LeaseLeasesResponse& r) override {
    out_ << "found " << r.leases_size() << " leases\n";
    for (const auto& l : r.leases()) out_ << absl::StrFormat("%016x\n", l.id());
  }

  void Alarm(const AlarmResponse& r) override {
    for (const AlarmMember& a : r.alarms()) {
      // Go's %+v of the message: its compact text form.
      std::string s;
      if (a.memberid() != 0) s += absl::StrFormat("memberID:%d ", a.memberid());
      if (a.alarm() != 0) s += "alarm:" + AlarmType_Name(a.alarm()) + " ";
      out_ << s << "\n";
    }
  }

  void MemberAdd(const MemberAddResponse& r) override {
    out_ << absl::StrFormat("Member %16x added to cluster %16x\n", r.member().id(),
                            r.header().cluster_id());
  }
  void MemberRemove(uint64_t id, const MemberRemoveResponse& r) override {
    out_ << absl::StrFormat("Member %16x removed from cluster %16x\n", id, r.header().cluster_id());
  }
  void MemberUpdate(uint64_t id, const MemberUpdateResponse& r) override {
    out_ << absl::StrFormat("Member %16x updated in cluster %16x\n", id, r.header().cluster_id());
  }
  void MemberPromote(uint64_t id, const MemberPromoteResponse& r) override {
    out_ << absl::StrFormat("Member %16x promoted in cluster %16x\n", id, r.header().cluster_id());
  }
  void MemberList(const MemberListResponse& r) override { Rows(MemberListRows(r)); }

  void EndpointHealth(const std::vector<EpHealth>& hs) override {
    for (const EpHealth& h : hs) {
      if (h.error.empty()) {
        err_ << h.ep << " is healthy: successfully committed proposal: took = " << h.took << "\n";
      } else {
        err_ << h.ep << " is unhealthy: failed to commit proposal: " << h.error << "\n";
      }
    }
  }
  void EndpointStatus(const std::vector<EpStatus>& s) override { Rows(EndpointStatusRows(s)); }
  void EndpointHashKV(const std::vector<EpHashKV>& h) override { Rows(EndpointHashKVRows(h)); }
  void DBStatus(const SnapshotStatus& s) override { Rows(DBStatusRows(s)); }
  void MoveLeader(uint64_t leader, uint64_t target, const MoveLeaderResponse&) override {
    out_ << absl::StrFormat("Leadership transferred from %x to %x\n", leader, target);
  }

  void AuthStatus(const AuthStatusResponse& r) override {
    out_ << "Authentication Status: " << (r.enabled() ? "true" : "false") << "\n";
    out_ << "AuthRevision: " << r.authrevision() << "\n";
  }
  void RoleAdd(const std::string& role, const AuthRoleAddResponse&) override {
    out_ << "Role " << role << " created\n";
  }
  void RoleGet(const std::string& role, const AuthRoleGetResponse& r) override {
    out_ << "Role " << role << "\n";
    auto print_range = [&](const authpb::Permission& p) {
      if (p.range_end() != std::string(1, '\0')) {
        out_ << "\t[" << p.key() << ", " << p.range_end() << ")";
      } else {
        out_ << "\t[" << p.key() << ", <open ended>";
      }
      if (PrefixRangeEnd(p.key()) == p.range_end()) out_ << " (prefix " << p.key() << ")";
      out_ << "\n";
    };
    auto section = [&](const char* title, authpb::Permission::Type a) {
      out_ << title << "\n";
      for (const authpb::Permission& p : r.perm()) {
        if (p.permtype() != a && p.permtype() != authpb::Permission::READWRITE) continue;
        if (p.range_end().empty()) {
          out_ << "\t" << p.key() << "\n";
        } else {
          print_range(p);
        }
      }
    };
    section("KV Read:", authpb::Permission::READ);
    section("KV Write:", authpb::Permission::WRITE);
  }
  void RoleDelete(const std::string& role, const AuthRoleDeleteResponse&) override {
    out_ << "Role " << role << " deleted\n";
  }
  void RoleList(const AuthRoleListResponse& r) override {
    for (const auto& role : r.roles()) out_ << role << "\n";
  }
  void RoleGrantPermission(const std::string& role,
                           const AuthRoleGrantPermissionResponse&) override {
    out_ << "Role " << role << " updated\n";
  }
  void RoleRevokePermission(const std::string& role, const std::string& key, const std::string& end,
                            const AuthRoleRevokePermissionResponse&) override {
    if (end.empty()) {
      out_ << "Permission of key " << key << " is revoked from role " << role << "\n";
    } else if (end != std::string(1, '\0')) {
      out_ << "Permission of range [" << key << ", " << end << ") is revoked from role " << role
           << "\n";
    } else {
      out_ << "Permission of range [" << key << ", <open ended> is revoked from role " << role
           << "\n";
    }
  }
  void UserAdd(const std::string& name, const AuthUserAddResponse&) override {
    out_ << "User " << name << " created\n";
  }
  void UserGet(const std::string& name, const AuthUserGetResponse& r) override {
    out_ << "User: " << name << "\nRoles:";
    for (const auto& role : r.roles()) out_ << " " << role;
    out_ << "\n";
  }
  void UserList(const AuthUserListResponse& r) override {
    for (const auto& u : r.users()) out_ << u << "\n";
  }
  void UserChangePassword(const AuthUserChangePasswordResponse&) override {
    out_ << "Password updated\n";
  }
  void UserGrantRole(const std::string& user, const std::string& role,
                     const AuthUserGrantRoleResponse&) override {
    out_ << "Role " << role << " is granted to user " << user << "\n";
  }
  void UserRevokeRole(const std::string& user, const std::string& role,
                      const AuthUserRevokeRoleResponse&) override {
    out_ << "Role " << role << " is revoked from user " << user << "\n";
  }
  void UserDelete(const std::string& user, const AuthUserDeleteResponse&) override {
    out_ << "User " << user << " deleted\n";
  }

 private:
  void Rows(const Table& rows) {
    for (const auto& row : rows) out_ << absl::StrJoin(row, ", ") << "\n";
  }
  const bool hex_;
};

}  // namespace

std::unique_ptr<Printer> NewSimplePrinter(bool hex, std::ostream& out, std::ostream& err) {
  return std::make_unique<SimplePrinter>(hex, out, err);
}

}  // namespace etcd::etcdctl
