// Prometheus text exposition (format 0.0.4) written by hand: counters, gauges and
// histograms with etcd's metric names, rendered by EtcdServer::MetricsText. Numbers are
// printed as Go's strconv.FormatFloat(v, 'g', -1, 64) prints them (what etcd's client
// library emits), e.g. 2.147483648e+09, 20480, 0.001.
//
// Thread safety: Histogram may be observed and rendered from any thread (one mutex);
// the Append* helpers are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace etcd::server::metrics {

std::string FormatValue(double v);

// "# HELP name help\n# TYPE name gauge\nname{labels} value\n"; `labels` is the text
// between the braces (e.g. `server_id="8e9e05c52164694d"`) or empty.
void AppendGauge(std::string* out, std::string_view name, std::string_view help, double value,
                 std::string_view labels = "");
void AppendCounter(std::string* out, std::string_view name, std::string_view help, double value,
                   std::string_view labels = "");

// Prometheus' ExponentialBuckets(start, factor, count).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);
  void Append(std::string* out, std::string_view name, std::string_view help) const;
  uint64_t Count() const;

 private:
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> counts_ ABSL_GUARDED_BY(mu_);  // per bucket, not cumulative
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace etcd::server::metrics
