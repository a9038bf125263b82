#include "tools/etcdctl/pb_json.h"

#include <gtest/gtest.h>

#include "etcdserverpb/rpc.pb.h"

namespace etcd::etcdctl {
namespace {

using namespace etcdserverpb;  // NOLINT

TEST(PbJsonTest, RangeResponseAsEtcdctl) {
  RangeResponse r;
  r.mutable_header()->set_cluster_id(3709480356198950786ULL);
  r.mutable_header()->set_member_id(6542233601674118642ULL);
  r.mutable_header()->set_revision(11);
  r.mutable_header()->set_raft_term(2);
  auto* kv = r.add_kvs();
  kv->set_key("foo");
  kv->set_create_revision(2);
  kv->set_mod_revision(8);
  kv->set_version(7);
  kv->set_value("bar5");
  r.set_more(true);
  r.set_count(3);
  EXPECT_EQ(GoJson(r),
            "{\"header\":{\"cluster_id\":3709480356198950786,\"member_id\":6542233601674118642,"
            "\"revision\":11,\"raft_term\":2},\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":2,"
            "\"mod_revision\":8,\"version\":7,\"value\":\"YmFyNQ==\"}],\"more\":true,\"count\":3}");
}

TEST(PbJsonTest, ZeroFieldsAreLeftOut) {
  RangeResponse r;
  r.mutable_header()->set_revision(11);
  EXPECT_EQ(GoJson(r), "{\"header\":{\"revision\":11}}");
  DeleteRangeResponse d;
  EXPECT_EQ(GoJson(d), "{}");
}

TEST(PbJsonTest, OneofWithGoNames) {
  TxnResponse t;
  t.mutable_header()->set_revision(19);
  t.set_succeeded(true);
  t.add_responses()->mutable_response_delete_range()->set_deleted(1);
  EXPECT_EQ(GoJson(t),
            "{\"header\":{\"revision\":19},\"succeeded\":true,\"responses\":[{\"Response\":"
            "{\"ResponseDeleteRange\":{\"deleted\":1}}}]}");
  EXPECT_EQ(GoCamelName("response_range"), "ResponseRange");
}

TEST(PbJsonTest, MemberNamesAsInProto) {
  MemberListResponse m;
  auto* mem = m.add_members();
  mem->set_id(6542233601674118642ULL);
  mem->set_name("n1");
  mem->add_peerurls("http://127.0.0.1:32380");
  EXPECT_EQ(GoJson(m),
            "{\"members\":[{\"ID\":6542233601674118642,\"name\":\"n1\",\"peerURLs\":"
            "[\"http://127.0.0.1:32380\"]}]}");
}

}  // namespace
}  // namespace etcd::etcdctl
