#include "tools/etcdctl/go_format.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "config/go_values.h"

namespace etcd::etcdctl {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when invalid.
size_t DecodeRune(std::string_view s, size_t i, uint32_t* rune) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *rune = b0;
    return 1;
  }
  size_t len;
  uint32_t r, min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, r = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, r = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return 0;
  *rune = r;
  return len;
}

bool IsPrintRune(uint32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r >= 0x80 && r < 0xA0) return false;
  if (r == 0xAD || r == 0x2028 || r == 0x2029 || r == 0xFEFF) return false;
  return true;
}

std::string QuoteForParse(std::string_view s) { return GoQuote(s); }

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    const size_t n = DecodeRune(s, i, &r);
    if (n == 0) {
      const auto b = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
      ++i;
      continue;
    }
    if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (IsPrintRune(r)) {
      out.append(s.substr(i, n));
    } else {
      switch (r) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (r < 0x80) {
            out += "\\x";
            out += kHex[r >> 4];
            out += kHex[r & 15];
          } else if (r < 0x10000) {
            absl::StrAppendFormat(&out, "\\u%04x", r);
          } else {
            absl::StrAppendFormat(&out, "\\U%08x", r);
          }
      }
    }
    i += n;
  }
  out += '"';
  return out;
}

std::string GoJsonString(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&') {
        out += static_cast<char>(b);
      } else if (b == '"' || b == '\\') {
        out += '\\';
        out += static_cast<char>(b);
      } else if (b == '\n') {
        out += "\\n";
      } else if (b == '\r') {
        out += "\\r";
      } else if (b == '\t') {
        out += "\\t";
      } else {
        out += "\\u00";
        out += kHex[b >> 4];
        out += kHex[b & 15];
      }
      ++i;
      continue;
    }
    uint32_t r;
    const size_t n = DecodeRune(s, i, &r);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (r == 0x2028 || r == 0x2029) {
      absl::StrAppendFormat(&out, "\\u%04x", r);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out += '"';
  return out;
}

std::string Base64(std::string_view s) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((s.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(s[i]) << 16) |
                       (static_cast<unsigned char>(s[i + 1]) << 8) |
                       static_cast<unsigned char>(s[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < s.size()) {
    uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < s.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string HexBytes(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 4);
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    out += "\\x";
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string HumanizeBytes(uint64_t n) {
  static const char* kSizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (n < 10) return absl::StrFormat("%d B", n);
  const double d = static_cast<double>(n);
  const int e = static_cast<int>(std::floor(std::log(d) / std::log(1000.0)));
  const double val = std::floor(d / std::pow(1000.0, e) * 10 + 0.5) / 10;
  if (val < 10) return absl::StrFormat("%.1f %s", val, kSizes[e]);
  return absl::StrFormat("%.0f %s", val, kSizes[e]);
}

// One implementation of Go's durations for the whole tree (config/go_values.h).
std::string FormatGoDuration(int64_t nanos) { return config::FormatGoDuration(nanos); }

absl::StatusOr<int64_t> ParseGoDuration(std::string_view s) {
  return config::ParseGoDuration(absl::string_view(s.data(), s.size()));
}

namespace {

absl::StatusOr<uint64_t> ParseDigits(std::string_view s, int base, uint64_t limit,
                                     const std::string& fn, std::string_view orig) {
  auto syntax = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(fn, ": parsing ", QuoteForParse(orig), ": invalid syntax"));
  };
  if (s.empty()) return syntax();
  uint64_t v = 0;
  bool overflow = false;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'z') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'Z') {
      d = c - 'A' + 10;
    } else {
      return syntax();
    }
    if (d >= base) return syntax();
    if (overflow) continue;
    if (v > (limit - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      overflow = true;
      continue;
    }
    v = v * base + d;
  }
  if (overflow) {
    return absl::OutOfRangeError(
        absl::StrCat(fn, ": parsing ", QuoteForParse(orig), ": value out of range"));
  }
  return v;
}

}  // namespace

absl::StatusOr<int64_t> GoParseInt(std::string_view s, int base) {
  std::string_view digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  const uint64_t limit = neg ? static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1
                             : static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  ASSIGN_OR_RETURN(uint64_t v, ParseDigits(digits, base, limit, "strconv.ParseInt", s));
  if (neg) return v == limit ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(v);
  return static_cast<int64_t>(v);
}

absl::StatusOr<uint64_t> GoParseUint(std::string_view s, int base) {
  return ParseDigits(s, base, std::numeric_limits<uint64_t>::max(), "strconv.ParseUint", s);
}

absl::StatusOr<bool> GoParseBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return absl::InvalidArgumentError("strconv.ParseBool: parsing " + GoQuote(s) +
                                    ": invalid syntax");
}

std::string GoStringSlice(const std::vector<std::string>& v) {
  return "[" + absl::StrJoin(v, " ") + "]";
}

}  // namespace etcd::etcdctl
