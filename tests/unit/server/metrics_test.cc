#include "server/metrics.h"

#include <gtest/gtest.h>

namespace etcd::server::metrics {
namespace {

TEST(MetricsTest, FormatsNumbersLikeGo) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(1), "1");
  EXPECT_EQ(FormatValue(20480), "20480");
  EXPECT_EQ(FormatValue(2147483648.0), "2.147483648e+09");
  EXPECT_EQ(FormatValue(1e6), "1e+06");
  EXPECT_EQ(FormatValue(123456), "123456");
  EXPECT_EQ(FormatValue(0.001), "0.001");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(0.00001), "1e-05");
  EXPECT_EQ(FormatValue(8.192), "8.192");
  EXPECT_EQ(FormatValue(1.5), "1.5");
  EXPECT_EQ(FormatValue(-2), "-2");
}

TEST(MetricsTest, GaugeAndHistogramText) {
  std::string out;
  AppendGauge(&out, "etcd_server_has_leader", "Whether.", 1);
  EXPECT_EQ(out,
            "# HELP etcd_server_has_leader Whether.\n"
            "# TYPE etcd_server_has_leader gauge\n"
            "etcd_server_has_leader 1\n");
  Histogram h(ExponentialBuckets(0.001, 2, 3));
  h.Observe(0.0005);
  h.Observe(0.003);
  h.Observe(10);
  out.clear();
  h.Append(&out, "x_seconds", "X.");
  EXPECT_EQ(out,
            "# HELP x_seconds X.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"0.001\"} 1\n"
            "x_seconds_bucket{le=\"0.002\"} 1\n"
            "x_seconds_bucket{le=\"0.004\"} 2\n"
            "x_seconds_bucket{le=\"+Inf\"} 3\n"
            "x_seconds_sum 10.0035\n"
            "x_seconds_count 3\n");
}

}  // namespace
}  // namespace etcd::server::metrics
