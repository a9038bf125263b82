// etcdctl's command tree and one invocation of it: cobra-style lookup of the command
// path (with prefix matching: `mem li` is `member list`), pflag-style flags (flags.h),
// ETCDCTL_* environment variables for the global flags (applied, as etcdctl does, when
// the command builds its client), the output printer and the client.
//
// Thread safety: none; an invocation runs on the main thread (watch and lock spawn
// their own helpers and serialize output through Context::output_mu()).
#pragma once

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "client/client.h"
#include "tools/etcdctl/exit.h"
#include "tools/etcdctl/flags.h"
#include "tools/etcdctl/printer.h"

namespace etcd::etcdctl {

class Context;

struct Command {
  std::string use;         // "get [options] <key> [range_end]": the first word is the name
  std::string short_help;  // one line
  std::string long_help;   // optional
  FlagSet flags;           // this command's own flags
  FlagSet persistent;      // flags inherited by its subcommands too
  std::function<void(Context&)> run;  // empty for a group of subcommands
  std::vector<std::unique_ptr<Command>> children;
  Command* parent = nullptr;

  std::string Name() const;
  std::string Path() const;  // "etcdctl member add"
  Command* Add(std::unique_ptr<Command> child);
};

// What a command needs to reach the cluster (etcdctl's clientConfig).
struct ClientConfig {
  std::vector<std::string> endpoints;
  int64_t dial_timeout_ns = 0;
  int64_t command_timeout_ns = 0;
  int64_t keepalive_time_ns = 0;
  int64_t keepalive_timeout_ns = 0;
  std::string cert, key, cacert, server_name;
  bool insecure_transport = true;
  bool insecure_skip_verify = false;
  bool has_auth = false;
  std::string username, password;
};

class Context {
 public:
  Context(Command* cmd, FlagSet flags, std::vector<std::string> args, int dash,
          std::vector<std::string> os_args, std::ostream& out, std::ostream& err, std::istream& in);

  Command* cmd() const { return cmd_; }
  FlagSet& flags() { return flags_; }
  const std::vector<std::string>& args() const { return args_; }
  // Index in args() of the first argument after "--", or -1.
  int args_len_at_dash() const { return dash_; }
  const std::vector<std::string>& os_args() const { return os_args_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  std::istream& in() { return in_; }

  // The printer of -w / ETCDCTL_WRITE_OUT (exit 4 for an unknown format).
  Printer& Display();
  // Applies ETCDCTL_* to the inherited flags (once), validates TLS and auth options,
  // prints --debug output, resolves endpoints (SRV discovery); etcdctl's
  // clientConfigFromCmd.
  ClientConfig Config();
  // A client for cfg.endpoints (or `endpoints` when given); exit 2 when it cannot be
  // made (bad credentials, ...).
  std::unique_ptr<client::Client> MustClient();
  std::unique_ptr<client::Client> MustClient(const ClientConfig& cfg);
  // client::ClientOptions for cfg; exit 128 for unreadable TLS files.
  static client::ClientOptions Options(const ClientConfig& cfg);
  // --command-timeout in milliseconds.
  std::chrono::milliseconds CommandTimeout() const;
  // endpoint commands' --cluster: the member list's client URLs, else --endpoints.
  std::vector<std::string> EndpointsFromCluster();

  absl::Mutex* output_mu() { return &output_mu_; }

 private:
  void ApplyEnv();
  std::vector<std::string> EndpointsFromFlags();

  Command* const cmd_;
  FlagSet flags_;
  const std::vector<std::string> args_;
  const int dash_;
  const std::vector<std::string> os_args_;
  std::ostream& out_;
  std::ostream& err_;
  std::istream& in_;
  std::unique_ptr<Printer> display_;
  bool env_applied_ = false;
  bool config_done_ = false;
  ClientConfig config_;
  absl::Mutex output_mu_;
};

// Runs etcdctl with `argv` (argv[0] is the program name). Returns the exit code.
int Main(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
         std::istream& in);

// speakeasy.Ask as etcdctl uses it: `prompt` on out, the line read from `in` with echo
// off on a terminal (stty's complaint on err otherwise), then a newline.
std::string AskPassword(const std::string& prompt, std::ostream& out, std::ostream& err,
                        std::istream& in);

// The command tree (commands.cc).
std::unique_ptr<Command> NewRootCommand();
// The usage text of a command (our own words).
std::string UsageText(const Command& cmd);

}  // namespace etcd::etcdctl
