#include "config/go_values.h"

#include <gtest/gtest.h>

namespace etcd::config {
namespace {

TEST(GoBool, AcceptsStrconvParseBoolWords) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    EXPECT_EQ(ParseGoBool(t), std::optional<bool>(true)) << t;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    EXPECT_EQ(ParseGoBool(f), std::optional<bool>(false)) << f;
  }
  for (const char* bad : {"", "yes", "no", "on", "tRUE", "2", " true"}) {
    EXPECT_FALSE(ParseGoBool(bad).has_value()) << bad;
  }
}

TEST(GoInt, BaseZeroSyntax) {
  struct Case {
    const char* in;
    std::optional<int64_t> want;
  } cases[] = {
      {"0", 0},
      {"10", 10},
      {"-10", -10},
      {"+7", 7},
      {"0x1f", 31},
      {"0X1F", 31},
      {"0o17", 15},
      {"017", 15},
      {"0b101", 5},
      {"1_000", 1000},
      {"0x_1f", 31},
      {"08", std::nullopt},
      {"", std::nullopt},
      {"1k", std::nullopt},
      {"_1", std::nullopt},
      {"1_", std::nullopt},
      {"1__0", std::nullopt},
      {"9223372036854775807", INT64_MAX},
      {"9223372036854775808", std::nullopt},
      {"-9223372036854775808", INT64_MIN},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseGoInt(c.in), c.want) << c.in;
}

TEST(GoUint, RejectsSignsAndOverflow) {
  EXPECT_EQ(ParseGoUint("18446744073709551615"), std::optional<uint64_t>(UINT64_MAX));
  EXPECT_FALSE(ParseGoUint("18446744073709551616").has_value());
  EXPECT_FALSE(ParseGoUint("-1").has_value());
  EXPECT_FALSE(ParseGoUint("+1").has_value());
  EXPECT_EQ(ParseGoUint("0x10"), std::optional<uint64_t>(16));
}

TEST(GoDuration, ParsesTimeParseDurationSyntax) {
  struct Case {
    const char* in;
    int64_t want_ns;
  } cases[] = {
      {"0", 0},
      {"5s", 5'000'000'000},
      {"100ms", 100'000'000},
      {"2h45m", (2 * 3600 + 45 * 60) * 1'000'000'000LL},
      {"1.5h", 5400'000'000'000LL},
      {"-3us", -3000},
      {"3\xC2\xB5s", 3000},
      {"1h2m3s4ms5us6ns", 3723'004'005'006LL},
      {".5s", 500'000'000},
      {"+10m", 600'000'000'000LL},
  };
  for (const Case& c : cases) {
    absl::StatusOr<int64_t> d = ParseGoDuration(c.in);
    ASSERT_TRUE(d.ok()) << c.in << ": " << d.status();
    EXPECT_EQ(*d, c.want_ns) << c.in;
  }
}

TEST(GoDuration, ErrorsUseGoWording) {
  EXPECT_EQ(ParseGoDuration("abc").status().message(), "time: invalid duration \"abc\"");
  EXPECT_EQ(ParseGoDuration("1.5").status().message(), "time: missing unit in duration \"1.5\"");
  EXPECT_EQ(ParseGoDuration("-1").status().message(), "time: missing unit in duration \"-1\"");
  EXPECT_EQ(ParseGoDuration("5x").status().message(),
            "time: unknown unit \"x\" in duration \"5x\"");
  EXPECT_FALSE(ParseGoDuration("").ok());
  EXPECT_FALSE(ParseGoDuration("s").ok());
  EXPECT_FALSE(ParseGoDuration("9999999999h").ok());  // overflows int64 nanoseconds
}

TEST(GoDuration, ExactLikeGoAtTheEdges) {
  // Integer parts are exact, fractions are truncated to whole nanoseconds (Go's
  // uint64(float64(f) * (float64(unit) / scale))).
  EXPECT_EQ(*ParseGoDuration("1.1s"), 1'100'000'000);
  EXPECT_EQ(*ParseGoDuration("0.3s"), 300'000'000);
  EXPECT_EQ(*ParseGoDuration("0.5ns"), 0);
  EXPECT_EQ(*ParseGoDuration("1.9999999999s"), 1'999'999'999);
  EXPECT_EQ(*ParseGoDuration("9223372036854775807ns"), INT64_MAX);
  EXPECT_EQ(*ParseGoDuration("-9223372036854775808ns"), INT64_MIN);
  EXPECT_EQ(ParseGoDuration("9223372036854775808ns").status().message(),
            "time: invalid duration \"9223372036854775808ns\"");
  EXPECT_FALSE(ParseGoDuration("2562048h").ok());  // > 2^63 ns
  EXPECT_TRUE(ParseGoDuration("2562047h").ok());
  // Digits past what fits in the fraction are consumed and ignored.
  EXPECT_EQ(*ParseGoDuration("1.00000000000000000000000000001s"), 1'000'000'000);
}

TEST(GoDuration, FormatsLikeGoDurationString) {
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(100'000'000), "100ms");
  EXPECT_EQ(FormatGoDuration(5'000'000'000), "5s");
  EXPECT_EQ(FormatGoDuration(1'500'000'000), "1.5s");
  EXPECT_EQ(FormatGoDuration(7200'000'000'000LL), "2h0m0s");
  EXPECT_EQ(FormatGoDuration(90'000'000'000LL), "1m30s");
  EXPECT_EQ(FormatGoDuration(1500), "1.5\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(-5'000'000'000), "-5s");
  for (int64_t ns : {1LL, 999LL, 123'456'789LL, 3723'004'005'006LL}) {
    EXPECT_EQ(*ParseGoDuration(FormatGoDuration(ns)), ns) << ns;
  }
}

}  // namespace
}  // namespace etcd::config
