#include "tools/benchmark/flags.h"

#include <charconv>
#include <functional>
#include <map>

#include "absl/strings/str_split.h"
#include "client/endpoint.h"
#include "tools/benchmark/format.h"

namespace etcd::benchmark {
namespace {

enum class Kind { kInt, kBool, kString, kStringList, kDuration };

struct Flag {
  std::string name;
  Kind kind;
  void* target;
  std::string help;
  std::string def;        // default, as shown in help
  bool list_set = false;  // a string list: the first occurrence replaces the default
};

class FlagSet {
 public:
  void Int(std::string name, int64_t* p, std::string help) {
    flags_.push_back({std::move(name), Kind::kInt, p, std::move(help), std::to_string(*p)});
  }
  void Bool(std::string name, bool* p, std::string help) {
    flags_.push_back({std::move(name), Kind::kBool, p, std::move(help), *p ? "true" : "false"});
  }
  void String(std::string name, std::string* p, std::string help) {
    flags_.push_back({std::move(name), Kind::kString, p, std::move(help), "\"" + *p + "\""});
  }
  void StringList(std::string name, std::vector<std::string>* p, std::string help) {
    std::string def = "[";
    for (size_t i = 0; i < p->size(); ++i) def += (i ? "," : "") + (*p)[i];
    flags_.push_back({std::move(name), Kind::kStringList, p, std::move(help), def + "]"});
  }
  void Duration(std::string name, std::chrono::nanoseconds* p, std::string help) {
    flags_.push_back({std::move(name), Kind::kDuration, p, std::move(help), GoDuration(*p)});
  }

  Flag* Find(std::string_view name) {
    for (auto& f : flags_) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }
  const std::vector<Flag>& flags() const { return flags_; }

 private:
  std::vector<Flag> flags_;
};

absl::Status InvalidValue(const Flag& f, std::string_view value, std::string_view why) {
  return absl::InvalidArgumentError("invalid argument \"" + std::string(value) + "\" for \"--" +
                                    f.name + "\" flag: " + std::string(why));
}

absl::Status Set(Flag& f, std::string_view value) {
  switch (f.kind) {
    case Kind::kInt: {
      int64_t v = 0;
      auto res = std::from_chars(value.data(), value.data() + value.size(), v);
      if (res.ec == std::errc::result_out_of_range) {
        return InvalidValue(
            f, value,
            "strconv.ParseInt: parsing \"" + std::string(value) + "\": value out of range");
      }
      if (res.ec != std::errc() || res.ptr != value.data() + value.size() || value.empty()) {
        return InvalidValue(
            f, value, "strconv.ParseInt: parsing \"" + std::string(value) + "\": invalid syntax");
      }
      *static_cast<int64_t*>(f.target) = v;
      return absl::OkStatus();
    }
    case Kind::kBool: {
      static const std::map<std::string, bool, std::less<>> kValues = {
          {"1", true},    {"t", true},      {"T", true},      {"true", true},
          {"TRUE", true}, {"True", true},   {"0", false},     {"f", false},
          {"F", false},   {"false", false}, {"FALSE", false}, {"False", false}};
      auto it = kValues.find(value);
      if (it == kValues.end()) {
        return InvalidValue(
            f, value, "strconv.ParseBool: parsing \"" + std::string(value) + "\": invalid syntax");
      }
      *static_cast<bool*>(f.target) = it->second;
      return absl::OkStatus();
    }
    case Kind::kString:
      *static_cast<std::string*>(f.target) = std::string(value);
      return absl::OkStatus();
    case Kind::kStringList: {
      auto* list = static_cast<std::vector<std::string>*>(f.target);
      if (!f.list_set) list->clear();
      f.list_set = true;
      for (absl::string_view item :
           absl::StrSplit(absl::string_view(value.data(), value.size()), ',')) {
        list->emplace_back(item);
      }
      return absl::OkStatus();
    }
    case Kind::kDuration: {
      auto d = ParseGoDuration(value);
      if (!d.ok()) return InvalidValue(f, value, std::string(d.status().message()));
      *static_cast<std::chrono::nanoseconds*>(f.target) = *d;
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unknown flag kind");
}

void DefineGlobal(FlagSet* fs, GlobalOptions* g) {
  fs->StringList("endpoints", &g->endpoints, "gRPC endpoints");
  fs->Int("conns", &g->conns, "Total number of gRPC connections");
  fs->Int("clients", &g->clients, "Total number of gRPC clients");
  fs->Bool("precise", &g->precise, "use full floating point precision");
  fs->Bool("sample", &g->sample, "'true' to sample requests for every second");
  fs->String("cert", &g->cert, "identify HTTPS client using this SSL certificate file");
  fs->String("key", &g->key, "identify HTTPS client using this SSL key file");
  fs->String("cacert", &g->cacert,
             "verify certificates of HTTPS-enabled servers using this CA bundle");
  fs->String("user", &g->user,
             "provide username[:password] and prompt if password is not supplied.");
  fs->Duration("dial-timeout", &g->dial_timeout, "dial timeout for client connections");
  fs->Bool("target-leader", &g->target_leader, "connect only to the leader node");
  fs->Bool("json", &g->json, "print the summary as one JSON object");
  fs->String("output", &g->output,
             "Output format for benchmark results (only json is currently supported)");
  fs->String("engine", &g->engine,
             "put/range load engine: h2 (HTTP/2 over nghttp2, the default on plaintext "
             "endpoints without --user) or cq (gRPC completion queues: TLS, --user and the "
             "other commands always use it)");
}

struct CommandSpec {
  const char* name;
  const char* use;
  const char* short_help;
};

constexpr CommandSpec kCommands[] = {
    {"put", "put", "Benchmark put"},
    {"range", "range key [end-range]", "Benchmark range"},
    {"txn-put", "txn-put", "Benchmark txn-put"},
    {"watch", "watch", "Benchmark watch"},
    {"watch-latency", "watch-latency", "Benchmark watch latency"},
    {"lease-keepalive", "lease-keepalive", "Benchmark lease keepalive"},
};

const CommandSpec* FindCommand(std::string_view name) {
  for (const auto& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// Defines the flags of `command` bound to `cl`; false if unknown.
bool DefineCommand(std::string_view command, FlagSet* fs, CommandLine* cl) {
  if (command == "put") {
    PutOptions& o = cl->put;
    fs->Int("key-size", &o.key_size, "Key size of put request");
    fs->Int("val-size", &o.val_size, "Value size of put request");
    fs->Int("rate", &o.rate, "Maximum puts per second (0 is no limit)");
    fs->Int("total", &o.total, "Total number of put requests");
    fs->Int("key-space-size", &o.key_space_size, "Maximum possible keys");
    fs->Bool("sequential-keys", &o.sequential_keys, "Use sequential keys");
    fs->Duration("compact-interval", &o.compact_interval,
                 "Interval to compact database (do not duplicate this with etcd's "
                 "'auto-compaction-retention' flag) (e.g. --compact-interval=5m compacts "
                 "every 5-minute)");
    fs->Int("compact-index-delta", &o.compact_index_delta,
            "Delta between current revision and compact revision (e.g. current revision "
            "10000, compact at 9000)");
    fs->Bool("check-hashkv", &o.check_hashkv, "'true' to check hashkv");
    return true;
  }
  if (command == "range") {
    RangeOptions& o = cl->range;
    fs->Int("rate", &o.rate, "Maximum range requests per second (0 is no limit)");
    fs->Int("total", &o.total, "Total number of range requests");
    fs->String("consistency", &o.consistency, "Linearizable(l) or Serializable(s)");
    return true;
  }
  if (command == "txn-put") {
    TxnPutOptions& o = cl->txn_put;
    fs->Int("key-size", &o.key_size, "Key size of txn put");
    fs->Int("val-size", &o.val_size, "Value size of txn put");
    fs->Int("txn-ops", &o.txn_ops, "Number of puts per txn");
    fs->Int("rate", &o.rate, "Maximum txns per second (0 is no limit)");
    fs->Int("total", &o.total, "Total number of txn requests");
    fs->Int("key-space-size", &o.key_space_size, "Maximum possible keys");
    return true;
  }
  if (command == "watch") {
    WatchOptions& o = cl->watch;
    fs->Int("streams", &o.streams, "Total watch streams");
    fs->Int("watch-per-stream", &o.watch_per_stream, "Total watchers per stream");
    fs->Int("watchers", &o.watchers,
            "Total watchers, spread over --streams (overrides --watch-per-stream)");
    fs->Int("watched-key-total", &o.watched_key_total, "Total number of keys to be watched");
    fs->Int("put-rate", &o.put_rate, "Number of keys to put per second");
    fs->Int("put-total", &o.put_total, "Number of put requests");
    fs->Int("key-size", &o.key_size, "Key size of watch request");
    fs->Int("key-space-size", &o.key_space_size, "Maximum possible keys");
    fs->Bool("sequential-keys", &o.sequential_keys, "Use sequential keys");
    return true;
  }
  if (command == "watch-latency") {
    WatchLatencyOptions& o = cl->watch_latency;
    fs->Int("total", &o.total, "Total number of put requests");
    fs->Int("put-rate", &o.put_rate, "Number of keys to put per second");
    fs->Int("key-size", &o.key_size, "Key size of watch response");
    fs->Int("val-size", &o.val_size, "Value size of watch response");
    return true;
  }
  if (command == "lease-keepalive") {
    fs->Int("total", &cl->lease_keepalive.total, "Total number of lease keepalive requests");
    return true;
  }
  return false;
}

std::string FlagLines(const FlagSet& fs) {
  std::string out;
  for (const auto& f : fs.flags()) {
    std::string left = "      --" + f.name;
    switch (f.kind) {
      case Kind::kInt:
        left += " int";
        break;
      case Kind::kString:
        left += " string";
        break;
      case Kind::kStringList:
        left += " strings";
        break;
      case Kind::kDuration:
        left += " duration";
        break;
      case Kind::kBool:
        break;
    }
    if (left.size() < 38) left += std::string(38 - left.size(), ' ');
    out += left + " " + f.help;
    const bool zero = f.def == "0" || f.def == "false" || f.def == "\"\"" || f.def == "0s";
    if (!zero) out += " (default " + f.def + ")";
    out += "\n";
  }
  return out;
}

std::string HelpLine(const std::string& what) {
  std::string left = "  -h, --help";
  left.resize(38, ' ');
  return left + " help for " + what + "\n";
}

}  // namespace

absl::StatusOr<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  const std::string orig(text);
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return absl::InvalidArgumentError("time: invalid duration \"" + orig + "\"");
  static const std::pair<const char*, double> kUnits[] = {
      {"ns", 1},   {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3},
      {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) return absl::InvalidArgumentError("time: invalid duration \"" + orig + "\"");
    const double number = std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.')) ++u;
    const std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    if (unit.empty()) {
      return absl::InvalidArgumentError("time: missing unit in duration \"" + orig + "\"");
    }
    double scale = 0;
    for (const auto& [name, factor] : kUnits) {
      if (unit == name) scale = factor;
    }
    if (scale == 0) {
      return absl::InvalidArgumentError("time: unknown unit \"" + std::string(unit) +
                                        "\" in duration \"" + orig + "\"");
    }
    total += number * scale;
  }
  if (total > 9.2e18) return absl::InvalidArgumentError("time: invalid duration \"" + orig + "\"");
  const auto ns = static_cast<int64_t>(total + 0.5);
  return std::chrono::nanoseconds(negative ? -ns : ns);
}

absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine cl;
  FlagSet global;
  DefineGlobal(&global, &cl.global);
  FlagSet command;
  std::vector<std::string> positional;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!flags_done && a == "--") {
      flags_done = true;
      continue;
    }
    if (!flags_done && a.size() > 1 && a[0] == '-') {
      std::string_view body(a);
      body.remove_prefix(a[1] == '-' ? 2 : 1);
      std::string name(body.substr(0, body.find('=')));
      const bool has_value = body.find('=') != std::string_view::npos;
      std::string value = has_value ? std::string(body.substr(body.find('=') + 1)) : "";
      if (name == "h" || name == "help") {
        cl.help = true;
        continue;
      }
      Flag* f = command.Find(name);
      if (f == nullptr) f = global.Find(name);
      if (f == nullptr) {
        if (a[1] != '-') {
          return absl::InvalidArgumentError("unknown shorthand flag: '" + name.substr(0, 1) +
                                            "' in " + a);
        }
        return absl::InvalidArgumentError("unknown flag: --" + name);
      }
      if (f->kind == Kind::kBool) {
        RETURN_IF_ERROR(Set(*f, has_value ? value : "true"));
        continue;
      }
      if (!has_value) {
        if (i + 1 >= args.size()) {
          return absl::InvalidArgumentError("flag needs an argument: --" + name);
        }
        value = args[++i];
      }
      RETURN_IF_ERROR(Set(*f, value));
      continue;
    }
    if (cl.command.empty()) {
      if (a == "help") {
        cl.help = true;
        continue;
      }
      if (!DefineCommand(a, &command, &cl)) {
        return absl::InvalidArgumentError("unknown command \"" + a + "\" for \"benchmark\"");
      }
      cl.command = a;
      continue;
    }
    positional.push_back(a);
  }
  if (cl.command.empty()) cl.help = true;
  if (cl.global.output == "json") cl.global.json = true;
  if (cl.help) return cl;
  if (cl.command == "range") {
    if (positional.empty() || positional.size() > 2) {
      return absl::InvalidArgumentError("range expects a key and an optional end-range");
    }
    cl.range.key = positional[0];
    if (positional.size() == 2) cl.range.end = positional[1];
    if (cl.range.consistency != "l" && cl.range.consistency != "s") {
      return absl::InvalidArgumentError(
          "--consistency must be l (linearizable) or s "
          "(serializable), got \"" +
          cl.range.consistency + "\"");
    }
  }
  if (!cl.global.engine.empty() && cl.global.engine != "h2" && cl.global.engine != "cq") {
    return absl::InvalidArgumentError("--engine must be h2 or cq, got \"" + cl.global.engine +
                                      "\"");
  }
  if (cl.global.conns <= 0) return absl::InvalidArgumentError("--conns must be positive");
  if (cl.global.clients <= 0) return absl::InvalidArgumentError("--clients must be positive");
  if (cl.global.endpoints.empty()) return absl::InvalidArgumentError("no endpoints given");
  return cl;
}

absl::StatusOr<bool> UseH2Engine(const GlobalOptions& g) {
  if (g.engine == "cq") return false;
  std::string why;
  if (!g.cert.empty() || !g.key.empty() || !g.cacert.empty()) why = "TLS (--cert/--key/--cacert)";
  if (!g.user.empty()) why = "--user";
  for (const auto& e : g.endpoints) {
    auto ep = client::ParseEndpoint(e);
    if (ep.ok() && ep->secure) why = "https/unixs endpoints";
  }
  if (why.empty()) return true;
  if (g.engine == "h2") {
    return absl::InvalidArgumentError(
        "--engine h2 supports plaintext endpoints without "
        "--user only; use --engine cq with " +
        why);
  }
  return false;
}

std::string Usage(std::string_view command) {
  CommandLine cl;
  FlagSet global;
  DefineGlobal(&global, &cl.global);
  const CommandSpec* spec = FindCommand(command);
  std::string out;
  if (spec == nullptr) {
    out +=
        "benchmark is a low-level benchmark tool for etcd3.\n"
        "It uses gRPC client directly and does not depend on\n"
        "etcd client library.\n\n"
        "Usage:\n  benchmark [command]\n\nAvailable Commands:\n";
    for (const auto& c : kCommands) {
      std::string name = c.name;
      name.resize(17, ' ');
      out += "  " + name + c.short_help + "\n";
    }
    out += "\nFlags:\n" + FlagLines(global);
    out += HelpLine("benchmark");
    out += "\nUse \"benchmark [command] --help\" for more information about a command.\n";
    return out;
  }
  FlagSet fs;
  DefineCommand(command, &fs, &cl);
  out += std::string(spec->short_help) + "\n\nUsage:\n  benchmark " + spec->use +
         " [flags]\n\nFlags:\n" + FlagLines(fs) + HelpLine(spec->name) + "\nGlobal Flags:\n" +
         FlagLines(global);
  return out;
}

}  // namespace etcd::benchmark
