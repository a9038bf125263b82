#include "api/v2_members_handler.h"

#include <nlohmann/json.hpp>

#include "gtest/gtest.h"

namespace etcd::api {
namespace {

using std::chrono::nanoseconds;

TEST(GoDuration, MatchesGoDurationString) {
  EXPECT_EQ(GoDuration(nanoseconds(0)), "0s");
  EXPECT_EQ(GoDuration(nanoseconds(999)), "999ns");
  EXPECT_EQ(GoDuration(nanoseconds(1500)), "1.5µs");
  EXPECT_EQ(GoDuration(nanoseconds(5000000)), "5ms");
  EXPECT_EQ(GoDuration(nanoseconds(1106643279)), "1.106643279s");
  EXPECT_EQ(GoDuration(nanoseconds(123000000000LL)), "2m3s");
  EXPECT_EQ(GoDuration(nanoseconds(3600000000000LL)), "1h0m0s");
  EXPECT_EQ(GoDuration(nanoseconds(3661500000000LL)), "1h1m1.5s");
}

TEST(GoTime, Rfc3339NanoUtc) {
  std::chrono::system_clock::time_point t{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          nanoseconds(1795282574838909890LL))};
  EXPECT_EQ(GoTime(t), "2026-11-21T17:36:14.83890989Z");
  EXPECT_EQ(GoTime(std::chrono::system_clock::time_point{std::chrono::seconds(0)}),
            "1970-01-01T00:00:00Z");
}

TEST(V2StoreStats, CountsByOperationAndOutcome) {
  V2StoreStats s;
  s.Count("GET", false, false, false, 200);
  s.Count("GET", false, false, false, 404);
  s.Count("PUT", false, false, false, 201);
  s.Count("PUT", true, false, false, 201);    // prevExist=false: create
  s.Count("PUT", true, true, false, 404);     // prevExist=true: update
  s.Count("PUT", false, false, true, 412);    // prevValue: compareAndSwap
  s.Count("POST", false, false, false, 201);  // in-order key: create
  s.Count("DELETE", false, false, false, 200);
  s.Count("DELETE", false, false, true, 200);
  auto j = nlohmann::json::parse(s.Json(3));
  EXPECT_EQ(j["getsSuccess"], 1);
  EXPECT_EQ(j["getsFail"], 1);
  EXPECT_EQ(j["setsSuccess"], 1);
  EXPECT_EQ(j["createSuccess"], 2);
  EXPECT_EQ(j["updateFail"], 1);
  EXPECT_EQ(j["compareAndSwapFail"], 1);
  EXPECT_EQ(j["deleteSuccess"], 1);
  EXPECT_EQ(j["compareAndDeleteSuccess"], 1);
  EXPECT_EQ(j["expireCount"], 0);
  EXPECT_EQ(j["watchers"], 3);
  EXPECT_EQ(s.Json(0).substr(0, 30), R"({"getsSuccess":1,"getsFail":1,)");
}

}  // namespace
}  // namespace etcd::api
