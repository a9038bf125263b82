#include "api/http_types.h"

#include "gtest/gtest.h"

namespace etcd::api {
namespace {

TEST(HttpStreamTest, WriteReadCloseAndNotify) {
  HttpStream s;
  int notified = 0;
  s.set_notify([&] { ++notified; });
  int drained_calls = 0;
  s.set_on_drained([&] { ++drained_calls; });
  EXPECT_TRUE(s.Write("abc"));
  EXPECT_TRUE(s.Write("de"));
  EXPECT_EQ(notified, 2);
  EXPECT_EQ(s.Buffered(), 5u);
  char buf[4];
  bool ended = true, drained = true;
  ASSERT_EQ(s.Read(buf, 4, &ended, &drained), 4u);
  EXPECT_EQ(std::string(buf, 4), "abcd");
  EXPECT_FALSE(ended);
  EXPECT_FALSE(drained);
  ASSERT_EQ(s.Read(buf, 4, &ended, &drained), 1u);
  EXPECT_TRUE(drained);
  s.RunOnDrained();
  EXPECT_EQ(drained_calls, 1);
  EXPECT_EQ(s.Read(buf, 4, &ended, &drained), 0u);
  EXPECT_FALSE(ended);  // nothing yet, not over
  s.Close();
  EXPECT_EQ(notified, 3);
  EXPECT_EQ(s.Read(buf, 4, &ended, &drained), 0u);
  EXPECT_TRUE(ended);
  EXPECT_FALSE(s.Write("late"));
}

TEST(HttpStreamTest, AbortRunsOnAbortOnceAndStopsWrites) {
  HttpStream s;
  int aborted = 0;
  s.set_on_abort([&] { ++aborted; });
  s.Abort();
  s.Abort();
  EXPECT_EQ(aborted, 1);
  EXPECT_FALSE(s.Write("x"));
  HttpStream closed;
  closed.set_on_abort([&] { ++aborted; });
  closed.Close();
  closed.Abort();  // the producer already finished: nothing to cancel
  EXPECT_EQ(aborted, 1);
}

TEST(HttpRequestTest, QueryValuesAndHeaders) {
  HttpRequest r;
  r.query = {{"exclude", "NOSPACE"}, {"x", "1"}, {"exclude", "CORRUPT"}};
  r.headers["host"] = "h";
  EXPECT_EQ(r.QueryValues("exclude"), (std::vector<std::string>{"NOSPACE", "CORRUPT"}));
  EXPECT_EQ(*r.Header("host"), "h");
  EXPECT_EQ(r.Header("origin"), nullptr);
}

TEST(HttpResponseTest, GoErrorShape) {
  HttpResponse r = HttpResponse::GoError(404, "404 page not found");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[0].second, "text/plain; charset=utf-8");
  EXPECT_EQ(r.headers[1].first, "X-Content-Type-Options");
}

}  // namespace
}  // namespace etcd::api
