// The table of every etcd 3.4 server flag: its name, how its value is written, the
// default `etcd --help` shows, the help group, our usage text, and how a textual value
// (from the command line, an ETCD_* variable or the YAML file) is stored into a
// ServerConfig. The parser, the env and file loaders and HelpText() all read this one
// table, so a flag exists everywhere or nowhere.
//
// The table is built once and immutable afterwards; safe from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/server_config.h"

namespace etcd::config {

// Help groups, in the order `etcd --help` prints them. kOther holds flags etcd accepts
// but hides from its help (and our own additions); we list them anyway.
enum class FlagGroup {
  kMember,
  kClustering,
  kSecurity,
  kAuth,
  kProfiling,
  kLogging,
  kProxy,
  kExperimental,
  kUnsafe,
  kDeprecated,
  kOther,
};

enum class FlagKind {
  kString,
  kBool,      // Go bool flag: `--x` alone means true; a value needs `--x=false`
  kUint,      // non-negative integer (Go base-0 syntax)
  kInt,       // signed integer
  kMillis,    // non-negative integer number of milliseconds
  kDuration,  // Go duration: "5s", "100ms", "2h45m"
  kUrls,      // comma-separated URL list
  kList,      // comma-separated strings
  kEnum,      // one of a fixed set of words
};

struct FlagSpec {
  std::string name;  // without dashes: "initial-cluster-state"
  FlagKind kind;
  FlagGroup group;
  std::string help_default;  // exactly as `etcd --help` shows it: "'new'", "10", "''"
  std::string usage;         // our description (may contain '\n')
  std::string expected;      // what a valid value looks like, for error messages
  // Stores `value` into the config; on failure returns the reason etcd prints after
  // the colon ("parse error", "invalid value", a URL error, ...). Null for flags the
  // parser handles itself (version, config-file, check-config) and legacy flags.
  std::function<std::optional<std::string>(absl::string_view value, ServerConfig& cfg)> set;
  // The setting's current value, written as it would be on the command line
  // ("http://a:1,http://b:2", "5s", "true"). Null for version/check-config and legacy
  // flags.
  std::function<std::string(const ServerConfig& cfg)> get;
  bool legacy = false;  // accepted for compatibility and ignored (with a warning)
};

// A ServerConfig holding etcd's defaults, including the default URLs
// (http://localhost:2380 for peers, http://localhost:2379 for clients), which the
// struct's own initializers leave empty.
ServerConfig DefaultConfig();

// Every flag, in help order (legacy flags last).
const std::vector<FlagSpec>& AllFlags();

// nullptr if `name` (without dashes) is not a flag.
const FlagSpec* FindFlag(absl::string_view name);

// "initial-cluster-token" -> "ETCD_INITIAL_CLUSTER_TOKEN".
std::string EnvNameForFlag(absl::string_view flag);

// "ETCD_INITIAL_CLUSTER_TOKEN" -> "initial-cluster-token"; empty if not ETCD_-prefixed.
std::string FlagNameForEnv(absl::string_view env_name);

// Heading of a group in the help text ("Member", "Clustering", ...).
absl::string_view GroupTitle(FlagGroup group);

}  // namespace etcd::config
