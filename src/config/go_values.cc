#include "config/go_values.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace etcd::config {
namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Parses an unsigned magnitude with Go's base-0 rules. Underscores are allowed only
// between digits (or right after a base prefix), as in Go integer literals.
std::optional<uint64_t> ParseMagnitude(absl::string_view s) {
  if (s.empty()) return std::nullopt;
  int base = 10;
  bool prefixed = false;
  if (s.size() >= 2 && s[0] == '0') {
    char p = s[1];
    if (p == 'x' || p == 'X') {
      base = 16, prefixed = true;
      s.remove_prefix(2);
    } else if (p == 'b' || p == 'B') {
      base = 2, prefixed = true;
      s.remove_prefix(2);
    } else if (p == 'o' || p == 'O') {
      base = 8, prefixed = true;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);  // leading 0 means octal; the 0 itself is a digit
      prefixed = true;
    }
  }
  if (s.empty()) return std::nullopt;
  uint64_t value = 0;
  bool last_was_digit = prefixed;  // "0x_1f" is legal Go
  bool any_digit = false;
  for (char c : s) {
    if (c == '_') {
      if (!last_was_digit) return std::nullopt;
      last_was_digit = false;
      continue;
    }
    int d = DigitValue(c);
    if (d >= base) return std::nullopt;
    if (value > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) /
                    static_cast<uint64_t>(base)) {
      return std::nullopt;  // overflow
    }
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    last_was_digit = true;
    any_digit = true;
  }
  if (!last_was_digit) return std::nullopt;  // trailing underscore
  if (!any_digit && base != 8) return std::nullopt;
  return value;
}

}  // namespace

std::optional<bool> ParseGoBool(absl::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseGoUint(absl::string_view s) {
  if (!s.empty() && s[0] == '+') return std::nullopt;  // ParseUint takes no sign
  if (s == "0") return 0;
  return ParseMagnitude(s);
}

std::optional<int64_t> ParseGoInt(absl::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::optional<uint64_t> m = s == "0" ? std::optional<uint64_t>(0) : ParseMagnitude(s);
  if (!m) return std::nullopt;
  constexpr uint64_t kMaxPos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (*m > kMaxPos + 1) return std::nullopt;
    if (*m == kMaxPos + 1) return std::numeric_limits<int64_t>::min();
    return -static_cast<int64_t>(*m);
  }
  if (*m > kMaxPos) return std::nullopt;
  return static_cast<int64_t>(*m);
}

absl::StatusOr<int64_t> ParseGoDuration(absl::string_view input) {
  // Go's algorithm: each "<number><unit>" adds the integer part times the unit exactly
  // and the fraction as uint64(float64(f) * (float64(unit) / scale)), truncated; the
  // sum must stay within 1<<63 (and below it unless negative).
  const std::string quoted = absl::StrCat("\"", input, "\"");
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat("time: invalid duration ", quoted));
  };
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  absl::string_view s = input;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return invalid();
  uint64_t total = 0;
  while (!s.empty()) {
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (v > kLimit / 10) return invalid();
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kLimit) return invalid();
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      for (i = 0; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        if (overflow) continue;
        const uint64_t next = frac * 10 + static_cast<uint64_t>(s[i] - '0');
        if (frac > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / 10 ||
            next > kLimit) {
          overflow = true;  // Go ignores the digits that no longer fit
          continue;
        }
        frac = next;
        scale *= 10;
      }
      post = i > 0;
      s.remove_prefix(i);
    }
    if (!pre && !post) return invalid();
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) ++u;
    if (u == 0) {
      return absl::InvalidArgumentError(absl::StrCat("time: missing unit in duration ", quoted));
    }
    const absl::string_view unit_text = s.substr(0, u);
    s.remove_prefix(u);
    uint64_t unit;
    if (unit_text == "ns") {
      unit = 1;
    } else if (unit_text == "us" || unit_text == "\xC2\xB5s" || unit_text == "\xCE\xBCs") {
      unit = 1000;
    } else if (unit_text == "ms") {
      unit = 1000000;
    } else if (unit_text == "s") {
      unit = 1000000000;
    } else if (unit_text == "m") {
      unit = 60 * uint64_t{1000000000};
    } else if (unit_text == "h") {
      unit = 3600 * uint64_t{1000000000};
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("time: unknown unit \"", unit_text, "\" in duration ", quoted));
    }
    if (v > kLimit / unit) return invalid();
    v *= unit;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit) / scale));
      if (v > kLimit) return invalid();
    }
    total += v;
    if (total > kLimit) return invalid();
  }
  if (negative) return static_cast<int64_t>(~total + 1);  // -(1<<63) included
  if (total > kLimit - 1) return invalid();
  return static_cast<int64_t>(total);
}

std::string FormatGoDuration(int64_t nanos) {
  if (nanos == 0) return "0s";
  std::string sign = nanos < 0 ? "-" : "";
  uint64_t u = nanos < 0 ? static_cast<uint64_t>(-(nanos + 1)) + 1 : static_cast<uint64_t>(nanos);
  auto trim = [](std::string s) {
    if (s.find('.') != std::string::npos) {
      while (!s.empty() && s.back() == '0') s.pop_back();
      if (!s.empty() && s.back() == '.') s.pop_back();
    }
    return s;
  };
  if (u < 1000) return absl::StrCat(sign, u, "ns");
  if (u < 1000000) {
    return absl::StrCat(sign, trim(absl::StrFormat("%d.%03d", u / 1000, u % 1000)), "\xC2\xB5s");
  }
  if (u < 1000000000) {
    return absl::StrCat(sign, trim(absl::StrFormat("%d.%06d", u / 1000000, u % 1000000)), "ms");
  }
  uint64_t secs_total = u / 1000000000, sub = u % 1000000000;
  uint64_t h = secs_total / 3600, m = (secs_total / 60) % 60, sec = secs_total % 60;
  std::string secs = trim(absl::StrFormat("%d.%09d", sec, sub)) + "s";
  if (h > 0) return absl::StrCat(sign, h, "h", m, "m", secs);
  if (m > 0) return absl::StrCat(sign, m, "m", secs);
  return sign + secs;
}

}  // namespace etcd::config
