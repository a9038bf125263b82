// bcrypt password hashes through libxcrypt (crypt_gensalt_rn + crypt_r with the "$2b$"
// prefix), as etcd stores them (Go's bcrypt writes "$2a$"; both verify here).
//
// Salts come from libxcrypt's own source of OS randomness (getentropy), never from the
// seeded etcd::Rng: a salt must be unpredictable.
//
// Thread safety: stateless; any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace etcd::auth {

inline constexpr int kMinBcryptCost = 4;
inline constexpr int kMaxBcryptCost = 31;
inline constexpr int kDefaultBcryptCost = 10;

// The bcrypt hash of `password` with `cost` (4..31). Slow by design (2^cost rounds):
// call it off the raft loop and the applier.
absl::StatusOr<std::string> HashPassword(std::string_view password, int cost);

// True when `password` matches `hash` (a bcrypt hash from HashPassword or Go's bcrypt).
// False for anything that is not a bcrypt hash (e.g. empty).
bool VerifyPassword(std::string_view password, std::string_view hash);

}  // namespace etcd::auth
