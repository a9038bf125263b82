// etcdctl's exit codes (ctlv3/command/error.go) and the way a command ends with an
// error: throw CtlExit (caught once, in Main, which prints "Error: <message>" on stderr
// and returns the code). Exceptions never leave the etcdctl tool.
#pragma once

#include <string>

#include "common/status.h"

namespace etcd::etcdctl {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitBadConnection = 2;
inline constexpr int kExitInvalidInput = 3;
inline constexpr int kExitBadFeature = 4;
inline constexpr int kExitInterrupted = 5;
inline constexpr int kExitIO = 6;
inline constexpr int kExitBadArgs = 128;

struct CtlExit {
  int code = 0;
  std::string message;  // printed as "Error: <message>" unless `silent`
  bool silent = false;
};

[[noreturn]] inline void ExitWithError(int code, std::string message) {
  throw CtlExit{code, std::move(message), false};
}
// Ends with `code` and nothing printed (what was to say is already out).
[[noreturn]] inline void ExitSilently(int code) { throw CtlExit{code, "", true}; }
// A client error in clientv3's words (client::ErrorString).
[[noreturn]] void ExitWithStatus(int code, const absl::Status& status);
// clientv3's error text for a failed call.
std::string ClientErrorText(const absl::Status& status);

}  // namespace etcd::etcdctl
