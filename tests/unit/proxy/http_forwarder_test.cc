#include "proxy/http_forwarder.h"

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace etcd::proxy {
namespace {

TEST(UpstreamUrl, EscapesPathSegmentsAndQuery) {
  api::HttpRequest r;
  r.path = "/v2/keys/a b/c%d";
  r.query = {{"wait", "true"}, {"waitIndex", "7"}, {"x", "a&b"}};
  EXPECT_EQ(UpstreamUrl("http://10.0.0.1:2379/", r),
            "http://10.0.0.1:2379/v2/keys/a%20b/c%25d?wait=true&waitIndex=7&x=a%26b");
  api::HttpRequest h;
  h.path = "/health";
  EXPECT_EQ(UpstreamUrl("http://h:1", h), "http://h:1/health");
}

api::HttpResponse Call(HttpForwarder& f, const std::string& method) {
  api::HttpRequest r;
  r.method = method;
  r.path = "/v2/keys/x";
  absl::Notification done;
  api::HttpResponse out;
  f.Handle(r, [&](api::HttpResponse resp) {
    out = std::move(resp);
    done.Notify();
  });
  done.WaitForNotification();
  return out;
}

TEST(HttpForwarder, ReadOnlyRefusesWrites) {
  UpstreamPool pool(std::vector<std::string>{});
  HttpForwarder f(&pool, HttpForwarderOptions{/*read_only=*/true, 1000});
  EXPECT_EQ(Call(f, "PUT").status, 501);
  EXPECT_EQ(Call(f, "DELETE").status, 501);
}

TEST(HttpForwarder, NoUpstreamIs503) {
  UpstreamPool pool(std::vector<std::string>{});
  HttpForwarder f(&pool, HttpForwarderOptions{});
  api::HttpResponse r = Call(f, "GET");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("no upstream"), std::string::npos);
  f.Shutdown();
  EXPECT_EQ(Call(f, "GET").status, 503);
}

}  // namespace
}  // namespace etcd::proxy
