// Simple tokens (--auth-token simple): "<16 random letters>.<index of the Authenticate
// entry>". Every member applies the Authenticate entry and remembers the token in
// memory, so any member accepts it; nothing is persisted (tokens die with a restart, as
// in etcd). A token lives --auth-token-ttl after its last use.
//
// Thread safety: thread-safe (one mutex, never held across a callback).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "auth/token_provider.h"
#include "common/clock.h"

namespace etcd::auth {

// Fills `n` bytes with unpredictable randomness (default: OpenSSL's RAND_bytes).
using RandomBytesFn = std::function<void(unsigned char* out, size_t n)>;
RandomBytesFn SystemRandomBytes();

class SimpleTokenProvider final : public TokenProvider {
 public:
  static constexpr size_t kPrefixLength = 16;

  // `clock` must outlive the provider. `random` null: SystemRandomBytes().
  SimpleTokenProvider(Clock* clock, Clock::Duration ttl, RandomBytesFn random = nullptr);

  void Enable() override;
  void Disable() override;
  std::string GenPrefix() override;
  absl::StatusOr<std::string> Assign(std::string_view username, uint64_t revision,
                                     std::string_view prefix, uint64_t index) override;
  std::optional<AuthInfo> Info(std::string_view token, uint64_t current_revision) override;
  void InvalidateUser(std::string_view username) override;

  // Live tokens (expired ones are dropped lazily).
  size_t TokenCount() const;

  // True when `token` has the simple token shape "<prefix>.<decimal index>"; sets
  // *index.
  static bool ParseToken(std::string_view token, uint64_t* index);

 private:
  struct Entry {
    std::string username;
    Clock::TimePoint expires;
  };
  void SweepLocked(Clock::TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  const Clock::Duration ttl_;
  const RandomBytesFn random_;
  mutable absl::Mutex mu_;
  bool enabled_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, Entry, std::less<>> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::auth
