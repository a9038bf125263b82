#include "api/gateway.h"

#include <curl/curl.h>

#include "../watch/fake_event_history.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "test_port.h"
#include "watch/watchable_store.h"

namespace etcd::api {
namespace {

using testing::Http;
using testing::HttpResult;
using testing::TestPort;

constexpr char kHeader[] =
    R"("header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"})";

// Bodies and headers: etcd 3.4.23 (see docs/design/client-port.md).
TEST(GatewayTest, PutAndRangeAsEtcd) {
  TestPort t;
  t.api().on_Range = [&](const server::RequestContext&, const etcdserverpb::RangeRequest& req,
                         server::Done<etcdserverpb::RangeResponse> done) {
    etcdserverpb::RangeResponse r;
    t.api().FillHeader(r.mutable_header());
    if (req.count_only()) {
      r.set_count(1);
      return done(std::move(r));
    }
    auto* kv = r.add_kvs();
    kv->set_key(req.key());
    kv->set_create_revision(2);
    kv->set_mod_revision(2);
    kv->set_version(1);
    kv->set_value("bar");
    r.set_count(1);
    done(std::move(r));
  };
  HttpResult r = Http("POST", t.url("/v3/kv/put"), R"({"key":"Zm9v","value":"YmFy"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string("{") + kHeader + "}");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Grpc-Metadata-Content-Type"), "application/grpc");
  EXPECT_EQ(r.Header("Content-Length"), "111");
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");

  r = Http("POST", t.url("/v3/kv/range"), R"({"key":"Zm9v"})");
  EXPECT_EQ(
      r.body,
      std::string("{") + kHeader +
          R"(,"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}],"count":"1"})");
  r = Http("POST", t.url("/v3beta/kv/range"),
           R"({"key":"Zm9v","range_end":"Zm9w","count_only":true})");
  EXPECT_EQ(r.body, std::string("{") + kHeader + R"(,"count":"1"})");
}

TEST(GatewayTest, RpcErrorBodyStatusAndTrailer) {
  TestPort t;
  t.api().on_Range = [](const server::RequestContext&, const etcdserverpb::RangeRequest&,
                        server::Done<etcdserverpb::RangeResponse> done) {
    done(errors::Make(errors::Err::kFutureRev));
  };
  HttpResult r = Http("POST", t.url("/v3/kv/range"), R"({"key":"Zm9v","revision":1000})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"error":"etcdserver: mvcc: required revision is a future revision","message":"etcdserver: mvcc: required revision is a future revision","code":11})");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.Header("Trailer"), "Grpc-Trailer-Content-Type");
  EXPECT_EQ(r.Header("Grpc-Trailer-Content-Type"), "application/grpc");  // the trailer

  t.api().on_LeaseRevoke = [](const server::RequestContext&,
                              const etcdserverpb::LeaseRevokeRequest&,
                              server::Done<etcdserverpb::LeaseRevokeResponse> done) {
    done(errors::Make(errors::Err::kLeaseNotFound));
  };
  r = Http("POST", t.url("/v3/kv/lease/revoke"), R"({"ID":"1"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(
      r.body,
      R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})");
  t.api().on_MoveLeader = [](const server::RequestContext&, const etcdserverpb::MoveLeaderRequest&,
                             server::Done<etcdserverpb::MoveLeaderResponse> done) {
    done(errors::Make(errors::Err::kBadLeaderTransferee));
  };
  r = Http("POST", t.url("/v3/maintenance/transfer-leadership"), R"({"targetID":"1"})");
  EXPECT_EQ(r.status, 412);
}

TEST(GatewayTest, DecodeErrorsAre400WithGosMessage) {
  TestPort t;
  HttpResult r = Http("POST", t.url("/v3/kv/range"), "nonsense");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"x({"error":"invalid character 'o' in literal null (expecting 'u')","message":"invalid character 'o' in literal null (expecting 'u')","code":3})x");
  EXPECT_EQ(r.Header("Content-Length"), "140");
  EXPECT_FALSE(r.HasHeader("Trailer"));
  r = Http("POST", t.url("/v3/kv/range"), R"({"key":"!!!"})");
  EXPECT_EQ(
      r.body,
      R"({"error":"illegal base64 data at input byte 0","message":"illegal base64 data at input byte 0","code":3})");
  EXPECT_EQ(t.api().Calls("Range"), 0);
}

TEST(GatewayTest, MethodsAndUnknownPaths) {
  TestPort t;
  for (const char* m : {"GET", "PUT", "DELETE"}) {
    HttpResult r = Http(m, t.url("/v3/kv/range"));
    EXPECT_EQ(r.status, 405) << m;
    EXPECT_EQ(r.body, "Method Not Allowed\n");
    EXPECT_FALSE(r.HasHeader("Allow"));
  }
  for (const char* p : {"/v3/nope", "/v3/", "/v3beta/kv/nope", "/v3/kv/range/", "/v3/kv/RANGE"}) {
    HttpResult r = Http("POST", t.url(p), "{}");
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_EQ(r.body, "Not Found\n") << p;
  }
  EXPECT_EQ(Http("POST", t.url("/v3alpha/kv/range"), "{}").body, "404 page not found\n");
}

TEST(GatewayTest, AuthorizationHeaderIsTheToken) {
  TestPort t;
  Http("POST", t.url("/v3/kv/put"), R"({"key":"YQ=="})", {"Authorization: tok.42"});
  EXPECT_EQ(t.api().LastContext().token, "tok.42");
}

TEST(GatewayTest, AuthRoutesAnswerAsTheGrpcService) {
  TestPort t;
  HttpResult r = Http("POST", t.url("/v3/auth/authenticate"), R"({"name":"root","password":"x"})");
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(
      r.body,
      R"({"error":"etcdserver: authentication is not enabled","message":"etcdserver: authentication is not enabled","code":9})");
  r = Http("POST", t.url("/v3/auth/user/list"), "{}");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string("{") + kHeader + "}");
  r = Http("POST", t.url("/v3/auth/user/get"), R"({"name":"root"})");
  EXPECT_EQ(
      r.body,
      R"({"error":"etcdserver: user name not found","message":"etcdserver: user name not found","code":9})");
}

TEST(GatewayTest, EveryUnaryRouteReachesItsMethod) {
  TestPort t;
  struct Case {
    const char* path;
    const char* method;
  } cases[] = {
      {"/v3/kv/deleterange", "DeleteRange"},
      {"/v3/kv/txn", "Txn"},
      {"/v3/kv/compaction", "Compact"},
      {"/v3/lease/grant", "LeaseGrant"},
      {"/v3/lease/revoke", "LeaseRevoke"},
      {"/v3/lease/timetolive", "LeaseTimeToLive"},
      {"/v3/kv/lease/timetolive", "LeaseTimeToLive"},
      {"/v3/lease/leases", "LeaseLeases"},
      {"/v3/kv/lease/leases", "LeaseLeases"},
      {"/v3/cluster/member/add", "MemberAdd"},
      {"/v3/cluster/member/remove", "MemberRemove"},
      {"/v3/cluster/member/update", "MemberUpdate"},
      {"/v3/cluster/member/list", "MemberList"},
      {"/v3/cluster/member/promote", "MemberPromote"},
      {"/v3/maintenance/alarm", "Alarm"},
      {"/v3/maintenance/status", "Status"},
      {"/v3/maintenance/defragment", "Defragment"},
      {"/v3/maintenance/hash", "Hash"},
  };
  for (const Case& c : cases) {
    const int before = t.api().Calls(c.method);
    HttpResult r = Http("POST", t.url(c.path), "{}");
    EXPECT_EQ(r.status, 200) << c.path;
    EXPECT_EQ(t.api().Calls(c.method), before + 1) << c.path;
  }
  // Alarm GET with no alarms and Defragment: the server's empty message renders as {}.
  EXPECT_EQ(Http("POST", t.url("/v3/maintenance/alarm"), "{}").body, "{}");
  HttpResult lock = Http("POST", t.url("/v3/lock/lock"), R"({"name":"bA=="})");
  EXPECT_EQ(lock.status, 501);
  EXPECT_EQ(
      lock.body,
      R"({"error":"unknown service v3lockpb.Lock","message":"unknown service v3lockpb.Lock","code":12})");
}

TEST(GatewayTest, KeepAliveStreamsOneResultPerRequest) {
  TestPort t;
  HttpResult r =
      Http("POST", t.url("/v3/lease/keepalive"), R"({"ID":"1483551238981299477"}{"ID":"123"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.Header("Grpc-Metadata-Content-Type"), "application/grpc");
  EXPECT_EQ(r.body, std::string("{\"result\":{") + kHeader +
                        R"(,"ID":"1483551238981299477","TTL":"60"}})" + "\n" + "{\"result\":{" +
                        kHeader + R"(,"ID":"123","TTL":"60"}})" + "\n");
  r = Http("POST", t.url("/v3/lease/keepalive"), "nonsense");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(
      r.body,
      R"x({"error":"invalid character 'o' in literal null (expecting 'u')","message":"invalid character 'o' in literal null (expecting 'u')","code":2})x");
}

TEST(GatewayTest, KeepAliveErrorEndsTheStream) {
  TestPort t;
  int n = 0;
  t.api().on_LeaseRenew = [&](const server::RequestContext&,
                              const etcdserverpb::LeaseKeepAliveRequest& req,
                              server::Done<etcdserverpb::LeaseKeepAliveResponse> done) {
    if (++n == 2) return done(errors::Make(errors::Err::kNoLeader));
    etcdserverpb::LeaseKeepAliveResponse r;
    r.set_id(req.id());
    r.set_ttl(5);
    // Answer from another thread, as the server would.
    std::thread([done, r] { done(r); }).detach();
  };
  HttpResult r = Http("POST", t.url("/v3/lease/keepalive"), R"({"ID":"1"} {"ID":"2"} {"ID":"3"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      "{\"result\":{\"ID\":\"1\",\"TTL\":\"5\"}}\n"
      R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"Service Unavailable"}})");
  EXPECT_EQ(n, 2);
}

// Reads a streamed answer until `lines` complete lines arrived, then hangs up.
std::vector<std::string> ReadLines(const std::string& url, const std::string& body, size_t lines,
                                   std::function<void()> after_first = nullptr) {
  struct State {
    std::string buf;
    std::vector<std::string> lines;
    size_t want;
    std::function<void()> after_first;
  } st{"", {}, lines, std::move(after_first)};
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* u) -> size_t {
        auto* st = static_cast<State*>(u);
        st->buf.append(d, s * n);
        size_t nl;
        while ((nl = st->buf.find('\n')) != std::string::npos) {
          st->lines.push_back(st->buf.substr(0, nl));
          st->buf.erase(0, nl + 1);
          if (st->lines.size() == 1 && st->after_first) st->after_first();
        }
        return st->lines.size() >= st->want ? 0 : s * n;  // 0: hang up
      });
  curl_easy_perform(c);
  curl_easy_cleanup(c);
  return st.lines;
}

TEST(GatewayTest, WatchStreamsCreatedAckThenEvents) {
  auto o = TestPort::DefaultOptions();
  o.http_stream_check_interval = std::chrono::milliseconds(20);
  TestPort t(o);
  mvcc::testing::FakeEventHistory history;
  FakeClock clock;
  history.Put("foo", "bar");  // revision 2; the store starts from the history
  // One response per revision: this test checks how the gateway streams each response;
  // joining events into a waiting response is the watch store's (watchable_store_test).
  mvcc::WatchOptions wo;
  wo.coalesce_events = false;
  mvcc::WatchableStore store(&history, &clock, wo);
  store.Start();
  t.api().watchable = &store;
  t.api().revision = 2;

  auto lines = ReadLines(t.url("/v3/watch"), R"({"create_request":{"key":"Zm9v"}})", 3, [&] {
    std::thread([&] {
      auto evs = history.Put("foo", "baz");
      store.Notify(history.CommittedRev(), evs);
      evs = history.Delete("foo");
      store.Notify(history.CommittedRev(), evs);
    }).join();
  });
  ASSERT_EQ(lines.size(), 3u);
  const std::string h =
      R"("header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":")";
  EXPECT_EQ(lines[0], "{\"result\":{" + h + R"(2","raft_term":"2"},"created":true}})");
  EXPECT_EQ(
      lines[1],
      "{\"result\":{" + h +
          R"(3","raft_term":"2"},"events":[{"kv":{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"2","value":"YmF6"}}]}})");
  EXPECT_EQ(
      lines[2],
      "{\"result\":{" + h +
          R"(4","raft_term":"2"},"events":[{"type":"DELETE","kv":{"key":"Zm9v","mod_revision":"4"}}]}})");
  // The client hung up: the port closes the watch (no watcher left).
  for (int i = 0; i < 200 && store.Stats().watchers > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(store.Stats().watchers, 0u);
  t.port().Shutdown();
  store.Stop();
}

TEST(GatewayTest, WatchControlRequests) {
  TestPort t;
  mvcc::testing::FakeEventHistory history;
  FakeClock clock;
  mvcc::WatchableStore store(&history, &clock);
  store.Start();
  t.api().watchable = &store;
  auto lines = ReadLines(
      t.url("/v3/watch"),
      R"({"create_request":{"key":"Zm9v"}}{"progress_request":{}}{"cancel_request":{"watch_id":"0"}}{"create_request":{"key":"Zm9v","range_end":"Zm9v"}})",
      4);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find(R"(,"created":true}})"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(R"(},"watch_id":"-1"}})"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(R"(},"canceled":true}})"), std::string::npos) << lines[2];
  EXPECT_NE(
      lines[3].find(
          R"(},"watch_id":"-1","created":true,"canceled":true,"cancel_reason":"mvcc: watcher range is empty"}})"),
      std::string::npos)
      << lines[3];
  t.port().Shutdown();
  store.Stop();
}

// A watch stream still open at shutdown ends; Shutdown does not hang.
TEST(GatewayTest, ShutdownEndsOpenWatchStreams) {
  TestPort t;
  mvcc::testing::FakeEventHistory history;
  FakeClock clock;
  mvcc::WatchableStore store(&history, &clock);
  store.Start();
  t.api().watchable = &store;
  absl::Notification created;
  std::vector<std::string> lines;
  std::thread client([&] {
    lines = ReadLines(t.url("/v3/watch"), R"({"create_request":{"key":"Zm9v"}})", 100,
                      [&] { created.Notify(); });
  });
  ASSERT_TRUE(created.WaitForNotificationWithTimeout(absl::Seconds(10)));
  t.port().Shutdown();
  client.join();
  EXPECT_EQ(lines.size(), 1u);
  EXPECT_EQ(store.Stats().watchers, 0u);
  store.Stop();
}

}  // namespace
}  // namespace etcd::api
