// -w json (Go's encoding/json of the gogo structs and of clientv3's own response
// types) and -w protobuf (the marshalled response bytes).
#include "absl/strings/str_cat.h"
#include "mvccpb/kv.pb.h"
#include "tools/etcdctl/exit.h"
#include "tools/etcdctl/go_format.h"
#include "tools/etcdctl/pb_json.h"
#include "tools/etcdctl/printers.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

// The fields of an embedded *pb.ResponseHeader, flattened into the outer object as
// Go does for clientv3's lease responses; "" when the header is unset.
std::string FlatHeader(const google::protobuf::Message& owner, const ResponseHeader& h,
                       bool has_header) {
  if (!has_header) return "";
  std::string j = GoJson(h);  // {"cluster_id":...}
  if (j.size() <= 2) return "";
  return j.substr(1, j.size() - 2) + ",";
}

// The printers that write each response message whole (json, protobuf): the
// responses they print the same way are forwarded to Msg() here, once.
class WholeMessagePrinter : public Printer {
 public:
  using Printer::Printer;
  virtual void Msg(const google::protobuf::Message& m) = 0;

  void Del(const DeleteRangeResponse& r) override { Msg(r); }
  void Get(const RangeResponse& r) override { Msg(r); }
  void Put(const PutResponse& r) override { Msg(r); }
  void Txn(const TxnResponse& r) override { Msg(r); }
  void Revoke(int64_t, const LeaseRevokeResponse& r) override { Msg(r); }
  void Alarm(const AlarmResponse& r) override { Msg(r); }
  void MemberAdd(const MemberAddResponse& r) override { Msg(r); }
  void MemberRemove(uint64_t, const MemberRemoveResponse& r) override { Msg(r); }
  void MemberUpdate(uint64_t, const MemberUpdateResponse& r) override { Msg(r); }
  void MemberPromote(uint64_t, const MemberPromoteResponse& r) override { Msg(r); }
  void MemberList(const MemberListResponse& r) override { Msg(r); }
  void AuthStatus(const AuthStatusResponse& r) override { Msg(r); }
  void RoleAdd(const std::string&, const AuthRoleAddResponse& r) override { Msg(r); }
  void RoleGet(const std::string&, const AuthRoleGetResponse& r) override { Msg(r); }
  void RoleDelete(const std::string&, const AuthRoleDeleteResponse& r) override { Msg(r); }
  void RoleList(const AuthRoleListResponse& r) override { Msg(r); }
  void RoleGrantPermission(const std::string&, const AuthRoleGrantPermissionResponse& r) override {
    Msg(r);
  }
  void RoleRevokePermission(const std::string&, const std::string&, const std::string&,
                            const AuthRoleRevokePermissionResponse& r) override {
    Msg(r);
  }
  void UserAdd(const std::string&, const AuthUserAddResponse& r) override { Msg(r); }
  void UserGet(const std::string&, const AuthUserGetResponse& r) override { Msg(r); }
  void UserList(const AuthUserListResponse& r) override { Msg(r); }
  void UserChangePassword(const AuthUserChangePasswordResponse& r) override { Msg(r); }
  void UserGrantRole(const std::string&, const std::string&,
                     const AuthUserGrantRoleResponse& r) override {
    Msg(r);
  }
  void UserRevokeRole(const std::string&, const std::string&,
                      const AuthUserRevokeRoleResponse& r) override {
    Msg(r);
  }
  void UserDelete(const std::string&, const AuthUserDeleteResponse& r) override { Msg(r); }
};

// Emits one response per call: every method writes a full JSON line.
class JsonPrinter final : public WholeMessagePrinter {
 public:
  JsonPrinter(std::ostream& out, std::ostream& err) : WholeMessagePrinter("json", out, err) {}

  void Msg(const google::protobuf::Message& m) override { out_ << GoJson(m) << "\n"; }

  void Watch(const WatchResponse& r) override {
    std::string s = "{\"Header\":" + GoJson(r.header()) + ",\"Events\":[";
    for (int i = 0; i < r.events_size(); ++i) {
      if (i > 0) s += ',';
      AppendGoJson(r.events(i), &s);
    }
    absl::StrAppend(&s, "],\"CompactRevision\":", r.compact_revision(),
                    ",\"Canceled\":", r.canceled() ? "true" : "false",
                    ",\"Created\":", r.created() ? "true" : "false", "}");
    out_ << s << "\n";
  }

  void Grant(const LeaseGrantResponse& r) override {
    out_ << "{" << FlatHeader(r, r.header(), r.has_header()) << "\"ID\":" << r.id()
         << ",\"TTL\":" << r.ttl() << ",\"Error\":" << GoJsonString(r.error()) << "}\n";
  }
  void KeepAlive(const LeaseKeepAliveResponse& r) override {
    out_ << "{" << FlatHeader(r, r.header(), r.has_header()) << "\"ID\":" << r.id()
         << ",\"TTL\":" << r.ttl() << "}\n";
  }
  void TimeToLive(const LeaseTimeToLiveResponse& r, bool) override {
    std::string keys = "null";
    if (r.keys_size() > 0) {
      keys = "[";
      for (int i = 0; i < r.keys_size(); ++i) {
        if (i > 0) keys += ',';
        keys += "\"" + Base64(r.keys(i)) + "\"";
      }
      keys += "]";
    }
    out_ << "{" << FlatHeader(r, r.header(), r.has_header()) << "\"id\":" << r.id()
         << ",\"ttl\":" << r.ttl() << ",\"granted-ttl\":" << r.grantedttl() << ",\"keys\":" << keys
         << "}\n";
  }
  void Leases(const LeaseLeasesResponse& r) override {
    std::string leases = "[";
    for (int i = 0; i < r.leases_size(); ++i) {
      if (i > 0) leases += ',';
      absl::StrAppend(&leases, "{\"id\":", r.leases(i).id(), "}");
    }
    leases += "]";
    out_ << "{" << FlatHeader(r, r.header(), r.has_header()) << "\"leases\":" << leases << "}\n";
  }

  void EndpointHealth(const std::vector<EpHealth>& hs) override {
    std::string s = "[";
    for (size_t i = 0; i < hs.size(); ++i) {
      if (i > 0) s += ',';
      absl::StrAppend(&s, "{\"endpoint\":", GoJsonString(hs[i].ep),
                      ",\"health\":", hs[i].health ? "true" : "false",
                      ",\"took\":", GoJsonString(hs[i].took));
      if (!hs[i].error.empty()) absl::StrAppend(&s, ",\"error\":", GoJsonString(hs[i].error));
      s += "}";
    }
    out_ << s << "]\n";
  }
  void EndpointStatus(const std::vector<EpStatus>& ss) override {
    std::string s = "[";
    for (size_t i = 0; i < ss.size(); ++i) {
      if (i > 0) s += ',';
      absl::StrAppend(&s, "{\"Endpoint\":", GoJsonString(ss[i].ep),
                      ",\"Status\":", GoJson(ss[i].resp), "}");
    }
    out_ << s << "]\n";
  }
  void EndpointHashKV(const std::vector<EpHashKV>& hs) override {
    std::string s = "[";
    for (size_t i = 0; i < hs.size(); ++i) {
      if (i > 0) s += ',';
      absl::StrAppend(&s, "{\"Endpoint\":", GoJsonString(hs[i].ep),
                      ",\"HashKV\":", GoJson(hs[i].resp), "}");
    }
    out_ << s << "]\n";
  }
  void MoveLeader(uint64_t, uint64_t, const MoveLeaderResponse& r) override { Msg(r); }
  void DBStatus(const SnapshotStatus& st) override {
    out_ << "{\"hash\":" << st.hash << ",\"revision\":" << st.revision
         << ",\"totalKey\":" << st.total_key << ",\"totalSize\":" << st.total_size << "}\n";
  }
};

class ProtobufPrinter final : public WholeMessagePrinter {
 public:
  ProtobufPrinter(std::ostream& out, std::ostream& err)
      : WholeMessagePrinter("protobuf", out, err) {}

  void Msg(const google::protobuf::Message& m) override { out_ << m.SerializeAsString(); }
  // clientv3's lease responses embed *pb.ResponseHeader, whose Marshal Go promotes:
  // etcdctl writes just the header's bytes for them.
  void HeaderOnly(const ResponseHeader& h) { Msg(h); }

  void Watch(const WatchResponse& r) override {
    WatchResponse w;
    *w.mutable_header() = r.header();
    *w.mutable_events() = r.events();
    w.set_compact_revision(r.compact_revision());
    w.set_canceled(r.canceled());
    w.set_created(r.created());
    Msg(w);
  }
  void Grant(const LeaseGrantResponse& r) override { HeaderOnly(r.header()); }
  void KeepAlive(const LeaseKeepAliveResponse& r) override { HeaderOnly(r.header()); }
  void TimeToLive(const LeaseTimeToLiveResponse& r, bool) override { HeaderOnly(r.header()); }
  void Leases(const LeaseLeasesResponse& r) override { HeaderOnly(r.header()); }
};

class TablePrinter final : public Printer {
 public:
  TablePrinter(std::ostream& out, std::ostream& err) : Printer("table", out, err) {}
  void MemberList(const MemberListResponse& r) override {
    out_ << RenderTable({"ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"},
                        MemberListRows(r));
  }
  void EndpointHealth(const std::vector<EpHealth>& hs) override {
    out_ << RenderTable({"endpoint", "health", "took", "error"}, EndpointHealthRows(hs));
  }
  void EndpointStatus(const std::vector<EpStatus>& ss) override {
    out_ << RenderTable({"endpoint", "ID", "version", "db size", "is leader", "is learner",
                         "raft term", "raft index", "raft applied index", "errors"},
                        EndpointStatusRows(ss));
  }
  void EndpointHashKV(const std::vector<EpHashKV>& hs) override {
    out_ << RenderTable({"endpoint", "hash"}, EndpointHashKVRows(hs));
  }
  void DBStatus(const SnapshotStatus& s) override {
    out_ << RenderTable({"hash", "revision", "total keys", "total size"}, DBStatusRows(s));
  }
};

}  // namespace

std::unique_ptr<Printer> NewJsonPrinter(std::ostream& out, std::ostream& err) {
  return std::make_unique<JsonPrinter>(out, err);
}
std::unique_ptr<Printer> NewProtobufPrinter(std::ostream& out, std::ostream& err) {
  return std::make_unique<ProtobufPrinter>(out, err);
}
std::unique_ptr<Printer> NewTablePrinter(std::ostream& out, std::ostream& err) {
  return std::make_unique<TablePrinter>(out, err);
}

}  // namespace etcd::etcdctl
