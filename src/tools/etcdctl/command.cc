#include "tools/etcdctl/command.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "client/status.h"
#include "tools/etcdctl/go_format.h"
#include "tools/etcdctl/srv.h"

extern char** environ;

namespace etcd::etcdctl {

std::string ClientErrorText(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kDeadlineExceeded) return "context deadline exceeded";
  if (status.code() == absl::StatusCode::kCancelled &&
      !absl::StartsWith(status.message(), "etcdserver: ")) {
    return "context canceled";
  }
  return client::ErrorString(status);
}

void ExitWithStatus(int code, const absl::Status& status) {
  ExitWithError(code, ClientErrorText(status));
}

std::string Command::Name() const {
  const size_t sp = use.find(' ');
  return sp == std::string::npos ? use : use.substr(0, sp);
}

std::string Command::Path() const {
  return parent == nullptr ? Name() : parent->Path() + " " + Name();
}

Command* Command::Add(std::unique_ptr<Command> child) {
  child->parent = this;
  children.push_back(std::move(child));
  return children.back().get();
}

namespace {

std::string EnvName(const std::string& flag) {
  return "ETCDCTL_" + absl::AsciiStrToUpper(absl::StrReplaceAll(flag, {{"-", "_"}}));
}

// capnslog's line prefix: "2006-01-02 15:04:05.000000 L | pkg/flags: ".
std::string LogPrefix(char level) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  localtime_r(&ts.tv_sec, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return absl::StrFormat("%s.%06d %c | pkg/flags: ", buf, ts.tv_nsec / 1000, level);
}

// All flags a command accepts: its own, its persistent ones, its ancestors' persistent.
FlagSet MergedFlags(const Command& cmd, std::set<std::string>* inherited) {
  FlagSet fs;
  fs.Merge(cmd.flags);
  fs.Merge(cmd.persistent);
  for (const Command* p = cmd.parent; p != nullptr; p = p->parent) {
    for (const Flag& f : p->persistent.flags()) {
      if (inherited != nullptr) inherited->insert(f.name);
    }
    fs.Merge(p->persistent);
  }
  return fs;
}

Command* FindChild(Command* cmd, const std::string& name) {
  for (auto& c : cmd->children) {
    if (c->Name() == name) return c.get();
  }
  Command* match = nullptr;
  int n = 0;
  for (auto& c : cmd->children) {
    if (absl::StartsWith(c->Name(), name)) {
      match = c.get();
      ++n;
    }
  }
  return n == 1 ? match : nullptr;
}

size_t Levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string FlagLine(const Flag& f) {
  std::string name = f.shorthand != 0 ? absl::StrFormat("  -%c, --%s", f.shorthand, f.name)
                                      : absl::StrFormat("      --%s", f.name);
  std::string def;
  switch (f.type) {
    case FlagType::kBool:
      def = "[=" + f.default_text + "]";
      break;
    case FlagType::kString:
      def = "=" + GoQuote(f.default_text);
      break;
    case FlagType::kStringSlice:
      def = "=[" + f.default_text + "]";
      break;
    default:
      def = "=" + f.default_text;
  }
  return absl::StrFormat("%-44s %s\n", name + def, f.usage);
}

void CollectLeaves(const Command& c, std::vector<const Command*>* out) {
  for (const auto& child : c.children) {
    if (child->run) out->push_back(child.get());
    CollectLeaves(*child, out);
  }
}

}  // namespace

std::string UsageText(const Command& cmd) {
  std::string s = "Command:\n  " + cmd.Path() + " -- " + cmd.short_help + "\n";
  if (!cmd.long_help.empty()) s += "\n" + cmd.long_help + "\n";
  const std::string prefix = cmd.parent == nullptr ? "" : cmd.parent->Path() + " ";
  s += "\nUsage:\n  " + prefix + cmd.use + (cmd.children.empty() ? "" : " <subcommand>") +
       " [flags]\n";
  if (!cmd.children.empty()) {
    s += "\nSubcommands:\n";
    std::vector<const Command*> leaves;
    CollectLeaves(cmd, &leaves);
    std::sort(leaves.begin(), leaves.end(),
              [](const Command* a, const Command* b) { return a->Path() < b->Path(); });
    const size_t skip = cmd.Path().size() + 1;
    for (const Command* c : leaves) {
      s += absl::StrFormat("  %-28s %s\n", c->Path().substr(skip), c->short_help);
    }
  }
  FlagSet own;
  own.Merge(cmd.flags);
  own.Merge(cmd.persistent);
  if (!own.flags().empty()) {
    s += "\nFlags:\n";
    for (const Flag& f : own.flags()) s += FlagLine(f);
  }
  std::vector<Flag> inherited;
  for (const Command* p = cmd.parent; p != nullptr; p = p->parent) {
    for (const Flag& f : p->persistent.flags()) inherited.push_back(f);
  }
  std::sort(inherited.begin(), inherited.end(),
            [](const Flag& a, const Flag& b) { return a.name < b.name; });
  if (!inherited.empty()) {
    s += "\nGlobal flags:\n";
    for (const Flag& f : inherited) s += FlagLine(f);
  }
  if (cmd.parent == nullptr) {
    s += "\nEnvironment: every global flag may be set as ETCDCTL_<FLAG> (for example\n"
         "ETCDCTL_ENDPOINTS); a flag given on the command line must not also be set there.\n";
  }
  return s;
}

Context::Context(Command* cmd, FlagSet flags, std::vector<std::string> args, int dash,
                 std::vector<std::string> os_args, std::ostream& out, std::ostream& err,
                 std::istream& in)
    : cmd_(cmd),
      flags_(std::move(flags)),
      args_(std::move(args)),
      dash_(dash),
      os_args_(std::move(os_args)),
      out_(out),
      err_(err),
      in_(in) {}

Printer& Context::Display() {
  if (display_ == nullptr) {
    display_ = NewPrinter(flags_.GetString("write-out"), flags_.GetBool("hex"), out_, err_);
    if (display_ == nullptr) ExitWithError(kExitBadFeature, "unsupported output format");
  }
  return *display_;
}

void Context::ApplyEnv() {
  if (env_applied_) return;
  env_applied_ = true;
  std::set<std::string> inherited;
  MergedFlags(*cmd_, &inherited);
  std::set<std::string> known;
  for (const auto& name : inherited) known.insert(EnvName(name));
  if (absl::StartsWith(cmd_->use, "watch")) {
    known.insert("ETCDCTL_WATCH_KEY");
    known.insert("ETCDCTL_WATCH_RANGE_END");
  }
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string kv = *e;
    if (!absl::StartsWith(kv, "ETCDCTL_")) continue;
    const std::string key = kv.substr(0, kv.find('='));
    if (known.count(key) == 0) {
      err_ << LogPrefix('W') << "unrecognized environment variable " << kv << "\n";
    }
  }
  for (const auto& name : inherited) {
    const char* v = std::getenv(EnvName(name).c_str());
    if (v == nullptr) continue;
    Flag* f = flags_.Lookup(name);
    if (f == nullptr) continue;
    if (f->changed) {
      err_ << LogPrefix('C') << "conflicting environment variable \"" << EnvName(name)
           << "\" is shadowed by corresponding command-line flag (either unset environment "
              "variable or disable flag)\n";
      ExitSilently(kExitError);
    }
    (void)flags_.Set(f, v);  // etcdctl ignores a bad value here (the default stays)
  }
  if (flags_.GetBool("debug")) {
    std::vector<std::string> names(inherited.begin(), inherited.end());
    if (absl::StartsWith(cmd_->use, "watch")) {
      names.push_back("watch-key");
      names.push_back("watch-range-end");
    }
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      const Flag* f = flags_.Lookup(n);
      err_ << EnvName(n) << "=" << (f != nullptr ? f->ValueString() : "") << "\n";
    }
  }
}

std::vector<std::string> Context::EndpointsFromFlags() {
  const std::string& domain = flags_.GetString("discovery-srv");
  if (!domain.empty()) {
    auto eps = SrvClientEndpoints(domain, flags_.GetString("discovery-srv-name"));
    if (!eps.ok()) ExitWithError(kExitError, std::string(eps.status().message()));
    if (flags_.GetBool("insecure-discovery")) return *eps;
    std::vector<std::string> ret;
    for (const auto& ep : *eps) {
      if (absl::StartsWith(ep, "http://")) {
        err_ << "ignoring discovered insecure endpoint " << GoQuote(ep) << "\n";
        continue;
      }
      ret.push_back(ep);
    }
    if (!ret.empty()) return ret;
  }
  std::vector<std::string> eps = flags_.GetStringSlice("endpoints");
  for (auto& ep : eps) ep = std::string(absl::StripAsciiWhitespace(ep));
  return eps;
}

namespace {}  // namespace

std::string AskPassword(const std::string& prompt, std::ostream& out, std::ostream& err,
                        std::istream& in) {
  out << prompt << std::flush;
  const bool tty = isatty(STDIN_FILENO) == 1;
  // Like speakeasy: echo is switched off with stty, which complains when stdin is not a
  // terminal; the line is read either way.
  constexpr char kNoTty[] = "stty: 'standard input': Inappropriate ioctl for device\n";
  struct termios old_t;
  if (tty) {
    tcgetattr(STDIN_FILENO, &old_t);
    struct termios t = old_t;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
  } else {
    err << kNoTty << std::flush;
  }
  std::string line;
  std::getline(in, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old_t);
  } else {
    err << kNoTty << std::flush;
  }
  out << "\n" << std::flush;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

ClientConfig Context::Config() {
  if (config_done_) return config_;
  ApplyEnv();
  ClientConfig& c = config_;
  c.endpoints = EndpointsFromFlags();
  c.dial_timeout_ns = flags_.GetInt("dial-timeout");
  c.command_timeout_ns = flags_.GetInt("command-timeout");
  c.keepalive_time_ns = flags_.GetInt("keepalive-time");
  c.keepalive_timeout_ns = flags_.GetInt("keepalive-timeout");
  for (const char* name : {"cert", "key", "cacert"}) {
    if (flags_.GetString(name).empty() && flags_.Changed(name)) {
      ExitWithError(kExitBadArgs, absl::StrCat("empty string is passed to --", name, " option"));
    }
  }
  c.cert = flags_.GetString("cert");
  c.key = flags_.GetString("key");
  c.cacert = flags_.GetString("cacert");
  c.insecure_transport = flags_.GetBool("insecure-transport");
  c.insecure_skip_verify = flags_.GetBool("insecure-skip-tls-verify");
  if (!flags_.GetBool("insecure-discovery")) c.server_name = flags_.GetString("discovery-srv");
  const std::string user = flags_.GetString("user");
  const std::string password = flags_.GetString("password");
  if (!user.empty()) {
    c.has_auth = true;
    if (password.empty()) {
      const size_t colon = user.find(':');
      if (colon == std::string::npos) {
        c.username = user;
        c.password = AskPassword("Password: ", out_, err_, in_);
      } else {
        c.username = user.substr(0, colon);
        c.password = user.substr(colon + 1);
      }
    } else {
      c.username = user;
      c.password = password;
    }
  }
  Display();
  config_done_ = true;
  return c;
}

std::chrono::milliseconds Context::CommandTimeout() const {
  return std::chrono::milliseconds(flags_.GetInt("command-timeout") / 1000000);
}

client::ClientOptions Context::Options(const ClientConfig& cfg) {
  client::ClientOptions o;
  o.endpoints = cfg.endpoints;
  o.request_timeout = std::chrono::milliseconds(cfg.command_timeout_ns / 1000000);
  o.retry_until_deadline = true;
  o.keepalive_time = std::chrono::milliseconds(cfg.keepalive_time_ns / 1000000);
  o.keepalive_timeout = std::chrono::milliseconds(cfg.keepalive_timeout_ns / 1000000);
  const bool files = !cfg.cert.empty() || !cfg.key.empty() || !cfg.cacert.empty();
  for (const std::string* path : {&cfg.cert, &cfg.key, &cfg.cacert}) {
    if (path->empty()) continue;
    std::ifstream f(*path);
    if (!f) {
      std::string why = std::strerror(errno);
      if (!why.empty())
        why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
      ExitWithError(kExitBadArgs, "open " + *path + ": " + why);
    }
  }
  if (files || !cfg.insecure_transport || !cfg.server_name.empty()) {
    client::TlsFiles tls;
    tls.ca_file = cfg.cacert;
    tls.cert_file = cfg.cert;
    tls.key_file = cfg.key;
    tls.insecure_skip_verify = cfg.insecure_skip_verify;
    tls.server_name = cfg.server_name;
    o.tls = tls;
  }
  if (cfg.has_auth) {
    o.username = cfg.username;
    o.password = cfg.password;
  }
  return o;
}

std::unique_ptr<client::Client> Context::MustClient() { return MustClient(Config()); }

std::unique_ptr<client::Client> Context::MustClient(const ClientConfig& cfg) {
  auto c = client::Client::Connect(Options(cfg));
  if (!c.ok()) ExitWithStatus(kExitBadConnection, c.status());
  return std::move(*c);
}

std::vector<std::string> Context::EndpointsFromCluster() {
  if (!flags_.GetBool("cluster")) {
    ApplyEnv();
    return flags_.GetStringSlice("endpoints");
  }
  ClientConfig cfg = Config();
  cfg.has_auth = false;
  auto c = client::Client::Connect(Options(cfg));
  if (!c.ok()) ExitWithError(kExitError, ClientErrorText(c.status()));
  auto members = (*c)->MemberList();
  if (!members.ok()) {
    ExitWithError(kExitError, "failed to fetch endpoints from etcd cluster member list: " +
                                  ClientErrorText(members.status()));
  }
  std::vector<std::string> out;
  for (const auto& m : members->members()) {
    for (const auto& u : m.clienturls()) out.push_back(u);
  }
  return out;
}

// --- Main ---

int Main(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
         std::istream& in) {
  if (const char* api = std::getenv("ETCDCTL_API"); api != nullptr) {
    const std::string v = api;
    if (v == "2") {
      err << "Error: the v2 API (ETCDCTL_API=2) is not supported by this etcdctl\n";
      return kExitError;
    }
    if (!v.empty() && v != "3") {
      err << "unsupported API version " << v << "\n";
      return kExitError;
    }
    unsetenv("ETCDCTL_API");
  }
  std::unique_ptr<Command> root = NewRootCommand();
  const std::vector<std::string> args(argv.begin() + (argv.empty() ? 0 : 1), argv.end());

  // Find the command: at each level the first non-flag argument names a child.
  Command* cmd = root.get();
  std::vector<bool> is_path(args.size(), false);
  std::string first_positional;
  bool have_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-') {
      FlagSet fs = MergedFlags(*cmd, nullptr);
      // As cobra: a flag not known to be a bool is taken to have its value next.
      if (absl::StartsWith(a, "--")) {
        if (a.find('=') == std::string::npos) {
          const Flag* f = fs.Lookup(a.substr(2));
          if (f == nullptr || f->type != FlagType::kBool) ++i;
        }
      } else if (a.size() == 2) {
        const Flag* f = fs.LookupShort(a[1]);
        if (f == nullptr || f->type != FlagType::kBool) ++i;
      }
      continue;
    }
    Command* child = cmd->children.empty() ? nullptr : FindChild(cmd, a);
    if (child == nullptr) {
      first_positional = a;
      have_positional = true;
      break;
    }
    is_path[i] = true;
    cmd = child;
  }
  if (cmd == root.get() && have_positional) {
    std::string msg =
        absl::StrCat("unknown command ", GoQuote(first_positional), " for \"etcdctl\"");
    std::vector<std::string> names;
    for (const auto& c : root->children) names.push_back(c->Name());
    std::sort(names.begin(), names.end());
    std::string suggestions;
    for (const auto& name : names) {
      if (Levenshtein(first_positional, name) <= 2 ||
          absl::StartsWith(absl::AsciiStrToLower(name), absl::AsciiStrToLower(first_positional))) {
        suggestions += "\t" + name + "\n";
      }
    }
    if (!suggestions.empty()) msg += "\n\nDid you mean this?\n" + suggestions;
    err << "Error: " << msg << "\n";
    err << "Run 'etcdctl --help' for usage.\n";
    err << "Error: " << msg << "\n";
    return kExitError;
  }
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!is_path[i]) rest.push_back(args[i]);
  }
  FlagSet flags = MergedFlags(*cmd, nullptr);
  if (absl::Status s = flags.Parse(rest); !s.ok()) {
    err << "Error: " << s.message() << "\n" << std::flush;
    out << UsageText(*cmd) << "\n" << std::flush;
    err << "\nError: " << s.message() << "\n";
    return kExitError;
  }
  if (flags.help() || !cmd->run) {
    out << UsageText(*cmd);
    return kExitSuccess;
  }
  std::vector<std::string> positional = flags.args();
  const int dash = flags.args_len_at_dash();
  Context ctx(cmd, std::move(flags), std::move(positional), dash, argv, out, err, in);
  try {
    cmd->run(ctx);
  } catch (const CtlExit& e) {
    out << std::flush;
    if (!e.silent) err << "Error: " << e.message << "\n";
    err << std::flush;
    return e.code;
  }
  out << std::flush;
  return kExitSuccess;
}

}  // namespace etcd::etcdctl
