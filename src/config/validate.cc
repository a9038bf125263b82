#include "config/validate.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "config/go_values.h"
#include "config/url.h"

namespace etcd::config {
namespace {

using std::chrono::milliseconds;

constexpr char kDefaultInitialCluster[] = "default=http://localhost:2380";
constexpr int64_t kMaxElectionMs = 50000;
constexpr milliseconds kMinWatchProgressInterval{100};

// Go's crypto/tls cipher suite names (secure and insecure lists), plus the two short
// aliases etcd 3.4 accepts.
const std::set<std::string, std::less<>>& CipherSuiteNames() {
  static const auto* const names = new std::set<std::string, std::less<>>{
      "TLS_RSA_WITH_AES_128_CBC_SHA",
      "TLS_RSA_WITH_AES_256_CBC_SHA",
      "TLS_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_RSA_WITH_RC4_128_SHA",
      "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
      "TLS_RSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
      "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
      "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
  };
  return *names;
}

class Validator {
 public:
  Validator(const RawValues& raw, ParseResult* result)
      : raw_(raw), r_(*result), c_(result->config) {}

  absl::Status Run() {
    RETURN_IF_ERROR(Logging());
    RETURN_IF_ERROR(BindUrls());
    RETURN_IF_ERROR(AdvertiseUrls());
    RETURN_IF_ERROR(ParseCompactionMode());
    RETURN_IF_ERROR(Bootstrap());
    if (c_.data_dir.empty()) c_.data_dir = c_.name + ".etcd";
    RETURN_IF_ERROR(Timing());
    RETURN_IF_ERROR(ClientAdvertise());
    RETURN_IF_ERROR(CompactionRetention());
    RETURN_IF_ERROR(LeaseCheckpoint());
    RETURN_IF_ERROR(Tls());
    RETURN_IF_ERROR(Auth());
    Adjustments();
    return absl::OkStatus();
  }

 private:
  bool Given(absl::string_view flag) const { return raw_.count(std::string(flag)) > 0; }
  std::string Value(absl::string_view flag) const {
    auto it = raw_.find(std::string(flag));
    return it == raw_.end() ? "" : it->second.value;
  }
  const Source& Src(absl::string_view flag) { return r_.sources[std::string(flag)]; }
  std::string From(absl::string_view flag) { return DescribeSource(flag, Src(flag)); }
  // The setting's text: as given, or the current (default) value.
  std::string Text(absl::string_view flag) {
    if (Given(flag)) return Value(flag);
    const FlagSpec* spec = FindFlag(flag);
    return spec && spec->get ? spec->get(c_) : "";
  }
  std::string Ctx(absl::string_view flag, absl::string_view hint) {
    return Context(flag, Src(flag), Text(flag), hint);
  }
  bool FileMode() const { return !c_.config_file.empty(); }
  void Warn(std::string w) { r_.warnings.push_back(std::move(w)); }

  absl::Status Logging() {
    if (Given("log-output")) {
      std::vector<std::string> old;
      for (absl::string_view s : absl::StrSplit(Value("log-output"), ',')) old.emplace_back(s);
      std::sort(old.begin(), old.end());
      old.erase(std::unique(old.begin(), old.end()), old.end());
      if (!Given("log-outputs")) {
        Warn(absl::StrCat("--log-output is deprecated; use --log-outputs (from ",
                          From("log-output"), ")"));
        c_.log_outputs = old;
        r_.sources["log-outputs"] = Src("log-output");
      } else if (old != c_.log_outputs) {
        return ConfigError(absl::StrFormat(
            "'--log-output=%s' and '--log-outputs=%s' are incompatible; only set "
            "--log-outputs (log-output from %s, log-outputs from %s)",
            Value("log-output"), Value("log-outputs"), From("log-output"), From("log-outputs")));
      }
    }
    if (c_.logger != "capnslog" && c_.logger != "zap") {
      return ConfigError(absl::StrCat("unknown logger option \"", c_.logger, "\"",
                                      Ctx("logger", "expected \"capnslog\" or \"zap\"")));
    }
    static const std::set<std::string, std::less<>> kLevels = {"debug", "info",  "warn",
                                                               "error", "panic", "fatal"};
    if (kLevels.count(c_.log_level) == 0) {
      return ConfigError(absl::StrCat("unknown level \"", c_.log_level, "\"",
                                      Ctx("log-level",
                                          "expected one of debug, info, warn, error, panic, "
                                          "fatal")));
    }
    if (c_.debug) {
      Warn(absl::StrCat("--debug is deprecated; use --log-level=debug (from ", From("debug"), ")"));
      c_.log_level = "debug";
    }
    if (c_.log_outputs.empty() || (c_.log_outputs.size() == 1 && c_.log_outputs[0].empty())) {
      c_.log_outputs = {"default"};
    }
    if (c_.logger == "capnslog") {
      if (c_.log_outputs.size() != 1) {
        return ConfigError(absl::StrCat(
            "--logger=capnslog supports only 1 value in '--log-outputs', got [",
            absl::StrJoin(c_.log_outputs, " "), "]",
            Ctx("log-outputs", "use --logger=zap to log to several outputs or to files")));
      }
      const std::string& out = c_.log_outputs[0];
      if (out != "default" && out != "stderr" && out != "stdout") {
        return ConfigError(absl::StrCat("unknown log-output \"", out,
                                        "\" (only supports \"default\", \"stderr\", "
                                        "\"stdout\")",
                                        Ctx("log-outputs", "use --logger=zap to log to a file")));
      }
    } else if (c_.log_outputs.size() > 1 && std::find(c_.log_outputs.begin(), c_.log_outputs.end(),
                                                      "default") != c_.log_outputs.end()) {
      return ConfigError(
          absl::StrCat("multi logoutput for \"default\" is not supported yet",
                       Ctx("log-outputs", "list explicit outputs such as stderr or file paths")));
    }
    return absl::OkStatus();
  }

  absl::Status CheckBind(absl::string_view flag, const std::vector<Url>& urls) {
    for (const Url& u : urls) {
      if (u.scheme == "unix" || u.scheme == "unixs") continue;
      if (u.host == "localhost" || IsIpLiteral(u.host)) continue;
      return ConfigError(
          absl::StrCat("expected IP in URL for binding (", u.ToString(), ")",
                       Ctx(flag,
                           "listen URLs must use an IP address (0.0.0.0 for all interfaces) or "
                           "localhost; host names belong in the advertise URLs")));
    }
    return absl::OkStatus();
  }

  absl::Status BindUrls() {
    RETURN_IF_ERROR(CheckBind("listen-peer-urls", c_.listen_peer_urls));
    RETURN_IF_ERROR(CheckBind("listen-client-urls", c_.listen_client_urls));
    RETURN_IF_ERROR(CheckBind("listen-metrics-urls", c_.listen_metrics_urls));
    return absl::OkStatus();
  }

  absl::Status CheckHost(absl::string_view flag, const std::vector<Url>& urls) {
    for (const Url& u : urls) {
      if (!u.host.empty()) continue;
      return ConfigError(absl::StrFormat(
          "--%s \"%s\" must be \"host:port\" (unexpected empty host (%s))%s", flag, JoinUrls(urls),
          u.ToString(), Ctx(flag, "advertise an address the other members and clients can reach")));
    }
    return absl::OkStatus();
  }

  absl::Status AdvertiseUrls() {
    RETURN_IF_ERROR(CheckHost("initial-advertise-peer-urls", c_.initial_advertise_peer_urls));
    RETURN_IF_ERROR(CheckHost("advertise-client-urls", c_.advertise_client_urls));
    return absl::OkStatus();
  }

  absl::Status ParseCompactionMode() {
    std::string mode =
        Given("auto-compaction-mode") ? Value("auto-compaction-mode") : std::string("periodic");
    if (mode == "periodic" || mode.empty()) {
      c_.auto_compaction_mode = CompactionMode::kPeriodic;
    } else if (mode == "revision") {
      c_.auto_compaction_mode = CompactionMode::kRevision;
    } else {
      return ConfigError(
          absl::StrCat("unknown auto-compaction-mode \"", mode, "\"",
                       Ctx("auto-compaction-mode", "expected \"periodic\" or \"revision\"")));
    }
    return absl::OkStatus();
  }

  absl::Status Bootstrap() {
    c_.initial_cluster_given = Given("initial-cluster");
    std::string cluster =
        c_.initial_cluster_given ? Value("initial-cluster") : std::string(kDefaultInitialCluster);
    const bool discovery_set =
        !c_.discovery.empty() || !c_.discovery_srv.empty() || !c_.discovery_srv_name.empty();
    // A discovery method replaces the default initial cluster.
    if (discovery_set &&
        (!c_.initial_cluster_given || (FileMode() && cluster == kDefaultInitialCluster))) {
      cluster.clear();
    }
    std::vector<std::string> set;
    if (!c_.discovery.empty()) set.push_back("discovery");
    if (!cluster.empty()) set.push_back("initial-cluster");
    if (!c_.discovery_srv.empty()) set.push_back("discovery-srv");
    if (set.size() > 1) {
      std::vector<std::string> origins;
      for (const std::string& f : set) origins.push_back(absl::StrCat(f, " from ", From(f)));
      return ConfigError(absl::StrCat(
          "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", "
          "\"discovery\" or \"discovery-srv\" (",
          absl::StrJoin(origins, ", "), "; keep exactly one of them)"));
    }
    if (!c_.discovery_srv_name.empty() && c_.discovery_srv.empty()) {
      Warn(
          absl::StrCat("--discovery-srv-name is set but --discovery-srv is not, so it has "
                       "no effect (from ",
                       From("discovery-srv-name"), ")"));
    }
    if (!c_.discovery.empty() && c_.initial_cluster_state == ClusterState::kExisting) {
      return ConfigError(
          absl::StrCat("discovery URL should not be set when joining existing initial cluster",
                       Ctx("discovery",
                           "to join a running cluster use 'etcdctl member add' and "
                           "--initial-cluster with --initial-cluster-state=existing")));
    }
    // `etcd --name x` alone: the default cluster becomes x=<advertise peer URLs>.
    if (cluster == kDefaultInitialCluster && c_.name != "default") {
      std::vector<std::string> pairs;
      for (const Url& u : c_.initial_advertise_peer_urls) {
        pairs.push_back(absl::StrCat(c_.name, "=", u.ToString()));
      }
      cluster = absl::StrJoin(pairs, ",");
    }
    c_.initial_cluster.clear();
    if (cluster.empty()) return absl::OkStatus();
    absl::StatusOr<std::vector<std::pair<std::string, std::vector<Url>>>> parsed =
        ParseInitialCluster(cluster);
    if (!parsed.ok()) {
      return ConfigError(
          absl::StrCat("error setting up initial cluster: ", parsed.status().message(),
                       Ctx("initial-cluster", FindFlag("initial-cluster")->expected)));
    }
    std::map<std::string, std::string> owner;  // url -> member
    for (const auto& [name, urls] : *parsed) {
      for (const Url& u : urls) {
        auto [it, inserted] = owner.emplace(u.ToString(), name);
        if (!inserted) {
          return ConfigError(absl::StrCat(
              "initial cluster ", FormatInitialCluster(*parsed), " has duplicate url",
              Ctx("initial-cluster",
                  absl::StrCat(u.ToString(), " is listed for both ", it->second, " and ", name,
                               "; every member needs its own peer URL"))));
        }
      }
    }
    c_.initial_cluster = *std::move(parsed);
    return absl::OkStatus();
  }

  absl::Status Timing() {
    const int64_t tick = c_.heartbeat_interval.count();
    const int64_t election = c_.election_timeout.count();
    if (tick <= 0) {
      return ConfigError(absl::StrCat("--heartbeat-interval must be >0 (set to ", tick, "ms)",
                                      Ctx("heartbeat-interval", "the default is 100")));
    }
    if (election <= 0) {
      return ConfigError(absl::StrCat("--election-timeout must be >0 (set to ", election, "ms)",
                                      Ctx("election-timeout", "the default is 1000")));
    }
    if (5 * tick > election) {
      return ConfigError(absl::StrFormat(
          "--election-timeout[%dms] should be at least as 5 times as "
          "--heartbeat-interval[%dms] (election-timeout from %s, heartbeat-interval from %s; "
          "raise --election-timeout to at least %d or lower --heartbeat-interval)",
          election, tick, From("election-timeout"), From("heartbeat-interval"), 5 * tick));
    }
    if (election > kMaxElectionMs) {
      return ConfigError(absl::StrFormat(
          "--election-timeout[%dms] is too long, and should be set less than %dms%s", election,
          kMaxElectionMs, Ctx("election-timeout", absl::StrCat("use at most ", kMaxElectionMs))));
    }
    return absl::OkStatus();
  }

  absl::Status ClientAdvertise() {
    if (!Given("listen-client-urls") || Given("advertise-client-urls")) {
      return absl::OkStatus();
    }
    const bool may_be_proxy =
        c_.proxy != ProxyMode::kOff ||
        (!c_.discovery.empty() && c_.discovery_fallback == DiscoveryFallback::kProxy);
    if (FileMode()) {
      // etcd keeps advertising the default URL in this case; so do we, loudly.
      Warn(
          absl::StrCat("listen-client-urls is set but advertise-client-urls is not, so "
                       "clients are told to use ",
                       JoinUrls(c_.advertise_client_urls), " (from ", From("listen-client-urls"),
                       "; set advertise-client-urls)"));
      return absl::OkStatus();
    }
    if (may_be_proxy) {
      c_.advertise_client_urls.clear();
      return absl::OkStatus();
    }
    return ConfigError(absl::StrCat(
        "--advertise-client-urls is required when --listen-client-urls is set explicitly",
        Ctx("listen-client-urls",
            "when listening on specific address(es), this etcd process must advertise "
            "accessible url(s) to each connected client; set --advertise-client-urls, "
            "e.g. to " +
                JoinUrls(c_.listen_client_urls))));
  }

  absl::Status CompactionRetention() {
    const std::string& text = c_.auto_compaction_retention;
    c_.auto_compaction_period = milliseconds(0);
    c_.auto_compaction_revisions = 0;
    std::optional<int64_t> n = ParseGoInt(text);
    if (c_.auto_compaction_mode == CompactionMode::kRevision) {
      if (!n || *n < 0) {
        return ConfigError(absl::StrCat(
            "error parsing CompactionRetention: invalid revision count \"", text, "\"",
            Ctx("auto-compaction-retention",
                "in revision mode the retention is a number of revisions, e.g. 1000")));
      }
      c_.auto_compaction_revisions = *n;
      return absl::OkStatus();
    }
    if (n && *n >= 0) {
      c_.auto_compaction_period = std::chrono::hours(*n);
      return absl::OkStatus();
    }
    absl::StatusOr<int64_t> ns = ParseGoDuration(text);
    if (!ns.ok() || *ns < 0) {
      return ConfigError(
          absl::StrCat("error parsing CompactionRetention: ",
                       ns.ok() ? absl::StrCat("negative duration \"", text, "\"")
                               : std::string(ns.status().message()),
                       Ctx("auto-compaction-retention",
                           "in periodic mode the retention is a whole number of hours (\"1\") or a "
                           "duration (\"30m\", \"1h30m\")")));
    }
    c_.auto_compaction_period = milliseconds(*ns / 1000000);
    return absl::OkStatus();
  }

  absl::Status LeaseCheckpoint() {
    if (c_.experimental_enable_lease_checkpoint_persist &&
        !c_.experimental_enable_lease_checkpoint) {
      return ConfigError(
          absl::StrCat("setting experimental-enable-lease-checkpoint-persist requires "
                       "experimental-enable-lease-checkpoint",
                       Ctx("experimental-enable-lease-checkpoint-persist",
                           "also set --experimental-enable-lease-checkpoint")));
    }
    return absl::OkStatus();
  }

  absl::Status Tls() {
    for (const std::string& suite : c_.cipher_suites) {
      if (suite.empty() && c_.cipher_suites.size() == 1) break;  // "" means defaults
      if (CipherSuiteNames().count(suite) == 0) {
        return ConfigError(absl::StrCat("unexpected TLS cipher suite \"", suite, "\"",
                                        Ctx("cipher-suites",
                                            "use Go cipher suite names such as "
                                            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")));
      }
    }
    if (c_.cipher_suites.size() == 1 && c_.cipher_suites[0].empty()) c_.cipher_suites.clear();
    RETURN_IF_ERROR(CertKeyPair(c_.client_tls, "cert-file", "key-file"));
    RETURN_IF_ERROR(CertKeyPair(c_.peer_tls, "peer-cert-file", "peer-key-file"));
    const bool client_tls = !c_.client_tls.cert_file.empty() || c_.client_tls.auto_tls;
    for (const Url& u : c_.listen_client_urls) {
      if ((u.scheme == "https" || u.scheme == "unixs") && !client_tls) {
        return ConfigError(
            absl::StrCat("TLS key/cert (--cert-file, --key-file) must be provided for client url ",
                         u.ToString(), " with HTTPS scheme",
                         Ctx("listen-client-urls",
                             "set --cert-file and --key-file, or --auto-tls, or use http://")));
      }
    }
    const bool peer_tls = !c_.peer_tls.cert_file.empty() || c_.peer_tls.auto_tls;
    for (const Url& u : c_.listen_peer_urls) {
      if ((u.scheme == "https" || u.scheme == "unixs") && !peer_tls) {
        return ConfigError(
            absl::StrCat("cannot listen on TLS for ", u.host, ":", u.port,
                         ": KeyFile and CertFile are not presented",
                         Ctx("listen-peer-urls",
                             "set --peer-cert-file and --peer-key-file, or --peer-auto-tls, or use "
                             "http://")));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CertKeyPair(const TlsInfo& tls, absl::string_view cert_flag,
                           absl::string_view key_flag) {
    if (tls.cert_file.empty() == tls.key_file.empty()) return absl::OkStatus();
    absl::string_view set = tls.cert_file.empty() ? key_flag : cert_flag;
    absl::string_view missing = tls.cert_file.empty() ? cert_flag : key_flag;
    return ConfigError(absl::StrCat("--", set, " is set but --", missing, " is not",
                                    Ctx(set, absl::StrCat("a certificate needs its key: set "
                                                          "both --",
                                                          cert_flag, " and --", key_flag))));
  }

  absl::Status Auth() {
    const std::string& token = c_.auth_token;
    std::vector<std::string> parts = absl::StrSplit(token, ',');
    const std::string hint =
        "expected \"simple\" or \"jwt,pub-key=<file>,priv-key=<file>,sign-method=<RS256|"
        "ES256|...>[,ttl=5m]\"";
    if (parts[0] == "simple") return absl::OkStatus();
    if (parts[0] != "jwt") {
      return ConfigError(
          absl::StrCat("auth: unknown token type: ", parts[0], Ctx("auth-token", hint)));
    }
    bool have_method = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::vector<std::string> kv = absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
      static const std::set<std::string, std::less<>> kKeys = {"pub-key", "priv-key", "sign-method",
                                                               "ttl"};
      if (kv.size() != 2 || kKeys.count(kv[0]) == 0) {
        return ConfigError(absl::StrCat("auth: invalid auth options (unknown option \"", parts[i],
                                        "\")", Ctx("auth-token", hint)));
      }
      if (kv[0] == "sign-method") have_method = !kv[1].empty();
      if (kv[0] == "ttl" && !ParseGoDuration(kv[1]).ok()) {
        return ConfigError(absl::StrCat("auth: invalid auth options (bad ttl \"", kv[1], "\")",
                                        Ctx("auth-token", hint)));
      }
    }
    if (!have_method) {
      return ConfigError(absl::StrCat("auth: invalid auth options (jwt needs sign-method)",
                                      Ctx("auth-token", hint)));
    }
    return absl::OkStatus();
  }

  // Values etcd corrects with a warning instead of refusing to start.
  void Adjustments() {
    if (c_.bcrypt_cost < 4 || c_.bcrypt_cost > 31) {
      Warn(absl::StrCat("bcrypt-cost ", c_.bcrypt_cost,
                        " is outside the valid range 4..31; using the default 10 (from ",
                        From("bcrypt-cost"), ")"));
      c_.bcrypt_cost = 10;
    }
    if (Given("experimental-watch-progress-notify-interval") &&
        c_.experimental_watch_progress_notify_interval < kMinWatchProgressInterval) {
      Warn(absl::StrCat("experimental-watch-progress-notify-interval ",
                        Value("experimental-watch-progress-notify-interval"),
                        " is below the minimum; using 100ms (from ",
                        From("experimental-watch-progress-notify-interval"), ")"));
      c_.experimental_watch_progress_notify_interval = kMinWatchProgressInterval;
    }
    if (c_.quota_backend_bytes < 0) {
      Warn(absl::StrCat("a negative quota-backend-bytes (", c_.quota_backend_bytes,
                        ") disables the backend quota (from ", From("quota-backend-bytes"), ")"));
    }
    if (c_.metrics != "basic" && c_.metrics != "extensive") {
      Warn(absl::StrCat("unknown metrics level \"", c_.metrics, "\"; using \"basic\" (from ",
                        From("metrics"), "; expected \"basic\" or \"extensive\")"));
      c_.metrics = "basic";
    }
    if (c_.experimental_backend_bbolt_freelist_type != "array" &&
        c_.experimental_backend_bbolt_freelist_type != "map") {
      Warn(absl::StrCat("unknown experimental-backend-bbolt-freelist-type \"",
                        c_.experimental_backend_bbolt_freelist_type, "\"; using \"array\" (from ",
                        From("experimental-backend-bbolt-freelist-type"), ")"));
      c_.experimental_backend_bbolt_freelist_type = "array";
    }
  }

  const RawValues& raw_;
  ParseResult& r_;
  ServerConfig& c_;
};

}  // namespace

absl::Status ResolveAndValidate(const RawValues& raw, ParseResult* result) {
  return Validator(raw, result).Run();
}

}  // namespace etcd::config
