#include "auth/simple_token.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/numbers.h"

namespace etcd::auth {

RandomBytesFn SystemRandomBytes() {
  return [](unsigned char* out, size_t n) {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) {
      // No usable entropy: refusing to make guessable tokens is the only safe answer.
      std::abort();
    }
  };
}

SimpleTokenProvider::SimpleTokenProvider(Clock* clock, Clock::Duration ttl, RandomBytesFn random)
    : clock_(clock), ttl_(ttl), random_(random ? std::move(random) : SystemRandomBytes()) {}

void SimpleTokenProvider::Enable() {
  absl::MutexLock l(&mu_);
  enabled_ = true;
}

void SimpleTokenProvider::Disable() {
  absl::MutexLock l(&mu_);
  enabled_ = false;
  tokens_.clear();
}

std::string SimpleTokenProvider::GenPrefix() {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  constexpr unsigned kCount = sizeof(kLetters) - 1;  // 52
  std::string out;
  out.reserve(kPrefixLength);
  while (out.size() < kPrefixLength) {
    unsigned char buf[32];
    random_(buf, sizeof(buf));
    for (unsigned char b : buf) {
      // Rejection sampling keeps the letters uniform (256 = 4 * 52 + 48).
      if (b >= 4 * kCount) continue;
      out.push_back(kLetters[b % kCount]);
      if (out.size() == kPrefixLength) break;
    }
  }
  return out;
}

bool SimpleTokenProvider::ParseToken(std::string_view token, uint64_t* index) {
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  if (token.find('.', dot + 1) != std::string_view::npos) return false;
  std::string_view digits = token.substr(dot + 1);
  return absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), index);
}

void SimpleTokenProvider::SweepLocked(Clock::TimePoint now) {
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second.expires <= now ? tokens_.erase(it) : std::next(it);
  }
}

absl::StatusOr<std::string> SimpleTokenProvider::Assign(std::string_view username, uint64_t,
                                                        std::string_view prefix, uint64_t index) {
  std::string token = std::string(prefix) + "." + std::to_string(index);
  auto now = clock_->Now();
  absl::MutexLock l(&mu_);
  SweepLocked(now);
  // A token is remembered even before Enable (etcd's keeper only runs while enabled,
  // but Authenticate is refused while disabled anyway).
  tokens_[token] = Entry{std::string(username), now + ttl_};
  return token;
}

std::optional<AuthInfo> SimpleTokenProvider::Info(std::string_view token,
                                                  uint64_t current_revision) {
  uint64_t index = 0;
  if (!ParseToken(token, &index)) return std::nullopt;
  auto now = clock_->Now();
  absl::MutexLock l(&mu_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    tokens_.erase(it);
    return std::nullopt;
  }
  it->second.expires = now + ttl_;  // every use renews the token
  return AuthInfo{it->second.username, current_revision};
}

void SimpleTokenProvider::InvalidateUser(std::string_view username) {
  absl::MutexLock l(&mu_);
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second.username == username ? tokens_.erase(it) : std::next(it);
  }
}

size_t SimpleTokenProvider::TokenCount() const {
  auto now = clock_->Now();
  absl::MutexLock l(&mu_);
  size_t n = 0;
  for (const auto& [t, e] : tokens_) n += e.expires > now ? 1 : 0;
  return n;
}

}  // namespace etcd::auth
