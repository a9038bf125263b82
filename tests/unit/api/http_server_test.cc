#include "api/http_server.h"

#include <curl/curl.h>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "test_port.h"

namespace etcd::api {
namespace {

using testing::Http;
using testing::HttpResult;
using testing::TestPort;

TEST(HttpServerTest, CorsHeadersOnEveryResponseByDefault) {
  TestPort t;
  for (const char* path : {"/health", "/version", "/nope"}) {
    HttpResult r = Http("GET", t.url(path));
    EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*") << path;
    EXPECT_EQ(r.Header("Access-Control-Allow-Methods"), "POST, GET, OPTIONS, PUT, DELETE");
    EXPECT_EQ(r.Header("Access-Control-Allow-Headers"), "accept, content-type, authorization");
  }
  HttpResult r = Http("OPTIONS", t.url("/v3/kv/range"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("Content-Length"), "0");
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
}

TEST(HttpServerTest, CorsWithAnOriginList) {
  auto o = TestPort::DefaultOptions();
  o.cors = {"http://a.example:8080"};
  TestPort t(o);
  HttpResult r = Http("GET", t.url("/version"), "", {"Origin: http://a.example:8080"});
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "http://a.example:8080");
  r = Http("GET", t.url("/version"), "", {"Origin: http://b.example"});
  EXPECT_FALSE(r.HasHeader("Access-Control-Allow-Origin"));
  EXPECT_FALSE(r.HasHeader("Access-Control-Allow-Methods"));
  r = Http("OPTIONS", t.url("/version"), "", {"Origin: http://b.example"});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.HasHeader("Access-Control-Allow-Origin"));
}

TEST(HttpServerTest, HostWhitelistAnswers421WithEtcdsText) {
  auto o = TestPort::DefaultOptions();
  o.host_whitelist = {"good.example", "127.0.0.1"};
  TestPort t(o);
  EXPECT_EQ(Http("GET", t.url("/health")).status, 200);  // Host: 127.0.0.1:<port>
  EXPECT_EQ(Http("GET", t.url("/health"), "", {"Host: good.example:99"}).status, 200);
  HttpResult r = Http("GET", t.url("/health"), "", {"Host: bad.example:99"});
  EXPECT_EQ(r.status, 421);
  const std::string want =
      "\netcd received your request, but the Host header was unrecognized.\n\n"
      "To fix this, choose one of the following options:\n"
      "- Enable TLS, then any HTTPS request will be allowed.\n"
      "- Add the hostname you want to use to the whitelist in settings.\n"
      "  - e.g. etcd --host-whitelist \"bad.example\"\n\n"
      "This requirement has been added to help prevent \"DNS Rebinding\" attacks "
      "(CVE-2018-5702).\n\n";
  EXPECT_EQ(r.body, want);
  EXPECT_EQ(r.Header("Content-Length"), "373");  // as etcd sends for this host
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_FALSE(r.HasHeader("Access-Control-Allow-Origin"));  // checked before CORS
}

TEST(HttpServerTest, KeepAliveConnectionServesSeveralRequests) {
  TestPort t;
  CURL* c = curl_easy_init();
  std::string sink;
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) -> size_t { return s * n; });
  long connects = 0;  // NOLINT(runtime/int)
  for (int i = 0; i < 3; ++i) {
    curl_easy_setopt(c, CURLOPT_URL, t.url("/version").c_str());
    ASSERT_EQ(curl_easy_perform(c), CURLE_OK);
    long n = 0;  // NOLINT(runtime/int)
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n);
    connects += n;
  }
  curl_easy_cleanup(c);
  EXPECT_EQ(connects, 1);
}

// A request still waiting for the server when the port shuts down gets 503 and the
// shutdown does not hang; the late answer is dropped.
TEST(HttpServerTest, ShutdownAnswersWaitingRequests) {
  TestPort t;
  std::function<void(absl::Status)> held;
  absl::Notification called;
  t.api().on_CheckQuorum = [&](int, std::function<void(absl::Status)> done) {
    held = std::move(done);
    called.Notify();
  };
  HttpResult r;
  std::thread client([&] { r = Http("GET", t.url("/health")); });
  ASSERT_TRUE(called.WaitForNotificationWithTimeout(absl::Seconds(10)));
  t.port().Shutdown();
  client.join();
  EXPECT_EQ(r.status, 503);
  held(absl::OkStatus());
}

}  // namespace
}  // namespace etcd::api
