// The benchmark report: latencies and errors in, etcd benchmark's summary out
// (Summary, Response time histogram, Latency distribution, Error distribution), or one
// JSON object with the same numbers.
//
// The math is etcd's (pkg/report): Total is the wall time from Start() to Finish();
// Requests/sec = successful results / Total; Average and Stddev (population) over the
// successful latencies; 11 histogram marks from Fastest to Slowest in 10 equal steps;
// percentile p is the sorted latency at index ceil(p * (n + 1) / 100) - 1, clamped.
//
// Thread safety: Add*/Start/Finish may be called from any thread (internal mutex);
// Compute/Text/Json after Finish().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace etcd::benchmark {

inline constexpr double kPercentiles[] = {10, 25, 50, 75, 90, 95, 99, 99.9};

// One second of --sample: the requests that started in that (unix) second.
struct DataPoint {
  int64_t timestamp = 0;
  std::chrono::nanoseconds min_latency{0};
  std::chrono::nanoseconds avg_latency{0};
  std::chrono::nanoseconds max_latency{0};
  int64_t throughput = 0;
  bool operator==(const DataPoint&) const = default;
};

struct Stats {
  double total_secs = 0;
  double fastest = 0;  // seconds
  double slowest = 0;
  double average = 0;
  double stddev = 0;
  double rps = 0;
  std::vector<double> lats;                           // sorted, seconds
  std::map<std::string, int64_t> errors;              // message -> count
  std::vector<std::pair<double, int64_t>> histogram;  // (mark seconds, count), 11 rows
  std::vector<double> percentiles;                    // seconds, one per kPercentiles
  bool sampled = false;                               // --sample: time_series is filled
  std::vector<DataPoint> time_series;                 // ascending seconds, gaps filled
  int64_t error_count() const;
};

// The pure computation (unit-tested): `lats` in seconds, any order.
Stats ComputeStats(std::vector<double> lats, double total_secs,
                   std::map<std::string, int64_t> errors);
std::vector<std::pair<double, int64_t>> Histogram(const std::vector<double>& sorted_lats,
                                                  double fastest, double slowest);
std::vector<double> Percentiles(const std::vector<double>& sorted_lats);
// etcd's per-second accumulation (min ignores zero latencies after the first) and
// the time series with empty seconds filled between the first and the last.
struct SecondPoint {
  std::chrono::nanoseconds min{0}, max{0}, total{0};
  int64_t count = 0;
};
void AddSample(std::map<int64_t, SecondPoint>* points, int64_t unix_second,
               std::chrono::nanoseconds latency);
std::vector<DataPoint> TimeSeries(std::map<int64_t, SecondPoint> points);
// "\nSample in one second (unix latency throughput):\nUNIX-SECOND,MIN-LATENCY-MS,..."
std::string FormatTimeSeries(const std::vector<DataPoint>& series);

// etcd's text: precise=false prints numbers as "%4.4f", precise=true as Go's "%g".
std::string FormatText(const Stats& stats, bool precise);
// {"total_secs":…, "count":…, "errors_total":…, "slowest_secs":…, "fastest_secs":…,
//  "average_secs":…, "stddev_secs":…, "requests_per_sec":…, "histogram":[{"mark_secs":…,
//  "count":…}…], "percentiles_ms":{"10":…,…,"99.9":…}, "errors":{"<message>":count}}
std::string FormatJson(const Stats& stats);
nlohmann::ordered_json ToJson(const Stats& stats);

class Report {
 public:
  using Clock = std::chrono::steady_clock;

  // `sample`: also keep the per-second time series (--sample).
  explicit Report(bool sample = false) : sample_(sample) {}

  void Start();
  void Finish();
  void Add(Clock::time_point start, Clock::time_point end);
  void AddLatency(double seconds);
  void AddError(const std::string& message);
  int64_t results() const;

  Stats Compute() const;

 private:
  const bool sample_;
  mutable absl::Mutex mu_;
  std::chrono::system_clock::time_point wall_start_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, SecondPoint> points_ ABSL_GUARDED_BY(mu_);
  Clock::time_point start_ ABSL_GUARDED_BY(mu_);
  Clock::time_point end_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<double> lats_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> errors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::benchmark
