// -w fields: one `"Name" : value` line per field (Go's %q for strings).
#include "absl/strings/str_format.h"
#include "mvccpb/kv.pb.h"
#include "tools/etcdctl/go_format.h"
#include "tools/etcdctl/printers.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

class FieldsPrinter final : public Printer {
 public:
  FieldsPrinter(std::ostream& out, std::ostream& err) : Printer("fields", out, err) {}

  void KV(const std::string& pfx, const mvccpb::KeyValue& kv) {
    out_ << "\"" << pfx << "Key\" : " << GoQuote(kv.key()) << "\n";
    out_ << "\"" << pfx << "CreateRevision\" : " << kv.create_revision() << "\n";
    out_ << "\"" << pfx << "ModRevision\" : " << kv.mod_revision() << "\n";
    out_ << "\"" << pfx << "Version\" : " << kv.version() << "\n";
    out_ << "\"" << pfx << "Value\" : " << GoQuote(kv.value()) << "\n";
    out_ << "\"" << pfx << "Lease\" : " << kv.lease() << "\n";
  }
  void Hdr(const ResponseHeader& h) {
    out_ << "\"ClusterID\" : " << h.cluster_id() << "\n";
    out_ << "\"MemberID\" : " << h.member_id() << "\n";
    out_ << "\"Revision\" : " << h.revision() << "\n";
    out_ << "\"RaftTerm\" : " << h.raft_term() << "\n";
  }
  static const char* Bool(bool b) { return b ? "true" : "false"; }

  void Del(const DeleteRangeResponse& r) override {
    Hdr(r.header());
    out_ << "\"Deleted\" : " << r.deleted() << "\n";
    for (const auto& kv : r.prev_kvs()) KV("Prev", kv);
  }
  void Get(const RangeResponse& r) override {
    Hdr(r.header());
    for (const auto& kv : r.kvs()) KV("", kv);
    out_ << "\"More\" : " << Bool(r.more()) << "\n";
    out_ << "\"Count\" : " << r.count() << "\n";
  }
  void Put(const PutResponse& r) override {
    Hdr(r.header());
    if (r.has_prev_kv()) KV("Prev", r.prev_kv());
  }
  void Txn(const TxnResponse& r) override {
    Hdr(r.header());
    out_ << "\"Succeeded\" : " << Bool(r.succeeded()) << "\n";
    for (const ResponseOp& op : r.responses()) {
      if (op.has_response_delete_range()) {
        Del(op.response_delete_range());
      } else if (op.has_response_put()) {
        Put(op.response_put());
      } else if (op.has_response_range()) {
        Get(op.response_range());
      } else {
        out_ << "\"Unknown\" : " << GoQuote(op.ShortDebugString()) << "\n";
      }
    }
  }
  void Watch(const WatchResponse& r) override {
    Hdr(r.header());
    for (const mvccpb::Event& e : r.events()) {
      out_ << "\"Type\" : " << mvccpb::Event::EventType_Name(e.type()) << "\n";
      if (e.has_prev_kv()) KV("Prev", e.prev_kv());
      KV("", e.kv());
    }
  }
  void Grant(const LeaseGrantResponse& r) override {
    Hdr(r.header());
    out_ << "\"ID\" : " << r.id() << "\n\"TTL\" : " << r.ttl() << "\n";
  }
  void Revoke(int64_t, const LeaseRevokeResponse& r) override { Hdr(r.header()); }
  void KeepAlive(const LeaseKeepAliveResponse& r) override {
    Hdr(r.header());
    out_ << "\"ID\" : " << r.id() << "\n\"TTL\" : " << r.ttl() << "\n";
  }
  void TimeToLive(const LeaseTimeToLiveResponse& r, bool) override {
    Hdr(r.header());
    out_ << "\"ID\" : " << r.id() << "\n\"TTL\" : " << r.ttl() << "\n";
    out_ << "\"GrantedTTL\" : " << r.grantedttl() << "\n";
    for (const auto& k : r.keys()) out_ << "\"Key\" : " << GoQuote(k) << "\n";
  }
  void Leases(const LeaseLeasesResponse& r) override {
    Hdr(r.header());
    for (const auto& l : r.leases()) out_ << "\"ID\" : " << l.id() << "\n";
  }
  void MemberList(const MemberListResponse& r) override {
    Hdr(r.header());
    for (const Member& m : r.members()) {
      out_ << "\"ID\" : " << m.id() << "\n";
      out_ << "\"Name\" : " << GoQuote(m.name()) << "\n";
      for (const auto& u : m.peerurls()) out_ << "\"PeerURL\" : " << GoQuote(u) << "\n";
      for (const auto& u : m.clienturls()) out_ << "\"ClientURL\" : " << GoQuote(u) << "\n";
      out_ << "\"IsLearner\" : " << Bool(m.islearner()) << "\n\n";
    }
  }
  void EndpointHealth(const std::vector<EpHealth>& hs) override {
    for (const EpHealth& h : hs) {
      out_ << "\"Endpoint\" : " << GoQuote(h.ep) << "\n";
      out_ << "\"Health\" : " << Bool(h.health) << "\n";
      out_ << "\"Took\" : " << h.took << "\n";
      out_ << "\"Error\" : " << h.error << "\n\n";
    }
  }
  void EndpointStatus(const std::vector<EpStatus>& ss) override {
    for (const EpStatus& s : ss) {
      const StatusResponse& r = s.resp;
      Hdr(r.header());
      out_ << "\"Version\" : " << GoQuote(r.version()) << "\n";
      out_ << "\"DBSize\" : " << r.dbsize() << "\n";
      out_ << "\"Leader\" : " << r.leader() << "\n";
      out_ << "\"IsLearner\" : " << Bool(r.islearner()) << "\n";
      out_ << "\"RaftIndex\" : " << r.raftindex() << "\n";
      out_ << "\"RaftTerm\" : " << r.raftterm() << "\n";
      out_ << "\"RaftAppliedIndex\" : " << r.raftappliedindex() << "\n";
      out_ << "\"Errors\" : "
           << GoStringSlice(std::vector<std::string>(r.errors().begin(), r.errors().end())) << "\n";
      out_ << "\"Endpoint\" : " << GoQuote(s.ep) << "\n\n";
    }
  }
  void EndpointHashKV(const std::vector<EpHashKV>& hs) override {
    for (const EpHashKV& h : hs) {
      Hdr(h.resp.header());
      out_ << "\"Endpoint\" : " << GoQuote(h.ep) << "\n";
      out_ << "\"Hash\" : " << h.resp.hash() << "\n\n";
    }
  }
  void Alarm(const AlarmResponse& r) override {
    Hdr(r.header());
    for (const AlarmMember& a : r.alarms()) {
      out_ << "\"MemberID\" : " << a.memberid() << "\n";
      out_ << "\"AlarmType\" : " << AlarmType_Name(a.alarm()) << "\n\n";
    }
  }
  void DBStatus(const SnapshotStatus& s) override {
    out_ << "\"Hash\" : " << s.hash << "\n\"Revision\" : " << s.revision << "\n";
    out_ << "\"Keys\" : " << s.total_key << "\n\"Size\" : " << s.total_size << "\n";
  }
  void AuthStatus(const AuthStatusResponse& r) override {
    Hdr(r.header());
    out_ << "\"Enabled\" : " << Bool(r.enabled()) << "\n";
    out_ << "\"AuthRevision\" : " << r.authrevision() << "\n";
  }
  void RoleAdd(const std::string&, const AuthRoleAddResponse& r) override { Hdr(r.header()); }
  void RoleGet(const std::string&, const AuthRoleGetResponse& r) override {
    Hdr(r.header());
    for (const authpb::Permission& p : r.perm()) {
      out_ << "\"PermType\" :  " << authpb::Permission::Type_Name(p.permtype()) << "\n";
      out_ << "\"Key\" : " << GoQuote(p.key()) << "\n";
      out_ << "\"RangeEnd\" : " << GoQuote(p.range_end()) << "\n";
    }
  }
  void RoleDelete(const std::string&, const AuthRoleDeleteResponse& r) override { Hdr(r.header()); }
  void RoleList(const AuthRoleListResponse& r) override {
    Hdr(r.header());
    out_ << "\"Roles\" :";
    for (const auto& role : r.roles()) out_ << " " << GoQuote(role);
    out_ << "\n";
  }
  void RoleGrantPermission(const std::string&, const AuthRoleGrantPermissionResponse& r) override {
    Hdr(r.header());
  }
  void RoleRevokePermission(const std::string&, const std::string&, const std::string&,
                            const AuthRoleRevokePermissionResponse& r) override {
    Hdr(r.header());
  }
  void UserAdd(const std::string&, const AuthUserAddResponse& r) override { Hdr(r.header()); }
  void UserChangePassword(const AuthUserChangePasswordResponse& r) override { Hdr(r.header()); }
  void UserGrantRole(const std::string&, const std::string&,
                     const AuthUserGrantRoleResponse& r) override {
    Hdr(r.header());
  }
  void UserRevokeRole(const std::string&, const std::string&,
                      const AuthUserRevokeRoleResponse& r) override {
    Hdr(r.header());
  }
  void UserDelete(const std::string&, const AuthUserDeleteResponse& r) override { Hdr(r.header()); }
};

}  // namespace

std::unique_ptr<Printer> NewFieldsPrinter(std::ostream& out, std::ostream& err) {
  return std::make_unique<FieldsPrinter>(out, err);
}

}  // namespace etcd::etcdctl
