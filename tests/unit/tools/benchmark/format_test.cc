#include "tools/benchmark/format.h"

#include <gtest/gtest.h>

namespace etcd::benchmark {
namespace {

TEST(GoFloatGTest, ShortestLikeGo) {
  EXPECT_EQ(GoFloatG(0), "0");
  EXPECT_EQ(GoFloatG(1), "1");
  EXPECT_EQ(GoFloatG(10), "10");
  EXPECT_EQ(GoFloatG(99.9), "99.9");
  EXPECT_EQ(GoFloatG(0.5), "0.5");
  EXPECT_EQ(GoFloatG(0.0001234), "0.0001234");
  EXPECT_EQ(GoFloatG(0.00001), "1e-05");
  EXPECT_EQ(GoFloatG(123456), "123456");
  EXPECT_EQ(GoFloatG(1234567), "1.234567e+06");
  EXPECT_EQ(GoFloatG(1e21), "1e+21");
  EXPECT_EQ(GoFloatG(-2.5), "-2.5");
  EXPECT_EQ(GoFloatG(0.1 + 0.2), "0.30000000000000004");
}

TEST(GoDurationTest, LikeTimeDurationString) {
  using namespace std::chrono;
  EXPECT_EQ(GoDuration(nanoseconds(0)), "0s");
  EXPECT_EQ(GoDuration(nanoseconds(800)), "800ns");
  EXPECT_EQ(GoDuration(microseconds(1500)), "1.5ms");
  EXPECT_EQ(GoDuration(nanoseconds(1100)), "1.1\xC2\xB5s");
  EXPECT_EQ(GoDuration(nanoseconds(12345678)), "12.345678ms");
  EXPECT_EQ(GoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(GoDuration(seconds(120) + milliseconds(500)), "2m0.5s");
  EXPECT_EQ(GoDuration(hours(1) + minutes(2) + seconds(3)), "1h2m3s");
  EXPECT_EQ(GoDuration(-milliseconds(2)), "-2ms");
}

TEST(HumanizeBytesTest, SiUnits) {
  EXPECT_EQ(HumanizeBytes(0), "0 B");
  EXPECT_EQ(HumanizeBytes(9), "9 B");
  EXPECT_EQ(HumanizeBytes(82), "82 B");
  EXPECT_EQ(HumanizeBytes(1234), "1.2 kB");
  EXPECT_EQ(HumanizeBytes(20480), "20 kB");
  EXPECT_EQ(HumanizeBytes(3'400'000), "3.4 MB");
}

TEST(FormatDoubleTest, PrintfStyle) {
  EXPECT_EQ(FormatDouble("%4.4f", 0.00012), "0.0001");
  EXPECT_EQ(FormatDouble("%4.4f", 12345.678), "12345.6780");
  EXPECT_EQ(FormatDouble("%.3f", 1.2345), "1.234");
}

}  // namespace
}  // namespace etcd::benchmark
