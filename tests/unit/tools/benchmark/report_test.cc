#include "tools/benchmark/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

namespace etcd::benchmark {
namespace {

TEST(PercentilesTest, MatchesEtcdIndexRule) {
  // etcd's own checks: 1 slow result out of 100 is the 99th percentile, 1 of 1000 the
  // 99.9th.
  std::vector<double> lats(100, 0.0);
  lats[99] = 1;
  EXPECT_EQ(Percentiles(lats)[6], 1);
  EXPECT_EQ(Percentiles(lats)[5], 0);
  std::vector<double> more(1000, 0.0);
  more[999] = 1;
  EXPECT_EQ(Percentiles(more)[7], 1);
  EXPECT_EQ(Percentiles(more)[6], 0);
  // idx = ceil(p * (n + 1) / 100) - 1 on 1..10.
  std::vector<double> ten;
  for (int i = 1; i <= 10; ++i) ten.push_back(i);
  EXPECT_EQ(Percentiles(ten), (std::vector<double>{2, 3, 6, 9, 10, 10, 10, 10}));
  EXPECT_EQ(Percentiles({}), std::vector<double>(8, 0.0));
  EXPECT_EQ(Percentiles({3}), std::vector<double>(8, 3.0));
}

TEST(HistogramTest, ElevenMarksFromFastestToSlowest) {
  std::vector<double> lats;
  for (int i = 0; i <= 100; ++i) lats.push_back(1.0 + i * 0.01);  // 1.00 .. 2.00
  auto h = Histogram(lats, 1.0, 2.0);
  ASSERT_EQ(h.size(), 11u);
  EXPECT_DOUBLE_EQ(h[0].first, 1.0);
  EXPECT_DOUBLE_EQ(h[5].first, 1.5);
  EXPECT_DOUBLE_EQ(h[10].first, 2.0);
  int64_t total = 0;
  for (const auto& [mark, count] : h) total += count;
  EXPECT_EQ(total, 101);
  EXPECT_EQ(h[0].second, 1);  // only the fastest is <= the first mark
  // All equal: everything lands in the first bucket.
  auto same = Histogram({0.5, 0.5, 0.5}, 0.5, 0.5);
  EXPECT_EQ(same[0].second, 3);
}

TEST(ComputeStatsTest, AverageStddevRps) {
  // etcd's TestReport: five 1 s results and one error.
  Stats s = ComputeStats({1, 1, 1, 1, 1}, 10.0, {{"oops", 1}});
  EXPECT_DOUBLE_EQ(s.average, 1.0);
  EXPECT_DOUBLE_EQ(s.stddev, 0.0);
  EXPECT_DOUBLE_EQ(s.fastest, 1.0);
  EXPECT_DOUBLE_EQ(s.slowest, 1.0);
  EXPECT_DOUBLE_EQ(s.rps, 0.5);
  EXPECT_EQ(s.error_count(), 1);

  Stats t = ComputeStats({0.4, 0.2, 0.6}, 2.0, {});
  EXPECT_DOUBLE_EQ(t.average, 0.4);
  EXPECT_NEAR(t.stddev, std::sqrt((0.04 + 0 + 0.04) / 3), 1e-12);  // population
  EXPECT_EQ(t.lats, (std::vector<double>{0.2, 0.4, 0.6}));
  EXPECT_DOUBLE_EQ(t.rps, 1.5);
}

TEST(FormatTextTest, EtcdLayout) {
  Stats s = ComputeStats({0.001, 0.002, 0.003, 0.004}, 0.5, {});
  const std::string text = FormatText(s, false);
  EXPECT_EQ(text.rfind("\nSummary:\n", 0), 0u);
  EXPECT_NE(text.find("  Total:\t0.5000 secs.\n"), std::string::npos);
  EXPECT_NE(text.find("  Slowest:\t0.0040 secs.\n"), std::string::npos);
  EXPECT_NE(text.find("  Fastest:\t0.0010 secs.\n"), std::string::npos);
  EXPECT_NE(text.find("  Average:\t0.0025 secs.\n"), std::string::npos);
  EXPECT_NE(text.find("  Requests/sec:\t8.0000\n"), std::string::npos);
  EXPECT_NE(text.find("\nResponse time histogram:\n  0.0010 [1]\t|"), std::string::npos);
  EXPECT_NE(text.find("  0.0040 [1]\t|\xE2\x88\x8E\xE2\x88\x8E"), std::string::npos);
  EXPECT_NE(text.find("\nLatency distribution:\n  10% in 1.000 ms.\n"), std::string::npos);
  EXPECT_NE(text.find("  99.9% in 4.000 ms.\n"), std::string::npos);
  EXPECT_EQ(text.find("Error distribution"), std::string::npos);
  // Full precision prints Go's %g.
  const std::string precise = FormatText(s, true);
  EXPECT_NE(precise.find("  Total:\t0.5 secs.\n"), std::string::npos);
  EXPECT_NE(precise.find("  Average:\t0.0025 secs.\n"), std::string::npos);
}

TEST(FormatTextTest, OnlyErrors) {
  Stats s = ComputeStats({}, 1.0, {{"etcdserver: too many requests", 3}, {"other", 5}});
  EXPECT_EQ(FormatText(s, false),
            "\nError distribution:\n  [5]\tother\n  [3]\tetcdserver: too many requests\n");
}

TEST(FormatJsonTest, OneObject) {
  Stats s = ComputeStats({0.001, 0.003}, 2.0, {{"boom", 2}});
  auto j = nlohmann::json::parse(FormatJson(s));
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["errors_total"], 2);
  EXPECT_DOUBLE_EQ(j["requests_per_sec"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["average_secs"].get<double>(), 0.002);
  EXPECT_EQ(j["histogram"].size(), 11u);
  EXPECT_DOUBLE_EQ(j["percentiles_ms"]["99.9"].get<double>(), 3.0);
  EXPECT_EQ(j["errors"]["boom"], 2);
  EXPECT_FALSE(j.contains("time_series"));
}

TEST(TimeSeriesTest, PerSecondPointsWithGapsFilled) {
  using std::chrono::milliseconds;
  std::map<int64_t, SecondPoint> points;
  AddSample(&points, 100, milliseconds(10));
  AddSample(&points, 100, milliseconds(30));
  AddSample(&points, 100, milliseconds(0));  // a zero never lowers the minimum
  AddSample(&points, 102, milliseconds(5));
  auto series = TimeSeries(points);
  ASSERT_EQ(series.size(), 3u);
  EXPECT_EQ(series[0], (DataPoint{100, milliseconds(10), std::chrono::nanoseconds(13333333),
                                  milliseconds(30), 3}));
  EXPECT_EQ(series[1].timestamp, 101);
  EXPECT_EQ(series[1].throughput, 0);
  EXPECT_EQ(series[2].throughput, 1);
  EXPECT_EQ(FormatTimeSeries(series),
            "\nSample in one second (unix latency throughput):\n"
            "UNIX-SECOND,MIN-LATENCY-MS,AVG-LATENCY-MS,MAX-LATENCY-MS,AVG-THROUGHPUT\n"
            "100,10ms,13.333333ms,30ms,3\n101,0s,0s,0s,0\n102,5ms,5ms,5ms,1\n");
}

TEST(ReportTest, CollectsFromManyThreads) {
  Report r(true);
  r.Start();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r] {
      for (int i = 0; i < 1000; ++i) {
        const auto now = Report::Clock::now();
        r.Add(now, now + std::chrono::microseconds(i));
      }
      r.AddError("e");
    });
  }
  for (auto& t : threads) t.join();
  r.Finish();
  EXPECT_EQ(r.results(), 4004);
  Stats s = r.Compute();
  EXPECT_EQ(s.lats.size(), 4000u);
  EXPECT_EQ(s.errors.at("e"), 4);
  EXPECT_TRUE(s.sampled);
  int64_t sampled = 0;
  for (const auto& d : s.time_series) sampled += d.throughput;
  EXPECT_EQ(sampled, 4000);
}

}  // namespace
}  // namespace etcd::benchmark
