#include "server/quota_size_cache.h"

#include <gtest/gtest.h>

namespace etcd::server {
namespace {

TEST(QuotaSizeCacheTest, MeasuresOnlyEveryNthCheck) {
  int measures = 0;
  int64_t size = 100;
  QuotaSizeCache c(
      [&] {
        ++measures;
        return size;
      },
      4);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(c.Fits(1, 1000));
  EXPECT_EQ(measures, 2);
}

TEST(QuotaSizeCacheTest, NeverRefusesOnAStaleEstimate) {
  int measures = 0;
  int64_t size = 100;
  QuotaSizeCache c(
      [&] {
        ++measures;
        return size;
      },
      1000);
  EXPECT_TRUE(c.Fits(10, 200));  // measured: 100 + 10
  EXPECT_TRUE(c.Fits(80, 200));  // estimate 100 + 90
  EXPECT_EQ(measures, 1);
  // Estimate 100 + 190 > 200: measured again (the backend is really still 100).
  EXPECT_TRUE(c.Fits(100, 200));
  EXPECT_EQ(measures, 2);
  size = 150;
  EXPECT_FALSE(c.Fits(100, 200));  // estimate over: measured, 150 + 100 > 200
  EXPECT_EQ(measures, 3);
}

TEST(QuotaSizeCacheTest, InvalidateMeasuresAgain) {
  int measures = 0;
  int64_t size = 100;
  QuotaSizeCache c(
      [&] {
        ++measures;
        return size;
      },
      1000);
  EXPECT_TRUE(c.Fits(1, 1000));
  size = 995;
  EXPECT_TRUE(c.Fits(1, 1000));  // stale: 100 + 2
  c.Invalidate();
  EXPECT_FALSE(c.Fits(10, 1000));
  EXPECT_EQ(measures, 3);  // the invalidated one, then again before refusing
}

}  // namespace
}  // namespace etcd::server
