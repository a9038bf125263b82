#include "common/log.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace etcd::log {
namespace {

TEST(LogTest, JsonLineHasZapShape) {
  std::vector<Field> fields{{"name", "default"}, {"count", 3}, {"ok", true}};
  Record rec{Level::kWarn, "hello", fields, std::source_location::current()};
  std::string line = JsonLinesSink::Format(rec, "2026-01-01T00:00:00.000Z");
  ASSERT_EQ(line.back(), '\n');
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "hello");
  EXPECT_EQ(j["name"], "default");
  EXPECT_EQ(j["count"], 3);
  EXPECT_EQ(j["ok"], true);
  EXPECT_NE(j["caller"].get<std::string>().find("log_test.cc:"), std::string::npos);
}

TEST(LogTest, ParseLevel) {
  Level l;
  EXPECT_TRUE(ParseLevel("debug", &l));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_TRUE(ParseLevel("warn", &l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud", &l));
}

}  // namespace
}  // namespace etcd::log
