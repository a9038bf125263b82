// Output of every format for representative responses, as etcdctl 3.4.23 prints them
// (expected texts from reference/etcdctl.md captures).
#include "tools/etcdctl/printer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tools/etcdctl/exit.h"

namespace etcd::etcdctl {
namespace {

using namespace etcdserverpb;  // NOLINT

ResponseHeader Hdr(int64_t rev) {
  ResponseHeader h;
  h.set_cluster_id(3709480356198950786ULL);
  h.set_member_id(6542233601674118642ULL);
  h.set_revision(rev);
  h.set_raft_term(2);
  return h;
}

struct Out {
  std::ostringstream out, err;
  std::unique_ptr<Printer> p;
  explicit Out(const std::string& format, bool hex = false)
      : p(NewPrinter(format, hex, out, err)) {}
};

TEST(PrinterTest, UnknownFormat) {
  std::ostringstream o, e;
  EXPECT_EQ(NewPrinter("yaml", false, o, e), nullptr);
}

TEST(PrinterTest, PutInEveryFormat) {
  PutResponse r;
  *r.mutable_header() = Hdr(3);
  Out s("simple");
  s.p->Put(r);
  EXPECT_EQ(s.out.str(), "OK\n");
  Out j("json");
  j.p->Put(r);
  EXPECT_EQ(j.out.str(),
            "{\"header\":{\"cluster_id\":3709480356198950786,\"member_id\":6542233601674118642,"
            "\"revision\":3,\"raft_term\":2}}\n");
  Out f("fields");
  f.p->Put(r);
  EXPECT_EQ(f.out.str(),
            "\"ClusterID\" : 3709480356198950786\n\"MemberID\" : 6542233601674118642\n"
            "\"Revision\" : 3\n\"RaftTerm\" : 2\n");
  Out pb("protobuf");
  pb.p->Put(r);
  EXPECT_EQ(pb.out.str(), r.SerializeAsString());
  Out t("table");
  try {
    t.p->Put(r);
    FAIL() << "table put must fail";
  } catch (const CtlExit& e) {
    EXPECT_EQ(e.code, kExitBadFeature);
    EXPECT_EQ(e.message, "table not supported as output format");
  }
}

TEST(PrinterTest, GetSimpleHexAndValueOnly) {
  RangeResponse r;
  auto* kv = r.add_kvs();
  kv->set_key("foo");
  kv->set_value("bar5");
  Out s("simple");
  s.p->Get(r);
  EXPECT_EQ(s.out.str(), "foo\nbar5\n");
  Out h("simple", true);
  h.p->Get(r);
  EXPECT_EQ(h.out.str(), "\\x66\\x6f\\x6f\n\\x62\\x61\\x72\\x35\n");
  Out v("simple");
  v.p->set_value_only(true);
  v.p->Get(r);
  EXPECT_EQ(v.out.str(), "bar5\n");
}

TEST(PrinterTest, TxnSimpleAndFields) {
  TxnResponse t;
  *t.mutable_header() = Hdr(17);
  t.set_succeeded(true);
  t.add_responses()->mutable_response_put()->mutable_header()->set_revision(17);
  auto* rr = t.add_responses()->mutable_response_range();
  rr->mutable_header()->set_revision(17);
  auto* kv = rr->add_kvs();
  kv->set_key("foo");
  kv->set_value("bar");
  Out s("simple");
  s.p->Txn(t);
  EXPECT_EQ(s.out.str(), "SUCCESS\n\nOK\n\nfoo\nbar\n");
  Out f("fields");
  f.p->Txn(t);
  EXPECT_NE(f.out.str().find("\"Succeeded\" : true\n\"ClusterID\" : 0\n\"MemberID\" : 0\n"
                             "\"Revision\" : 17\n\"RaftTerm\" : 0\n"),
            std::string::npos);
}

TEST(PrinterTest, LeaseFormats) {
  LeaseGrantResponse g;
  *g.mutable_header() = Hdr(17);
  g.set_id(428583024089156398);
  g.set_ttl(60);
  Out s("simple");
  s.p->Grant(g);
  EXPECT_EQ(s.out.str(), "lease 05f2a1fd5b98cb2e granted with TTL(60s)\n");
  Out j("json");
  j.p->Grant(g);
  EXPECT_EQ(
      j.out.str(),
      "{\"cluster_id\":3709480356198950786,\"member_id\":6542233601674118642,"
      "\"revision\":17,\"raft_term\":2,\"ID\":428583024089156398,\"TTL\":60,\"Error\":\"\"}\n");
  Out pb("protobuf");
  pb.p->Grant(g);
  EXPECT_EQ(pb.out.str(), g.header().SerializeAsString());  // Go's promoted header Marshal

  LeaseTimeToLiveResponse t;
  *t.mutable_header() = Hdr(17);
  t.set_id(305441741);
  t.set_ttl(-1);
  Out s2("simple");
  s2.p->TimeToLive(t, false);
  EXPECT_EQ(s2.out.str(), "lease 000000001234abcd already expired\n");
  Out j2("json");
  j2.p->TimeToLive(t, false);
  EXPECT_EQ(j2.out.str(),
            "{\"cluster_id\":3709480356198950786,\"member_id\":6542233601674118642,"
            "\"revision\":17,\"raft_term\":2,\"id\":305441741,\"ttl\":-1,\"granted-ttl\":0,"
            "\"keys\":null}\n");
  t.set_ttl(99);
  t.set_grantedttl(100);
  t.add_keys("lk1");
  t.add_keys("lk2");
  Out s3("simple");
  s3.p->TimeToLive(t, true);
  EXPECT_EQ(
      s3.out.str(),
      "lease 000000001234abcd granted with TTL(100s), remaining(99s), attached keys([lk1 lk2])\n");

  LeaseLeasesResponse l;
  *l.mutable_header() = Hdr(17);
  l.add_leases()->set_id(428583024089156396);
  Out s4("simple");
  s4.p->Leases(l);
  EXPECT_EQ(s4.out.str(), "found 1 leases\n05f2a1fd5b98cb2c\n");
  Out j4("json");
  j4.p->Leases(l);
  EXPECT_EQ(j4.out.str(),
            "{\"cluster_id\":3709480356198950786,\"member_id\":6542233601674118642,"
            "\"revision\":17,\"raft_term\":2,\"leases\":[{\"id\":428583024089156396}]}\n");
}

TEST(PrinterTest, WatchSimpleAndJson) {
  WatchResponse w;
  *w.mutable_header() = Hdr(5);
  auto* e = w.add_events();
  e->mutable_kv()->set_key("wk");
  e->mutable_kv()->set_value("v2");
  e->mutable_prev_kv()->set_key("wk");
  e->mutable_prev_kv()->set_value("v1");
  Out s("simple");
  s.p->Watch(w);
  EXPECT_EQ(s.out.str(), "PUT\nwk\nv1\nwk\nv2\n");
  WatchResponse c;
  *c.mutable_header() = Hdr(5);
  c.set_compact_revision(5);
  c.set_canceled(true);
  Out j("json");
  j.p->Watch(c);
  EXPECT_EQ(j.out.str(),
            "{\"Header\":{\"cluster_id\":3709480356198950786,\"member_id\":6542233601674118642,"
            "\"revision\":5,\"raft_term\":2},\"Events\":[],\"CompactRevision\":5,"
            "\"Canceled\":true,\"Created\":false}\n");
}

TEST(PrinterTest, MemberListSimpleAndTable) {
  MemberListResponse m;
  auto* a = m.add_members();
  a->set_id(0x5acaaecc696905f2ULL);
  a->set_name("n1");
  a->add_peerurls("http://127.0.0.1:32380");
  a->add_clienturls("http://127.0.0.1:32379");
  auto* b = m.add_members();
  b->set_id(0x576827d3c5ab3522ULL);
  b->add_peerurls("http://127.0.0.1:32780");
  b->set_islearner(true);
  Out s("simple");
  s.p->MemberList(m);
  EXPECT_EQ(s.out.str(),
            "5acaaecc696905f2, started, n1, http://127.0.0.1:32380, http://127.0.0.1:32379, false\n"
            "576827d3c5ab3522, unstarted, , http://127.0.0.1:32780, , true\n");
  m.mutable_members()->RemoveLast();
  Out t("table");
  t.p->MemberList(m);
  EXPECT_EQ(t.out.str(),
            "+------------------+---------+------+------------------------+------------------------"
            "+------------+\n"
            "|        ID        | STATUS  | NAME |       PEER ADDRS       |      CLIENT ADDRS      "
            "| IS LEARNER |\n"
            "+------------------+---------+------+------------------------+------------------------"
            "+------------+\n"
            "| 5acaaecc696905f2 | started |   n1 | http://127.0.0.1:32380 | http://127.0.0.1:32379 "
            "|      false |\n"
            "+------------------+---------+------+------------------------+------------------------"
            "+------------+\n");
}

TEST(PrinterTest, MemberAddSpacePadsIds) {
  MemberAddResponse r;
  r.mutable_header()->set_cluster_id(0x337ab8baf4872782ULL);
  r.mutable_member()->set_id(0xae32ed043a07af4ULL);
  Out s("simple");
  s.p->MemberAdd(r);
  EXPECT_EQ(s.out.str(), "Member  ae32ed043a07af4 added to cluster 337ab8baf4872782\n");
  Out f("fields");
  EXPECT_THROW(f.p->MemberAdd(r), CtlExit);
}

TEST(PrinterTest, EndpointHealthAndStatus) {
  std::vector<EpHealth> hs = {
      {"127.0.0.1:22379", true, "4.078747ms", ""},
      {"127.0.0.1:22999", false, "5.001251036s", "context deadline exceeded"}};
  Out s("simple");
  s.p->EndpointHealth(hs);
  EXPECT_EQ(s.out.str(), "");
  EXPECT_EQ(s.err.str(),
            "127.0.0.1:22379 is healthy: successfully committed proposal: took = 4.078747ms\n"
            "127.0.0.1:22999 is unhealthy: failed to commit proposal: context deadline exceeded\n");
  Out j("json");
  j.p->EndpointHealth(hs);
  EXPECT_EQ(j.out.str(),
            "[{\"endpoint\":\"127.0.0.1:22379\",\"health\":true,\"took\":\"4.078747ms\"},"
            "{\"endpoint\":\"127.0.0.1:22999\",\"health\":false,\"took\":\"5.001251036s\","
            "\"error\":\"context deadline exceeded\"}]\n");
  Out t("table");
  t.p->EndpointHealth(hs);
  EXPECT_EQ(t.out.str(),
            "+-----------------+--------+--------------+---------------------------+\n"
            "|    ENDPOINT     | HEALTH |     TOOK     |           ERROR           |\n"
            "+-----------------+--------+--------------+---------------------------+\n"
            "| 127.0.0.1:22379 |   true |   4.078747ms |                           |\n"
            "| 127.0.0.1:22999 |  false | 5.001251036s | context deadline exceeded |\n"
            "+-----------------+--------+--------------+---------------------------+\n");

  EpStatus st;
  st.ep = "127.0.0.1:32379";
  *st.resp.mutable_header() = Hdr(0);
  st.resp.set_version("3.4.23");
  st.resp.set_dbsize(20480);
  st.resp.set_leader(6542233601674118642ULL);
  st.resp.set_raftindex(39);
  st.resp.set_raftterm(2);
  st.resp.set_raftappliedindex(39);
  Out s2("simple");
  s2.p->EndpointStatus({st});
  EXPECT_EQ(s2.out.str(),
            "127.0.0.1:32379, 5acaaecc696905f2, 3.4.23, 20 kB, true, false, 2, 39, 39, \n");
}

TEST(PrinterTest, RoleGetSimple) {
  AuthRoleGetResponse r;
  auto* p1 = r.add_perm();
  p1->set_permtype(authpb::Permission::READWRITE);
  p1->set_key("/app/");
  p1->set_range_end("/app0");
  auto* p2 = r.add_perm();
  p2->set_key("/cfg");
  Out s("simple");
  s.p->RoleGet("app", r);
  EXPECT_EQ(s.out.str(),
            "Role app\nKV Read:\n\t[/app/, /app0) (prefix /app/)\n\t/cfg\nKV Write:\n"
            "\t[/app/, /app0) (prefix /app/)\n");
  Out j("json");
  j.p->RoleGet("app", r);
  EXPECT_EQ(j.out.str(),
            "{\"perm\":[{\"permType\":2,\"key\":\"L2FwcC8=\",\"range_end\":\"L2FwcDA=\"},"
            "{\"key\":\"L2NmZw==\"}]}\n");
}

TEST(PrinterTest, UserAndAlarm) {
  AuthUserGetResponse u;
  u.add_roles("app");
  Out s("simple");
  s.p->UserGet("alice", u);
  EXPECT_EQ(s.out.str(), "User: alice\nRoles: app\n");
  AlarmResponse a;
  auto* m = a.add_alarms();
  m->set_memberid(42);
  m->set_alarm(NOSPACE);
  Out s2("simple");
  s2.p->Alarm(a);
  EXPECT_EQ(s2.out.str(), "memberID:42 alarm:NOSPACE \n");
}

TEST(PrinterTest, DBStatus) {
  SnapshotStatus st{0xa85f1ff2, 43, 53, 24576};
  Out s("simple");
  s.p->DBStatus(st);
  EXPECT_EQ(s.out.str(), "a85f1ff2, 43, 53, 25 kB\n");
  Out j("json");
  j.p->DBStatus(st);
  EXPECT_EQ(j.out.str(),
            "{\"hash\":2824806386,\"revision\":43,\"totalKey\":53,\"totalSize\":24576}\n");
}

TEST(PrinterTest, PrefixRangeEnd) {
  EXPECT_EQ(PrefixRangeEnd("/app/"), "/app0");
  EXPECT_EQ(PrefixRangeEnd("a\xff"), "b");
  EXPECT_EQ(PrefixRangeEnd("\xff"), std::string(1, '\0'));
}

}  // namespace
}  // namespace etcd::etcdctl
