// The benchmark's command line: etcd benchmark's global flags and subcommands with
// their flags and defaults (cobra/pflag rules: --flag=value or --flag value, bool flags
// bare or =true/false, global flags before or after the subcommand, "--" ends flags).
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace etcd::benchmark {

struct GlobalOptions {
  std::vector<std::string> endpoints = {"127.0.0.1:2379"};
  int64_t conns = 1;
  int64_t clients = 1;
  bool precise = false;
  bool sample = false;
  std::string cert;
  std::string key;
  std::string cacert;
  std::string user;
  std::chrono::nanoseconds dial_timeout{0};
  bool target_leader = false;
  bool json = false;   // ours: the summary as one JSON object
  std::string output;  // etcd 3.6's --output ("json" = --json)
  // ours: put and range's load engine, "h2" (h2_driver.h) or "cq" (cq_driver.h); ""
  // picks h2 on plaintext endpoints without --user, else cq.
  std::string engine;
};

struct PutOptions {
  int64_t key_size = 8;
  int64_t val_size = 8;
  int64_t rate = 0;
  int64_t total = 10000;
  int64_t key_space_size = 1;
  bool sequential_keys = false;
  std::chrono::nanoseconds compact_interval{0};
  int64_t compact_index_delta = 1000;
  bool check_hashkv = false;
};

struct RangeOptions {
  int64_t rate = 0;
  int64_t total = 10000;
  std::string consistency = "l";
  std::string key;
  std::string end;
};

struct TxnPutOptions {
  int64_t key_size = 8;
  int64_t val_size = 8;
  int64_t txn_ops = 1;
  int64_t rate = 0;
  int64_t total = 10000;
  int64_t key_space_size = 1;
};

struct WatchOptions {
  int64_t streams = 10;
  int64_t watch_per_stream = 100;
  int64_t watchers = 0;  // alias (older etcd): total watchers, spread over --streams
  int64_t watched_key_total = 1;
  int64_t put_rate = 0;
  int64_t put_total = 1000;
  int64_t key_size = 32;
  int64_t key_space_size = 1;
  bool sequential_keys = false;
};

struct WatchLatencyOptions {
  int64_t total = 10000;
  int64_t put_rate = 100;
  int64_t key_size = 32;
  int64_t val_size = 32;
};

struct LeaseKeepaliveOptions {
  int64_t total = 10000;
};

struct CommandLine {
  std::string command;  // "put", "range", ...; empty with help
  bool help = false;    // -h/--help, or no command: print Usage(command)
  GlobalOptions global;
  PutOptions put;
  RangeOptions range;
  TxnPutOptions txn_put;
  WatchOptions watch;
  WatchLatencyOptions watch_latency;
  LeaseKeepaliveOptions lease_keepalive;
};

// `args` without the program name. Errors carry cobra's wording ("unknown flag:
// --foo", "unknown command \"x\" for \"benchmark\"", "invalid argument ...").
absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args);

// Whether put and range run on the h2 engine (h2_driver.h): with --engine h2, or
// without --engine, when every endpoint is plaintext and there is neither TLS nor
// --user (the engine speaks neither). InvalidArgument for --engine h2 where it cannot
// run.
absl::StatusOr<bool> UseH2Engine(const GlobalOptions& global);

// Help text for the program (command empty) or one subcommand.
std::string Usage(std::string_view command);

// Go's time.ParseDuration: "300ms", "1.5h", "2h45m", "-1s", "0".
absl::StatusOr<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);

}  // namespace etcd::benchmark
