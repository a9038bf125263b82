#include "api/gateway_json.h"

#include "etcdserverpb/rpc.pb.h"
#include "gtest/gtest.h"

namespace etcd::api {
namespace {

using etcdserverpb::RangeRequest;

void FillHeader(etcdserverpb::ResponseHeader* h, int64_t rev) {
  h->set_cluster_id(324952591200643719u);
  h->set_member_id(3319814642761637952u);
  h->set_revision(rev);
  h->set_raft_term(2);
}

// Expected strings: etcd 3.4.23's gateway output for the same messages.
TEST(GatewayJsonTest, MarshalMatchesEtcd) {
  etcdserverpb::PutResponse put;
  FillHeader(put.mutable_header(), 2);
  EXPECT_EQ(
      GatewayMarshal(put),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"}})");

  etcdserverpb::RangeResponse range;
  FillHeader(range.mutable_header(), 2);
  auto* kv = range.add_kvs();
  kv->set_key("foo");
  kv->set_create_revision(2);
  kv->set_mod_revision(2);
  kv->set_version(1);
  kv->set_value("bar");
  range.set_count(1);
  EXPECT_EQ(
      GatewayMarshal(range),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}],"count":"1"})");

  // Txn with nested responses: inner headers carry only the revision; a nested txn's
  // header is empty but present.
  etcdserverpb::TxnResponse txn;
  FillHeader(txn.mutable_header(), 2);
  txn.set_succeeded(true);
  auto* r1 = txn.add_responses()->mutable_response_range();
  r1->mutable_header()->set_revision(2);
  auto* kv1 = r1->add_kvs();
  kv1->set_key("a");
  kv1->set_create_revision(2);
  kv1->set_mod_revision(2);
  kv1->set_version(1);
  kv1->set_value("<>&\xe2\x80\xa8\"");
  r1->set_count(1);
  txn.add_responses()->mutable_response_delete_range()->mutable_header()->set_revision(2);
  auto* nested = txn.add_responses()->mutable_response_txn();
  nested->mutable_header();
  nested->set_succeeded(true);
  EXPECT_EQ(
      GatewayMarshal(txn),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"},"succeeded":true,"responses":[{"response_range":{"header":{"revision":"2"},"kvs":[{"key":"YQ==","create_revision":"2","mod_revision":"2","version":"1","value":"PD4m4oCoIg=="}],"count":"1"}},{"response_delete_range":{"header":{"revision":"2"}}},{"response_txn":{"header":{},"succeeded":true}}]})");

  etcdserverpb::LeaseTimeToLiveResponse ttl;
  FillHeader(ttl.mutable_header(), 1);
  ttl.set_id(1);
  ttl.set_ttl(-1);
  EXPECT_EQ(
      GatewayMarshal(ttl),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"1","raft_term":"2"},"ID":"1","TTL":"-1"})");

  etcdserverpb::HashResponse hash;  // uint32: a JSON number
  FillHeader(hash.mutable_header(), 1);
  hash.set_hash(2238069238u);
  EXPECT_EQ(
      GatewayMarshal(hash),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"1","raft_term":"2"},"hash":2238069238})");

  EXPECT_EQ(GatewayMarshal(etcdserverpb::AlarmResponse()), "{}");

  etcdserverpb::MemberListResponse members;
  FillHeader(members.mutable_header(), 0);
  auto* m = members.add_members();
  m->set_id(11763558234091656342u);
  m->set_name("o1");
  m->add_peerurls("http://127.0.0.1:31792");
  m->add_clienturls("http://127.0.0.1:31791");
  EXPECT_EQ(
      GatewayMarshal(members),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","raft_term":"2"},"members":[{"ID":"11763558234091656342","name":"o1","peerURLs":["http://127.0.0.1:31792"],"clientURLs":["http://127.0.0.1:31791"]}]})");

  etcdserverpb::WatchResponse w;
  FillHeader(w.mutable_header(), 6);
  w.set_watch_id(-1);
  w.set_created(true);
  w.set_canceled(true);
  w.set_cancel_reason("mvcc: watcher range is empty");
  EXPECT_EQ(
      GatewayMarshal(w),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"6","raft_term":"2"},"watch_id":"-1","created":true,"canceled":true,"cancel_reason":"mvcc: watcher range is empty"})");
  etcdserverpb::WatchResponse del;
  auto* ev = del.add_events();
  ev->set_type(mvccpb::Event::DELETE);
  ev->mutable_kv()->set_key("foo");
  ev->mutable_kv()->set_mod_revision(6);
  EXPECT_EQ(GatewayMarshal(del),
            R"({"events":[{"type":"DELETE","kv":{"key":"Zm9v","mod_revision":"6"}}]})");
}

TEST(GatewayJsonTest, UnmarshalAcceptsWhatJsonpbAccepts) {
  RangeRequest r;
  ASSERT_TRUE(
      GatewayUnmarshal(
          R"({"key":"Zm9v","range_end":"Zm9w","limit":"2","revision":3,"sort_order":"DESCEND","sortTarget":1,"count_only":true,"bogus":{"x":[1]},"min_mod_revision":null})",
          &r)
          .ok());
  EXPECT_EQ(r.key(), "foo");
  EXPECT_EQ(r.range_end(), "fop");
  EXPECT_EQ(r.limit(), 2);
  EXPECT_EQ(r.revision(), 3);
  EXPECT_EQ(r.sort_order(), RangeRequest::DESCEND);
  EXPECT_EQ(r.sort_target(), RangeRequest::VERSION);
  EXPECT_TRUE(r.count_only());

  // The proto name wins over the camelCase one when both are given.
  ASSERT_TRUE(GatewayUnmarshal(R"({"rangeEnd":"YQ==","range_end":"Yg=="})", &r).ok());
  EXPECT_EQ(r.key(), "");  // cleared
  EXPECT_EQ(r.range_end(), "b");

  // Empty and null bodies are empty requests.
  EXPECT_TRUE(GatewayUnmarshal("", &r).ok());
  EXPECT_TRUE(GatewayUnmarshal("null", &r).ok());

  etcdserverpb::TxnRequest txn;
  ASSERT_TRUE(
      GatewayUnmarshal(
          R"({"compare":[{"key":"Zm9v","result":"EQUAL","target":"VALUE","value":"YmFy"}],"success":[{"request_put":{"key":"Zm9v","value":"YmF6"}}]})",
          &txn)
          .ok());
  ASSERT_EQ(txn.compare_size(), 1);
  EXPECT_EQ(txn.compare(0).target(), etcdserverpb::Compare::VALUE);
  EXPECT_EQ(txn.compare(0).value(), "bar");
  ASSERT_EQ(txn.success_size(), 1);
  EXPECT_EQ(txn.success(0).request_put().value(), "baz");

  etcdserverpb::LeaseKeepAliveRequest ka;
  ASSERT_TRUE(GatewayUnmarshal(R"({"ID":"1483551238981299477"})", &ka).ok());
  EXPECT_EQ(ka.id(), 1483551238981299477);
}

// Error texts of etcd 3.4.23's gateway for the same bodies on /v3/kv/range.
TEST(GatewayJsonTest, UnmarshalErrorsAreGos) {
  struct Case {
    std::string body;
    std::string want;
  } cases[] = {
      {"123", "json: cannot unmarshal number into Go value of type map[string]json.RawMessage"},
      {"\"x\"", "json: cannot unmarshal string into Go value of type map[string]json.RawMessage"},
      {"[1]", "json: cannot unmarshal array into Go value of type map[string]json.RawMessage"},
      {"true", "json: cannot unmarshal bool into Go value of type map[string]json.RawMessage"},
      {R"({"key":123})", "json: cannot unmarshal number into Go value of type []uint8"},
      {R"({"key":"YQ==","limit":"x"})", "invalid character 'x' looking for beginning of value"},
      {R"({"key":"YQ==","limit":1.5})",
       "json: cannot unmarshal number 1.5 into Go value of type int64"},
      {R"({"key":"YQ==","sort_order":"NOPE"})",
       "unknown value \"NOPE\" for enum etcdserverpb.RangeRequest_SortOrder"},
      {R"({"key":"YQ==","keys_only":"true"})",
       "json: cannot unmarshal string into Go value of type bool"},
      {R"({"key":"YQ","range_end":null})", "illegal base64 data at input byte 0"},
      {R"({"key":"YW"})", "illegal base64 data at input byte 0"},
      {R"({"key":"YQ==","revision":99999999999999999999})",
       "json: cannot unmarshal number 99999999999999999999 into Go value of type int64"},
      {R"({"key":"YQ==","serializable":1})",
       "json: cannot unmarshal number into Go value of type bool"},
      {R"({"key":"YQ==","revision":"0x10"})", "invalid character 'x' after top-level value"},
      {R"({"key":"YQ==","limit":"1e2"})",
       "json: cannot unmarshal number 1e2 into Go value of type int64"},
      {R"({"key":"YQ==","limit":1e2})",
       "json: cannot unmarshal number 1e2 into Go value of type int64"},
      {"nonsense", "invalid character 'o' in literal null (expecting 'u')"},
      {"{", "unexpected EOF"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    RangeRequest r;
    absl::Status s = GatewayUnmarshal(c.body, &r);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), c.want);
  }
  etcdserverpb::LeaseRevokeRequest revoke;
  EXPECT_EQ(GatewayUnmarshal(R"({"ID":"-1x"})", &revoke).message(),
            "invalid character 'x' after top-level value");
  etcdserverpb::MemberRemoveRequest remove;  // uint64
  EXPECT_EQ(GatewayUnmarshal(R"({"ID":-1})", &remove).message(),
            "json: cannot unmarshal number -1 into Go value of type uint64");
  etcdserverpb::MemberAddRequest add;
  EXPECT_EQ(GatewayUnmarshal(R"({"peerURLs":"x"})", &add).message(),
            "json: cannot unmarshal string into Go value of type []json.RawMessage");
}

}  // namespace
}  // namespace etcd::api
