// Go-compatible number formatting for the benchmark's report, so its output reads like
// etcd's benchmark tool (Go's fmt): %g, time.Duration.String and humanize.Bytes.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace etcd::benchmark {

// Go's fmt "%g" for a float64: the shortest representation that round-trips, in %e
// form when the decimal exponent is < -4 or >= 6 ("1e-05", "0.0001234", "123456",
// "1.234567e+06").
std::string GoFloatG(double v);
// Go's fmt "%v" for a float64 (same as %g).
inline std::string GoFloatV(double v) { return GoFloatG(v); }
// printf-style formatting of one double ("%4.4f", "%.3f").
std::string FormatDouble(const char* fmt, double v);
// Go's time.Duration.String(): "1.5s", "2m0.5s", "12.345ms", "800ns", "0s".
std::string GoDuration(std::chrono::nanoseconds d);
// go-humanize's Bytes (SI): "82 B", "1.2 kB", "20 kB", "3.4 MB".
std::string HumanizeBytes(uint64_t bytes);

}  // namespace etcd::benchmark
