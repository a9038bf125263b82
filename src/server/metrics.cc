#include "server/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace etcd::server::metrics {

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return "0";
  // Shortest round-trip digits in scientific form: d.ddddde[+-]XX.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t epos = sci.find('e');
  int exp = std::stoi(sci.substr(epos + 1));
  std::string mant = sci.substr(0, epos);
  bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits.push_back(c);
  }
  std::string out = neg ? "-" : "";
  // Go's shortest 'g': %e when exp < -4 || exp >= 6, otherwise %f.
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + e;
  }
  // %f form with exactly the significant digits.
  if (exp < 0) {
    out += "0.";
    out += std::string(-exp - 1, '0');
    out += digits;
    return out;
  }
  if (static_cast<int>(digits.size()) <= exp + 1) {
    out += digits + std::string(exp + 1 - digits.size(), '0');
    return out;
  }
  out += digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
  return out;
}

namespace {

void AppendSimple(std::string* out, std::string_view type, std::string_view name,
                  std::string_view help, double value, std::string_view labels) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(FormatValue(value)).append("\n");
}

}  // namespace

void AppendGauge(std::string* out, std::string_view name, std::string_view help, double value,
                 std::string_view labels) {
  AppendSimple(out, "gauge", name, help, value, labels);
}

void AppendCounter(std::string* out, std::string_view name, std::string_view help, double value,
                   std::string_view labels) {
  AppendSimple(out, "counter", name, help, value, labels);
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> b;
  double v = start;
  for (int i = 0; i < count; ++i) {
    b.push_back(v);
    v *= factor;
  }
  return b;
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size(), 0) {}

void Histogram::Observe(double v) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (v <= bounds_[i]) {
      ++counts_[i];
      break;
    }
  }
  ++count_;
  sum_ += v;
}

uint64_t Histogram::Count() const {
  absl::MutexLock lock(&mu_);
  return count_;
}

void Histogram::Append(std::string* out, std::string_view name, std::string_view help) const {
  absl::MutexLock lock(&mu_);
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" histogram\n");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out->append(name).append("_bucket{le=\"").append(FormatValue(bounds_[i])).append("\"} ");
    out->append(std::to_string(cumulative)).append("\n");
  }
  out->append(name).append("_bucket{le=\"+Inf\"} ").append(std::to_string(count_)).append("\n");
  out->append(name).append("_sum ").append(FormatValue(sum_)).append("\n");
  out->append(name).append("_count ").append(std::to_string(count_)).append("\n");
}

}  // namespace etcd::server::metrics
