// Building the errors config/ returns: etcd's message, then in parentheses where the
// offending value came from and what a valid value looks like. Also the raw textual
// values collected from flags, ETCD_* variables and the config file.
//
// Internal to config/. Pure functions; safe from any thread.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "config/flags.h"
#include "config/parser.h"

namespace etcd::config {

// One setting as text, before it is stored into the ServerConfig.
struct RawValue {
  std::string value;
  Source source;
};
using RawValues = std::map<std::string, RawValue>;  // flag name -> value

// Command-line syntax errors (Go's flag package exits 2 on these): status code
// kInvalidArgument. Everything else: kFailedPrecondition (exit 1).
absl::Status SyntaxError(absl::string_view message);
absl::Status ConfigError(absl::string_view message);

// " (from <source>; <hint>)" -- the context appended to etcd's message. `hint` may be
// empty. With a `value`, the source names it too: " (from ETCD_NAME=\"x\" in the
// environment; ...)".
std::string Context(absl::string_view flag, const Source& source, absl::string_view hint);
std::string Context(absl::string_view flag, const Source& source, absl::string_view value,
                    absl::string_view hint);

// `flag`'s value and origin: "--name=\"x\" on the command line", "ETCD_NAME=\"x\" in the
// environment", "name: \"x\" in config file /e.yml", "the default \"x\"".
std::string DescribeValue(absl::string_view flag, const Source& source, absl::string_view value);

// The error for a value a flag's setter rejected, e.g.
// `invalid value "bogus" for flag -initial-cluster-state: invalid value (from
// ETCD_INITIAL_CLUSTER_STATE in the environment; expected "new" or "existing")`.
// Exit code 2 when the value came from the command line, 1 otherwise.
absl::Status InvalidValueError(const FlagSpec& spec, const RawValue& raw, absl::string_view reason);

}  // namespace etcd::config
