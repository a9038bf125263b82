#include "tools/benchmark/format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace etcd::benchmark {

std::string GoFloatG(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest round-trip digits, in scientific form: "-d.ddde+XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  const size_t e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  const int exp = std::atoi(sci.c_str() + e_pos + 1);
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  std::string out = negative ? "-" : "";
  // Go: with the shortest precision, %e is chosen when exp < -4 || exp >= 6.
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + ebuf;
  }
  if (exp < 0) {
    out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(exp) + 1) + "." +
           digits.substr(static_cast<size_t>(exp) + 1);
  }
  return out;
}

std::string FormatDouble(const char* fmt, double v) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

namespace {

// Formats `v` (an integer count of 10^-prec units) with `prec` decimals, trailing
// zeros (and a bare dot) removed, as Go's fmtFrac does.
std::string Fraction(uint64_t v, int prec, uint64_t* integer) {
  std::string frac;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    const uint64_t digit = v % 10;
    print = print || digit != 0;
    if (print) frac.insert(frac.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  *integer = v;
  return print ? "." + frac : "";
}

}  // namespace

std::string GoDuration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  const bool negative = ns < 0;
  uint64_t u = negative ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  std::string out;
  if (u < 1'000'000'000ULL) {
    // Sub-second: ns, µs or ms with a fraction.
    if (u == 0) return "0s";
    int prec = 0;
    const char* unit = "ns";
    if (u < 1'000ULL) {
      prec = 0;
      unit = "ns";
    } else if (u < 1'000'000ULL) {
      prec = 3;
      unit = "\xC2\xB5s";  // µs
    } else {
      prec = 6;
      unit = "ms";
    }
    uint64_t integer = 0;
    const std::string frac = Fraction(u, prec, &integer);
    out = std::to_string(integer) + frac + unit;
  } else {
    uint64_t integer = 0;
    const std::string frac = Fraction(u, 9, &integer);  // integer = whole seconds
    const uint64_t secs = integer % 60;
    const uint64_t mins_total = integer / 60;
    out = std::to_string(secs) + frac + "s";
    if (mins_total > 0) {
      out = std::to_string(mins_total % 60) + "m" + out;
      if (mins_total / 60 > 0) out = std::to_string(mins_total / 60) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

std::string HumanizeBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (bytes < 10) return std::to_string(bytes) + " B";
  const double e = std::floor(std::log(static_cast<double>(bytes)) / std::log(1000.0));
  const double val = std::floor(static_cast<double>(bytes) / std::pow(1000.0, e) * 10 + 0.5) / 10;
  char buf[64];
  std::snprintf(buf, sizeof(buf), val < 10 ? "%.1f %s" : "%.0f %s", val,
                kUnits[static_cast<int>(e)]);
  return buf;
}

}  // namespace etcd::benchmark
