#include "api/http_endpoints.h"

#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "test_port.h"

namespace etcd::api {
namespace {

using testing::Http;
using testing::HttpResult;
using testing::TestPort;

// Bodies and headers below are what etcd 3.4.23 sends (curl -si against the oracle).

TEST(HttpEndpointsTest, HealthOk) {
  TestPort t;
  HttpResult r = Http("GET", t.url("/health"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"health":"true"})");
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.Header("Content-Length"), "17");
  EXPECT_EQ(t.api().Calls("CheckQuorum"), 1);
}

TEST(HttpEndpointsTest, HealthFalseWithoutLeaderWithAlarmOrFailedQuorumRead) {
  TestPort t;
  t.api().health.has_leader = false;
  HttpResult r = Http("GET", t.url("/health"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"health":"false"})");
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");

  t.api().health.has_leader = true;
  etcdserverpb::AlarmMember alarm;
  alarm.set_memberid(1);
  alarm.set_alarm(etcdserverpb::NOSPACE);
  t.api().health.alarms = {alarm};
  EXPECT_EQ(Http("GET", t.url("/health")).status, 503);
  r = Http("GET", t.url("/health?exclude=NOSPACE"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"health":"true"})");
  EXPECT_EQ(Http("GET", t.url("/health?exclude=CORRUPT")).status, 503);

  t.api().health.alarms.clear();
  t.api().on_CheckQuorum = [](int timeout_ms, std::function<void(absl::Status)> done) {
    EXPECT_EQ(timeout_ms, 1000);
    done(errors::Make(errors::Err::kTimeout));
  };
  r = Http("GET", t.url("/health"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"health":"false"})");
}

// The quorum read answers later, from another thread: the HTTP thread is not blocked.
TEST(HttpEndpointsTest, HealthWaitsForTheQuorumReadWithoutBlocking) {
  TestPort t;
  std::function<void(absl::Status)> held;
  absl::Notification called;
  t.api().on_CheckQuorum = [&](int, std::function<void(absl::Status)> done) {
    held = std::move(done);
    called.Notify();
  };
  HttpResult health;
  std::thread client([&] { health = Http("GET", t.url("/health")); });
  ASSERT_TRUE(called.WaitForNotificationWithTimeout(absl::Seconds(10)));
  // Other requests are served meanwhile.
  EXPECT_EQ(Http("GET", t.url("/version")).status, 200);
  std::thread([&] { held(absl::OkStatus()); }).join();
  client.join();
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"health":"true"})");
}

TEST(HttpEndpointsTest, HealthRejectsOtherMethods) {
  TestPort t;
  HttpResult r = Http("POST", t.url("/health"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body, "Method Not Allowed\n");
  EXPECT_EQ(r.Header("Allow"), "GET");
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
}

TEST(HttpEndpointsTest, Version) {
  TestPort t;
  HttpResult r = Http("GET", t.url("/version"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "{\"etcdserver\":\"" ETCD_VERSION "\",\"etcdcluster\":\"" ETCD_CLUSTER_VERSION "\"}");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  r = Http("POST", t.url("/version"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET");
}

TEST(HttpEndpointsTest, Metrics) {
  TestPort t;
  HttpResult r = Http("GET", t.url("/metrics"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, t.api().metrics);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(Http("POST", t.url("/metrics")).status, 200);  // promhttp takes any method
}

TEST(HttpEndpointsTest, NotFoundEverywhereElse) {
  TestPort t;
  for (const char* path : {"/", "/nope", "/debug/pprof/", "/v2/keys", "/v2/members",
                           "/v3alpha/kv/range", "/healthz"}) {
    SCOPED_TRACE(path);
    HttpResult r = Http("GET", t.url(path));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "404 page not found\n");
    EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.Header("Content-Length"), "19");
  }
}

TEST(HttpEndpointsTest, ConfigLocalLog) {
  std::string level;
  auto o = TestPort::DefaultOptions();
  o.set_log_level = [&](const std::string& l) {
    level = l;
    return absl::OkStatus();
  };
  TestPort t(o);
  HttpResult r = Http("PUT", t.url("/config/local/log"), R"({"Level":"INFO"})");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(level, "INFO");
  r = Http("PUT", t.url("/config/local/log"), "x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"message":"Invalid json body"})");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  r = Http("GET", t.url("/config/local/log"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "PUT");
}

}  // namespace
}  // namespace etcd::api
