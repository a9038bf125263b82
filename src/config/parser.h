// The etcd server's configuration front end: command-line flags (Go `flag` syntax),
// ETCD_* environment variables and the YAML --config-file, resolved and validated into
// one ServerConfig, with a record of where every value came from.
//
// Behaviour follows etcd 3.4 (reference/server.md §1) with two deliberate differences
// (docs/configuration.md):
//  * a flag and its ETCD_* variable both set is not fatal: equal values are accepted
//    silently; different values -> the flag wins and a warning names both;
//  * when a config file is used, the flags and variables that are therefore ignored
//    are listed in a warning instead of being dropped silently.
// Every error names the setting, its value, where the value came from and what a valid
// value looks like.
//
// Library code: it never logs and never exits; the caller (tools/etcd/main.cc) prints
// the warnings and errors and exits with ExitCodeFor(status).
// Thread safety: all functions are pure (apart from reading the config file) and may
// be called from any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/server_config.h"

namespace leveldb {
class Env;
}

namespace etcd::config {

// Where a setting's value came from.
struct Source {
  enum Kind { kDefault, kFlag, kEnv, kConfigFile } kind = kDefault;
  // "--name" (kFlag), "ETCD_NAME" (kEnv), the file path (kConfigFile), "" (kDefault).
  std::string detail;
  bool operator==(const Source& other) const = default;
};

// Human-readable origin of `flag`'s value: "--name on the command line",
// "ETCD_NAME in the environment", "\"name\" in config file /etc/etcd/etcd.yml",
// "the default".
std::string DescribeSource(absl::string_view flag, const Source& source);

struct ParseResult {
  ServerConfig config;
  // Flag name (without dashes) -> where its value came from, for every flag.
  std::map<std::string, Source> sources;
  // Things the operator should know; the caller logs each one as a warning.
  std::vector<std::string> warnings;
  bool help = false;          // -h / --help: print HelpText(), exit 0
  bool version = false;       // --version: print the version, exit 0
  bool check_config = false;  // --check-config: print DescribeConfig(result), exit 0
};

// `args` is argv without argv[0]; `env` holds the process environment (only ETCD_*
// entries matter). The optional `fs` reads the config file (default: the real file
// system, leveldb::Env::Default()).
//
// When help or version is requested the config is not validated (as in etcd).
absl::StatusOr<ParseResult> Parse(const std::vector<std::string>& args,
                                  const std::map<std::string, std::string>& env,
                                  leveldb::Env* fs = nullptr);

// The usage text: every flag `etcd --help` lists, with the same names and defaults,
// grouped as etcd groups them, in our own words; plus the flags etcd accepts without
// listing them.
std::string HelpText();

// Process exit code for a Parse() error: 2 for command-line syntax errors (unknown
// flag, missing argument, unparsable value given as a flag: Go's flag package
// behaviour), 1 for everything else (validation errors, bad ETCD_* or config-file
// values, stray positional arguments). 0 for OK.
int ExitCodeFor(const absl::Status& status);

// For --check-config: one line per setting, "name = value (source)", values as they
// would be written on the command line, in help order.
std::string DescribeConfig(const ParseResult& result);

}  // namespace etcd::config
