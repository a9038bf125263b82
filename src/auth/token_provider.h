// Auth tokens: what Authenticate hands out and what every later request carries in
// its "token" metadata. Two kinds, chosen by --auth-token (token_options.h):
//  * simple (simple_token.h): "<16 random letters>.<raft index>", remembered in memory
//    by every member (each member applies the Authenticate entry), TTL --auth-token-ttl,
//    renewed by every use, forgotten on restart, on auth disable and when the user is
//    deleted or changes password;
//  * JWT (jwt_token.h): signed claims {username, revision, exp}, stateless, verified by
//    any member holding the public key.
//
// Thread safety: implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace etcd::auth {

// Who a request acts as: the user name and the auth store revision the identity was
// established at (0: no identity).
struct AuthInfo {
  std::string username;
  uint64_t revision = 0;
};

class TokenProvider {
 public:
  virtual ~TokenProvider() = default;

  // Auth was enabled / disabled (disable forgets every simple token).
  virtual void Enable() = 0;
  virtual void Disable() = 0;

  // The prefix a member chooses for a token before proposing Authenticate (simple
  // tokens: 16 random letters; JWT: empty).
  virtual std::string GenPrefix() = 0;

  // Called when the Authenticate entry at `index` is applied: the token for `username`
  // at auth `revision`. `prefix` is the proposer's GenPrefix().
  virtual absl::StatusOr<std::string> Assign(std::string_view username, uint64_t revision,
                                             std::string_view prefix, uint64_t index) = 0;

  // The identity behind `token`, or nullopt when it is malformed, unknown, expired or
  // badly signed. `current_revision`: the store's revision now (a simple token is valid
  // for the current revision; a JWT carries the revision it was issued at).
  virtual std::optional<AuthInfo> Info(std::string_view token, uint64_t current_revision) = 0;

  // Forgets the user's tokens (user deleted or password changed).
  virtual void InvalidateUser(std::string_view username) = 0;
};

}  // namespace etcd::auth
