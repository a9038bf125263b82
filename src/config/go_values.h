// Parsers for values written the way Go's `flag` and `time` packages accept them, so
// that every value etcd 3.4 accepts on its command line is accepted here too:
// booleans (strconv.ParseBool), integers (strconv.ParseInt/ParseUint with base 0:
// "10", "0x1f", "0o17", "017", "0b101", "1_000") and durations (time.ParseDuration:
// "5s", "100ms", "2h45m", "1.5h", "-3us", "0").
//
// Pure functions; no state, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace etcd::config {

// strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
std::optional<bool> ParseGoBool(absl::string_view s);

// strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64). nullopt on syntax error or overflow.
std::optional<int64_t> ParseGoInt(absl::string_view s);
std::optional<uint64_t> ParseGoUint(absl::string_view s);

// time.ParseDuration, in nanoseconds. The error message is Go's, e.g.
// `time: invalid duration "abc"`, `time: missing unit in duration "1.5"`,
// `time: unknown unit "x" in duration "5x"`.
absl::StatusOr<int64_t> ParseGoDuration(absl::string_view s);

// Formats a duration the way Go's time.Duration.String() does ("1h0m0s", "100ms", "0s").
std::string FormatGoDuration(int64_t nanos);

}  // namespace etcd::config
