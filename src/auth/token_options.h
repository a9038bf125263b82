// --auth-token: "simple" or "jwt,pub-key=<file>,priv-key=<file>,sign-method=<alg>[,ttl=<Go
// duration>]" (etcd 3.4's syntax) -> a TokenProvider.
//
// Thread safety: stateless.
#pragma once

#include <memory>
#include <string_view>

#include "auth/token_provider.h"
#include "common/clock.h"
#include "common/env.h"

namespace etcd::auth {

// A Go time.Duration string ("5m", "1h30m", "300ms", "1.5s") -> duration.
absl::StatusOr<Clock::Duration> ParseGoDuration(std::string_view text);

// Builds the provider named by `spec`. `simple_ttl`: --auth-token-ttl. Key files are read
// through `env`. `clock` must outlive the provider.
absl::StatusOr<std::unique_ptr<TokenProvider>> NewTokenProvider(std::string_view spec,
                                                                Clock::Duration simple_ttl,
                                                                Env* env, Clock* clock);

}  // namespace etcd::auth
