#include "tools/benchmark/report.h"

#include <algorithm>
#include <cmath>

#include "tools/benchmark/format.h"

namespace etcd::benchmark {

int64_t Stats::error_count() const {
  int64_t n = 0;
  for (const auto& [msg, count] : errors) n += count;
  return n;
}

std::vector<std::pair<double, int64_t>> Histogram(const std::vector<double>& sorted_lats,
                                                  double fastest, double slowest) {
  constexpr int kBuckets = 10;
  std::vector<std::pair<double, int64_t>> rows(kBuckets + 1);
  const double step = (slowest - fastest) / kBuckets;
  for (int i = 0; i < kBuckets; ++i) rows[i].first = fastest + step * i;
  rows[kBuckets].first = slowest;
  size_t bucket = 0;
  for (size_t i = 0; i < sorted_lats.size();) {
    if (sorted_lats[i] <= rows[bucket].first) {
      ++rows[bucket].second;
      ++i;
    } else if (bucket < rows.size() - 1) {
      ++bucket;
    } else {
      // Above the last mark (cannot happen with slowest = max): count it there.
      ++rows[bucket].second;
      ++i;
    }
  }
  return rows;
}

std::vector<double> Percentiles(const std::vector<double>& sorted_lats) {
  std::vector<double> out;
  const auto n = static_cast<int64_t>(sorted_lats.size());
  for (double p : kPercentiles) {
    if (n == 0) {
      out.push_back(0);
      continue;
    }
    auto idx = static_cast<int64_t>(std::ceil(p * static_cast<double>(n + 1) / 100.0)) - 1;
    idx = std::clamp<int64_t>(idx, 0, n - 1);
    out.push_back(sorted_lats[static_cast<size_t>(idx)]);
  }
  return out;
}

void AddSample(std::map<int64_t, SecondPoint>* points, int64_t unix_second,
               std::chrono::nanoseconds latency) {
  auto [it, inserted] = points->try_emplace(unix_second);
  SecondPoint& p = it->second;
  if (inserted) {
    p = SecondPoint{latency, latency, latency, 1};
    return;
  }
  if (latency.count() != 0) p.min = std::min(p.min, latency);
  p.max = std::max(p.max, latency);
  p.total += latency;
  ++p.count;
}

std::vector<DataPoint> TimeSeries(std::map<int64_t, SecondPoint> points) {
  if (!points.empty()) {
    const int64_t first = points.begin()->first;
    const int64_t last = points.rbegin()->first;
    for (int64_t t = first; t < last; ++t) points.try_emplace(t);
  }
  std::vector<DataPoint> out;
  for (const auto& [t, p] : points) {
    DataPoint d;
    d.timestamp = t;
    d.min_latency = p.min;
    d.max_latency = p.max;
    d.avg_latency = p.count > 0 ? p.total / p.count : std::chrono::nanoseconds(0);
    d.throughput = p.count;
    out.push_back(d);
  }
  return out;
}

std::string FormatTimeSeries(const std::vector<DataPoint>& series) {
  std::string out =
      "\nSample in one second (unix latency throughput):\n"
      "UNIX-SECOND,MIN-LATENCY-MS,AVG-LATENCY-MS,MAX-LATENCY-MS,AVG-THROUGHPUT\n";
  for (const auto& d : series) {
    out += std::to_string(d.timestamp) + "," + GoDuration(d.min_latency) + "," +
           GoDuration(d.avg_latency) + "," + GoDuration(d.max_latency) + "," +
           std::to_string(d.throughput) + "\n";
  }
  return out;
}

Stats ComputeStats(std::vector<double> lats, double total_secs,
                   std::map<std::string, int64_t> errors) {
  Stats s;
  s.total_secs = total_secs;
  s.errors = std::move(errors);
  const auto n = static_cast<double>(lats.size());
  if (!lats.empty()) {
    double sum = 0;
    for (double l : lats) sum += l;
    s.average = sum / n;
    double var = 0;
    for (double l : lats) var += (l - s.average) * (l - s.average);
    s.stddev = std::sqrt(var / n);
    s.rps = total_secs > 0 ? n / total_secs : 0;
    std::sort(lats.begin(), lats.end());
    s.fastest = lats.front();
    s.slowest = lats.back();
    s.histogram = Histogram(lats, s.fastest, s.slowest);
  }
  s.percentiles = Percentiles(lats);
  s.lats = std::move(lats);
  return s;
}

std::string FormatText(const Stats& s, bool precise) {
  auto num = [precise](double v) { return precise ? GoFloatG(v) : FormatDouble("%4.4f", v); };
  std::string out;
  if (!s.lats.empty()) {
    out += "\nSummary:\n";
    out += "  Total:\t" + num(s.total_secs) + " secs.\n";
    out += "  Slowest:\t" + num(s.slowest) + " secs.\n";
    out += "  Fastest:\t" + num(s.fastest) + " secs.\n";
    out += "  Average:\t" + num(s.average) + " secs.\n";
    out += "  Stddev:\t" + num(s.stddev) + " secs.\n";
    out += "  Requests/sec:\t" + num(s.rps) + "\n";

    out += "\nResponse time histogram:\n";
    int64_t max = 0;
    for (const auto& [mark, count] : s.histogram) max = std::max(max, count);
    for (const auto& [mark, count] : s.histogram) {
      const int64_t bar = max > 0 ? count * 40 / max : 0;
      std::string bars;
      for (int64_t i = 0; i < bar; ++i) bars += "\xE2\x88\x8E";  // U+220E "∎"
      out += "  " + num(mark) + " [" + std::to_string(count) + "]\t|" + bars + "\n";
    }

    out += "\nLatency distribution:\n";
    for (size_t i = 0; i < s.percentiles.size(); ++i) {
      if (s.percentiles[i] > 0) {
        out += "  " + GoFloatV(kPercentiles[i]) + "% in " +
               FormatDouble("%.3f", s.percentiles[i] * 1000) + " ms.\n";
      }
    }
    if (s.sampled) out += FormatTimeSeries(s.time_series) + "\n";
  }
  if (!s.errors.empty()) {
    out += "\nError distribution:\n";
    std::vector<std::pair<std::string, int64_t>> errs(s.errors.begin(), s.errors.end());
    std::stable_sort(errs.begin(), errs.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [msg, count] : errs) {
      out += "  [" + std::to_string(count) + "]\t" + msg + "\n";
    }
  }
  return out;
}

std::string FormatJson(const Stats& s) { return ToJson(s).dump(); }

nlohmann::ordered_json ToJson(const Stats& s) {
  nlohmann::ordered_json j;
  j["total_secs"] = s.total_secs;
  j["count"] = s.lats.size();
  j["errors_total"] = s.error_count();
  j["slowest_secs"] = s.slowest;
  j["fastest_secs"] = s.fastest;
  j["average_secs"] = s.average;
  j["stddev_secs"] = s.stddev;
  j["requests_per_sec"] = s.rps;
  j["histogram"] = nlohmann::ordered_json::array();
  for (const auto& [mark, count] : s.histogram) {
    j["histogram"].push_back({{"mark_secs", mark}, {"count", count}});
  }
  j["percentiles_ms"] = nlohmann::ordered_json::object();
  for (size_t i = 0; i < s.percentiles.size(); ++i) {
    j["percentiles_ms"][GoFloatV(kPercentiles[i])] = s.percentiles[i] * 1000;
  }
  j["errors"] = nlohmann::ordered_json::object();
  for (const auto& [msg, count] : s.errors) j["errors"][msg] = count;
  if (s.sampled) {
    j["time_series"] = nlohmann::ordered_json::array();
    for (const auto& d : s.time_series) {
      j["time_series"].push_back({{"unix_second", d.timestamp},
                                  {"min_latency_ms", d.min_latency.count() / 1e6},
                                  {"avg_latency_ms", d.avg_latency.count() / 1e6},
                                  {"max_latency_ms", d.max_latency.count() / 1e6},
                                  {"throughput", d.throughput}});
    }
  }
  return j;
}

void Report::Start() {
  absl::MutexLock lock(&mu_);
  start_ = Clock::now();
  wall_start_ = std::chrono::system_clock::now();
  started_ = true;
}

void Report::Finish() {
  absl::MutexLock lock(&mu_);
  end_ = Clock::now();
  if (!started_) start_ = end_;
}

void Report::Add(Clock::time_point start, Clock::time_point end) {
  if (!sample_) {
    AddLatency(std::chrono::duration<double>(end - start).count());
    return;
  }
  absl::MutexLock lock(&mu_);
  lats_.push_back(std::chrono::duration<double>(end - start).count());
  const auto wall =
      wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(start - start_);
  const int64_t second =
      std::chrono::duration_cast<std::chrono::seconds>(wall.time_since_epoch()).count();
  AddSample(&points_, second, end - start);
}

void Report::AddLatency(double seconds) {
  absl::MutexLock lock(&mu_);
  lats_.push_back(seconds);
}

void Report::AddError(const std::string& message) {
  absl::MutexLock lock(&mu_);
  ++errors_[message];
}

int64_t Report::results() const {
  absl::MutexLock lock(&mu_);
  int64_t n = static_cast<int64_t>(lats_.size());
  for (const auto& [msg, count] : errors_) n += count;
  return n;
}

Stats Report::Compute() const {
  absl::MutexLock lock(&mu_);
  Stats s = ComputeStats(lats_, std::chrono::duration<double>(end_ - start_).count(), errors_);
  if (sample_) {
    s.sampled = true;
    s.time_series = TimeSeries(points_);
  }
  return s;
}

}  // namespace etcd::benchmark
