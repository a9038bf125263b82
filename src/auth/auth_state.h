// One immutable version of the auth store's contents: the enabled flag, the auth
// revision, users and roles, and each user's merged key permissions. The AuthStore
// publishes a new AuthState after every change (changes are rare); readers on any
// thread take a shared_ptr and evaluate permissions without locks (permission.h).
//
// Thread safety: immutable once published.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "auth/range_perm.h"
#include "authpb/auth.pb.h"

namespace etcd::auth {

inline constexpr char kRootUser[] = "root";
inline constexpr char kRootRole[] = "root";

struct AuthState {
  bool enabled = false;
  uint64_t revision = 0;
  std::map<std::string, authpb::User, std::less<>> users;
  std::map<std::string, authpb::Role, std::less<>> roles;
  // Derived: merged permissions of every user's roles (RebuildPerms).
  std::map<std::string, UnifiedPerms, std::less<>> perms;

  const authpb::User* FindUser(std::string_view name) const {
    auto it = users.find(name);
    return it == users.end() ? nullptr : &it->second;
  }
  const authpb::Role* FindRole(std::string_view name) const {
    auto it = roles.find(name);
    return it == roles.end() ? nullptr : &it->second;
  }
  static bool HasRole(const authpb::User& u, std::string_view role) {
    for (const auto& r : u.roles()) {
      if (r == role) return true;
    }
    return false;
  }
  static bool HasRootRole(const authpb::User& u) { return HasRole(u, kRootRole); }

  // Recomputes `perms` from users and roles.
  void RebuildPerms() {
    perms.clear();
    for (const auto& [name, user] : users) {
      std::vector<const authpb::Role*> rs;
      for (const auto& r : user.roles()) {
        if (const authpb::Role* role = FindRole(r)) rs.push_back(role);
      }
      perms.emplace(name, MergePermissions(rs));
    }
  }
};

}  // namespace etcd::auth
