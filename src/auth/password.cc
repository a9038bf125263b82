#include "auth/password.h"

#include <crypt.h>

#include <cstring>
#include <memory>

namespace etcd::auth {
namespace {

bool IsBcrypt(std::string_view hash) {
  return hash.size() == 60 && hash[0] == '$' && hash[1] == '2' &&
         (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$';
}

// Constant-time comparison of two equal-length strings.
bool SameBytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

absl::StatusOr<std::string> HashPassword(std::string_view password, int cost) {
  if (cost < kMinBcryptCost || cost > kMaxBcryptCost) {
    return absl::InvalidArgumentError("bcrypt: cost out of range: " + std::to_string(cost));
  }
  if (password.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("bcrypt: password contains a NUL byte");
  }
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof(salt)) ==
      nullptr) {
    return absl::InternalError(std::string("bcrypt: crypt_gensalt_rn failed: ") +
                               std::strerror(errno));
  }
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  std::string pw(password);
  const char* out = crypt_r(pw.c_str(), salt, data.get());
  if (out == nullptr || out[0] == '*') {
    return absl::InternalError("bcrypt: crypt_r failed");
  }
  std::string hash(out);
  if (!IsBcrypt(hash)) return absl::InternalError("bcrypt: unexpected hash format");
  return hash;
}

bool VerifyPassword(std::string_view password, std::string_view hash) {
  if (!IsBcrypt(hash)) return false;
  if (password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  std::string pw(password);
  std::string setting(hash);
  const char* out = crypt_r(pw.c_str(), setting.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return false;
  return SameBytes(out, hash);
}

}  // namespace etcd::auth
