#include "auth/token_options.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_split.h"
#include "auth/jwt_token.h"
#include "auth/simple_token.h"

namespace etcd::auth {

absl::StatusOr<Clock::Duration> ParseGoDuration(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError("invalid duration \"" + std::string(text) + "\"");
  };
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Clock::Duration(0);
  if (s.empty()) return bad();
  long double total_ns = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) return bad();
    std::string num(s.substr(0, i));
    if (num == "." || std::count(num.begin(), num.end(), '.') > 1) return bad();
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) ++j;
    std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    long double scale;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") {
      scale = 1e3;
    } else if (unit == "ms") {
      scale = 1e6;
    } else if (unit == "s") {
      scale = 1e9;
    } else if (unit == "m") {
      scale = 60e9;
    } else if (unit == "h") {
      scale = 3600e9;
    } else {
      return bad();
    }
    total_ns += std::strtold(num.c_str(), nullptr) * scale;
  }
  if (total_ns > 9.2e18L) return bad();
  auto ns = static_cast<int64_t>(std::llround(static_cast<double>(total_ns)));
  return Clock::Duration(neg ? -ns : ns);
}

absl::StatusOr<std::unique_ptr<TokenProvider>> NewTokenProvider(std::string_view spec,
                                                                Clock::Duration simple_ttl,
                                                                Env* env, Clock* clock) {
  std::vector<std::string> parts = absl::StrSplit(absl::string_view(spec.data(), spec.size()), ',');
  if (parts.empty() || parts[0].empty() || parts[0] == "simple") {
    return std::unique_ptr<TokenProvider>(new SimpleTokenProvider(clock, simple_ttl));
  }
  if (parts[0] != "jwt") {
    return absl::InvalidArgumentError("auth: unknown token type: " + parts[0]);
  }
  JwtOptions opts;
  std::string pub_file, priv_file;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::vector<std::string> kv = absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
    if (kv.size() != 2) {
      return absl::InvalidArgumentError("auth: invalid auth options: " + parts[i]);
    }
    if (kv[0] == "pub-key") {
      pub_file = kv[1];
    } else if (kv[0] == "priv-key") {
      priv_file = kv[1];
    } else if (kv[0] == "sign-method") {
      opts.sign_method = kv[1];
    } else if (kv[0] == "ttl") {
      auto d = ParseGoDuration(kv[1]);
      if (!d.ok()) return absl::InvalidArgumentError("auth: invalid ttl: " + kv[1]);
      opts.ttl = *d;
    } else {
      return absl::InvalidArgumentError("auth: invalid auth options: " + parts[i]);
    }
  }
  auto read = [&](const std::string& file, std::string* out) -> absl::Status {
    if (file.empty()) return absl::OkStatus();
    leveldb::Status s = leveldb::ReadFileToString(env, file, out);
    if (!s.ok()) {
      return absl::InvalidArgumentError("auth: cannot read key file " + file + ": " + s.ToString());
    }
    return absl::OkStatus();
  };
  if (auto s = read(pub_file, &opts.public_key_pem); !s.ok()) return s;
  if (auto s = read(priv_file, &opts.private_key_pem); !s.ok()) return s;
  auto p = JwtTokenProvider::Create(opts, clock);
  if (!p.ok()) return p.status();
  return std::unique_ptr<TokenProvider>(std::move(*p));
}

}  // namespace etcd::auth
