#include "config/flags.h"

#include <limits>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "config/go_values.h"
#include "config/url.h"

namespace etcd::config {
namespace {

using Setter = decltype(FlagSpec::set);
using Getter = decltype(FlagSpec::get);

// How a flag reads and writes its ServerConfig field.
struct Access {
  Setter set;
  Getter get;
};
using Result = std::optional<std::string>;
using std::chrono::milliseconds;

constexpr char kParseError[] = "parse error";
constexpr char kRangeError[] = "value out of range";
constexpr char kInvalidValue[] = "invalid value";

Access SetString(std::string ServerConfig::*m) {
  return {[m](absl::string_view v, ServerConfig& c) -> Result {
            c.*m = std::string(v);
            return std::nullopt;
          },
          [m](const ServerConfig& c) { return c.*m; }};
}

Access SetBool(bool ServerConfig::*m) {
  return {[m](absl::string_view v, ServerConfig& c) -> Result {
            std::optional<bool> b = ParseGoBool(v);
            if (!b) return kParseError;
            c.*m = *b;
            return std::nullopt;
          },
          [m](const ServerConfig& c) { return std::string(c.*m ? "true" : "false"); }};
}

template <typename T>
Access SetUint(T ServerConfig::*m) {
  return {[m](absl::string_view v, ServerConfig& c) -> Result {
            std::optional<uint64_t> u = ParseGoUint(v);
            if (!u) {
              // A syntactically valid number that overflows uint64 is a range error in Go.
              return (!v.empty() && v.find_first_not_of("0123456789") == absl::string_view::npos)
                         ? kRangeError
                         : kParseError;
            }
            if (*u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return kRangeError;
            c.*m = static_cast<T>(*u);
            return std::nullopt;
          },
          [m](const ServerConfig& c) { return absl::StrCat(c.*m); }};
}

template <typename T>
Access SetInt(T ServerConfig::*m) {
  return {[m](absl::string_view v, ServerConfig& c) -> Result {
            std::optional<int64_t> i = ParseGoInt(v);
            if (!i) return kParseError;
            if (*i > static_cast<int64_t>(std::numeric_limits<T>::max()) ||
                *i < static_cast<int64_t>(std::numeric_limits<T>::min())) {
              return kRangeError;
            }
            c.*m = static_cast<T>(*i);
            return std::nullopt;
          },
          [m](const ServerConfig& c) { return absl::StrCat(c.*m); }};
}

// A Go `uint` flag holding milliseconds (heartbeat-interval, election-timeout, proxy-*).
Access SetMillis(milliseconds ServerConfig::*m) {
  return {[m](absl::string_view v, ServerConfig& c) -> Result {
            std::optional<uint64_t> u = ParseGoUint(v);
            if (!u) return kParseError;
            if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return kRangeError;
            c.*m = milliseconds(static_cast<int64_t>(*u));
            return std::nullopt;
          },
          [m](const ServerConfig& c) { return absl::StrCat((c.*m).count()); }};
}

// A Go time.Duration flag; stored with millisecond precision (truncated, as Go's
// Duration.Milliseconds() does).
Access SetDuration(milliseconds ServerConfig::*m) {
  return {[m](absl::string_view v, ServerConfig& c) -> Result {
            absl::StatusOr<int64_t> ns = ParseGoDuration(v);
            if (!ns.ok()) return kParseError;
            c.*m = milliseconds(*ns / 1000000);
            return std::nullopt;
          },
          [m](const ServerConfig& c) { return FormatGoDuration((c.*m).count() * 1000000); }};
}

Access SetUrls(std::vector<Url> ServerConfig::*m) {
  return {[m](absl::string_view v, ServerConfig& c) -> Result {
            absl::StatusOr<std::vector<Url>> urls = ParseUrlList(v);
            if (!urls.ok()) return std::string(urls.status().message());
            c.*m = *std::move(urls);
            return std::nullopt;
          },
          [m](const ServerConfig& c) { return JoinUrls(c.*m); }};
}

// Comma-separated strings. `unique_sorted` mimics etcd's UniqueStringsValue.
Access SetList(std::vector<std::string> ServerConfig::*m, bool unique_sorted) {
  return {[m, unique_sorted](absl::string_view v, ServerConfig& c) -> Result {
            std::vector<std::string> items;
            for (absl::string_view part : absl::StrSplit(v, ',')) {
              items.emplace_back(absl::StripAsciiWhitespace(part));
            }
            if (unique_sorted) {
              std::map<std::string, bool> seen;
              for (auto& s : items) seen[s] = true;
              items.clear();
              for (auto& [s, _] : seen) items.push_back(s);
            }
            c.*m = std::move(items);
            return std::nullopt;
          },
          [m](const ServerConfig& c) { return absl::StrJoin(c.*m, ","); }};
}

Access SetTlsString(TlsInfo ServerConfig::*tls, std::string TlsInfo::*field) {
  return {[tls, field](absl::string_view v, ServerConfig& c) -> Result {
            (c.*tls).*field = std::string(v);
            return std::nullopt;
          },
          [tls, field](const ServerConfig& c) { return (c.*tls).*field; }};
}

Access SetTlsBool(TlsInfo ServerConfig::*tls, bool TlsInfo::*field) {
  return {[tls, field](absl::string_view v, ServerConfig& c) -> Result {
            std::optional<bool> b = ParseGoBool(v);
            if (!b) return kParseError;
            (c.*tls).*field = *b;
            return std::nullopt;
          },
          [tls, field](const ServerConfig& c) {
            return std::string((c.*tls).*field ? "true" : "false");
          }};
}

template <typename E>
Access SetEnum(E ServerConfig::*m, std::vector<std::pair<std::string, E>> values) {
  return {[m, values](absl::string_view v, ServerConfig& c) -> Result {
            for (const auto& [word, e] : values) {
              if (v == word) {
                c.*m = e;
                return std::nullopt;
              }
            }
            return kInvalidValue;
          },
          [m, values](const ServerConfig& c) {
            for (const auto& [word, e] : values) {
              if (c.*m == e) return word;
            }
            return std::string();
          }};
}

// --cors: "*" or a list of URLs (etcd validates CORS origins as URLs with host:port).
Access SetCors() {
  return {[](absl::string_view v, ServerConfig& c) -> Result {
            if (v == "*") {
              c.cors = {"*"};
              return std::nullopt;
            }
            absl::StatusOr<std::vector<Url>> urls = ParseUrlList(v);
            if (!urls.ok()) return std::string(urls.status().message());
            c.cors.clear();
            for (const Url& u : *urls) c.cors.push_back(u.ToString());
            return std::nullopt;
          },
          [](const ServerConfig& c) { return absl::StrJoin(c.cors, ","); }};
}

std::string DefaultExpected(FlagKind kind) {
  switch (kind) {
    case FlagKind::kBool:
      return "expected true or false";
    case FlagKind::kUint:
      return "expected a non-negative integer";
    case FlagKind::kInt:
      return "expected an integer";
    case FlagKind::kMillis:
      return "expected a whole number of milliseconds without a unit, e.g. 100";
    case FlagKind::kDuration:
      return "expected a duration with a unit, such as \"5s\", \"100ms\" or \"2h45m\"";
    case FlagKind::kUrls:
      return "expected comma-separated URLs such as http://10.0.0.1:2380 "
             "(scheme http, https, unix or unixs, host:port, no path)";
    case FlagKind::kList:
      return "expected a comma-separated list";
    case FlagKind::kString:
    case FlagKind::kEnum:
      return "";
  }
  return "";
}

struct Builder {
  std::vector<FlagSpec> flags;
  FlagGroup group = FlagGroup::kMember;

  void Add(std::string name, FlagKind kind, std::string help_default, std::string usage,
           Access access, std::string expected = "") {
    FlagSpec f;
    f.name = std::move(name);
    f.kind = kind;
    f.group = group;
    f.help_default = std::move(help_default);
    f.usage = std::move(usage);
    f.expected = expected.empty() ? DefaultExpected(kind) : std::move(expected);
    f.set = std::move(access.set);
    f.get = std::move(access.get);
    flags.push_back(std::move(f));
  }
  void Legacy(std::string name) {
    FlagSpec f;
    f.name = std::move(name);
    f.kind = FlagKind::kBool;  // like etcd's IgnoredFlag: takes no separate value
    f.group = FlagGroup::kOther;
    f.usage = "No longer supported; accepted and ignored.";
    f.legacy = true;
    flags.push_back(std::move(f));
  }
};

std::vector<FlagSpec> BuildTable() {
  using K = FlagKind;
  using SC = ServerConfig;
  Builder b;

  b.group = FlagGroup::kMember;
  b.Add("name", K::kString, "'default'",
        "This member's name; it must be one of the names in --initial-cluster.",
        SetString(&SC::name));
  b.Add("data-dir", K::kString, "'${name}.etcd'",
        "Directory holding this member's data (member/wal, member/snap, member/db).",
        SetString(&SC::data_dir));
  b.Add("wal-dir", K::kString, "''",
        "Separate directory for the write-ahead log (default: <data-dir>/member/wal).",
        SetString(&SC::wal_dir));
  b.Add("snapshot-count", K::kUint, "'100000'", "Applied entries between two Raft snapshots.",
        SetUint(&SC::snapshot_count));
  b.Add("heartbeat-interval", K::kMillis, "'100'", "Raft heartbeat period, in milliseconds.",
        SetMillis(&SC::heartbeat_interval));
  b.Add("election-timeout", K::kMillis, "'1000'",
        "Raft election timeout, in milliseconds; at least 5x --heartbeat-interval and at "
        "most 50000.",
        SetMillis(&SC::election_timeout));
  b.Add("initial-election-tick-advance", K::kBool, "'true'",
        "Fast-forward the election ticks at boot so a leader is elected sooner.",
        SetBool(&SC::initial_election_tick_advance));
  b.Add("listen-peer-urls", K::kUrls, "'http://localhost:2380'",
        "URLs to accept peer (member-to-member) traffic on; hosts must be IP addresses "
        "or localhost.",
        SetUrls(&SC::listen_peer_urls));
  b.Add("listen-client-urls", K::kUrls, "'http://localhost:2379'",
        "URLs to accept client traffic (gRPC, HTTP, JSON gateway) on; hosts must be IP "
        "addresses or localhost.",
        SetUrls(&SC::listen_client_urls));
  b.Add("max-snapshots", K::kUint, "'5'", "How many snapshot files to keep (0 keeps all).",
        SetUint(&SC::max_snapshots));
  b.Add("max-wals", K::kUint, "'5'", "How many WAL files to keep (0 keeps all).",
        SetUint(&SC::max_wals));
  b.Add("quota-backend-bytes", K::kInt, "'0'",
        "Backend size at which the NOSPACE alarm is raised (0 means 2 GiB).",
        SetInt(&SC::quota_backend_bytes));
  b.Add("backend-batch-interval", K::kDuration, "''",
        "Longest time a backend write batch stays open before it is committed.",
        SetDuration(&SC::backend_batch_interval));
  b.Add("backend-batch-limit", K::kInt, "'0'",
        "Most operations in a backend write batch before it is committed.",
        SetInt(&SC::backend_batch_limit));
  b.Add("max-txn-ops", K::kUint, "'128'", "Most operations allowed in one transaction.",
        SetUint(&SC::max_txn_ops));
  b.Add("max-request-bytes", K::kUint, "'1572864'",
        "Largest client request, in bytes, the server accepts.", SetUint(&SC::max_request_bytes));
  b.Add("max-concurrent-streams", K::kUint, "'math.MaxUint32'",
        "Most concurrent gRPC streams per client connection.",
        SetUint(&SC::max_concurrent_streams));
  b.Add("grpc-keepalive-min-time", K::kDuration, "'5s'",
        "Shortest interval at which a client may ping the server.",
        SetDuration(&SC::grpc_keepalive_min_time));
  b.Add("grpc-keepalive-interval", K::kDuration, "'2h'",
        "How often the server pings an idle client connection (0 disables).",
        SetDuration(&SC::grpc_keepalive_interval));
  b.Add("grpc-keepalive-timeout", K::kDuration, "'20s'",
        "How long to wait for a ping reply before closing the connection (0 disables).",
        SetDuration(&SC::grpc_keepalive_timeout));

  b.group = FlagGroup::kClustering;
  b.Add("initial-advertise-peer-urls", K::kUrls, "'http://localhost:2380'",
        "This member's peer URLs as the other members should reach them; must match "
        "this member's entry in --initial-cluster.",
        SetUrls(&SC::initial_advertise_peer_urls));
  b.Add("initial-cluster", K::kString, "'default=http://localhost:2380'",
        "Members of the cluster being bootstrapped: name=peer-url[,name=peer-url...].",
        {nullptr,  // parsed and validated with the other bootstrap settings
         [](const ServerConfig& c) { return FormatInitialCluster(c.initial_cluster); }},
        "expected name=url[,name=url...], e.g. n1=http://10.0.0.1:2380,"
        "n2=http://10.0.0.2:2380");
  b.Add("initial-cluster-state", K::kEnum, "'new'",
        "'new' to bootstrap a new cluster, 'existing' to join a running one (after "
        "'etcdctl member add').",
        SetEnum(&SC::initial_cluster_state,
                std::vector<std::pair<std::string, ClusterState>>{
                    {"new", ClusterState::kNew}, {"existing", ClusterState::kExisting}}),
        "expected \"new\" or \"existing\"");
  b.Add("initial-cluster-token", K::kString, "'etcd-cluster'",
        "Token mixed into the cluster and member IDs at bootstrap; use a different one\n"
        "per cluster so that members of different clusters never mistake each other.",
        SetString(&SC::initial_cluster_token));
  b.Add("advertise-client-urls", K::kUrls, "'http://localhost:2379'",
        "This member's client URLs as published to clients and to the other members.\n"
        "They must be reachable by clients; required when --listen-client-urls is set.",
        SetUrls(&SC::advertise_client_urls));
  b.Add("discovery", K::kString, "''", "v2 discovery URL used to bootstrap the cluster.",
        SetString(&SC::discovery));
  b.Add("discovery-fallback", K::kEnum, "'proxy'",
        "What to do when discovery fails: 'exit' or 'proxy'.\n"
        "The proxy relays the v3 gRPC API and the HTTP endpoints to the cluster.",
        SetEnum(&SC::discovery_fallback,
                std::vector<std::pair<std::string, DiscoveryFallback>>{
                    {"exit", DiscoveryFallback::kExit}, {"proxy", DiscoveryFallback::kProxy}}),
        "expected \"exit\" or \"proxy\"");
  b.Add("discovery-proxy", K::kString, "''", "HTTP proxy used to reach the discovery service.",
        SetString(&SC::discovery_proxy));
  b.Add("discovery-srv", K::kString, "''", "DNS domain whose SRV records list the initial members.",
        SetString(&SC::discovery_srv));
  b.Add("discovery-srv-name", K::kString, "''",
        "Suffix added to the SRV names queried at bootstrap (_etcd-server-<suffix>).",
        SetString(&SC::discovery_srv_name));
  b.Add("strict-reconfig-check", K::kBool, "'true'",
        "Refuse membership changes that would leave the cluster without quorum.",
        SetBool(&SC::strict_reconfig_check));
  b.Add("pre-vote", K::kBool, "'false'", "Run Raft's pre-vote phase before starting an election.",
        SetBool(&SC::pre_vote));
  b.Add("auto-compaction-retention", K::kString, "'0'",
        "History to keep when compacting automatically; 0 disables auto compaction.",
        SetString(&SC::auto_compaction_retention),
        "expected hours (\"1\"), a duration (\"30m\") in periodic mode, or a revision "
        "count in revision mode");
  b.Add("auto-compaction-mode", K::kEnum, "'periodic'",
        "How --auto-compaction-retention is read: 'periodic' (a duration; a bare number "
        "means hours, e.g. '5m' or '1') or 'revision' (a number of revisions).",
        {nullptr,  // validated with the retention
         [](const ServerConfig& c) {
           return std::string(c.auto_compaction_mode == CompactionMode::kRevision ? "revision"
                                                                                  : "periodic");
         }},
        "expected \"periodic\" or \"revision\"");
  b.Add("enable-v2", K::kBool, "'false'", "Serve the etcd v2 API.", SetBool(&SC::enable_v2));

  b.group = FlagGroup::kSecurity;
  b.Add("cert-file", K::kString, "''", "TLS certificate for client connections.",
        SetTlsString(&SC::client_tls, &TlsInfo::cert_file));
  b.Add("key-file", K::kString, "''", "TLS key for client connections.",
        SetTlsString(&SC::client_tls, &TlsInfo::key_file));
  b.Add("client-cert-auth", K::kBool, "'false'",
        "Require clients to present a certificate signed by --trusted-ca-file.",
        SetTlsBool(&SC::client_tls, &TlsInfo::client_cert_auth));
  b.Add("client-crl-file", K::kString, "''", "Revoked client certificates (CRL file).",
        SetTlsString(&SC::client_tls, &TlsInfo::crl_file));
  b.Add("client-cert-allowed-hostname", K::kString, "''",
        "Hostname client certificates must carry to be accepted.",
        SetTlsString(&SC::client_tls, &TlsInfo::allowed_hostname));
  b.Add("trusted-ca-file", K::kString, "''", "CA bundle used to verify client certificates.",
        SetTlsString(&SC::client_tls, &TlsInfo::trusted_ca_file));
  b.Add("auto-tls", K::kBool, "'false'", "Serve clients with a generated self-signed certificate.",
        SetTlsBool(&SC::client_tls, &TlsInfo::auto_tls));
  b.Add("peer-cert-file", K::kString, "''", "TLS certificate for peer connections.",
        SetTlsString(&SC::peer_tls, &TlsInfo::cert_file));
  b.Add("peer-key-file", K::kString, "''", "TLS key for peer connections.",
        SetTlsString(&SC::peer_tls, &TlsInfo::key_file));
  b.Add("peer-client-cert-auth", K::kBool, "'false'",
        "Require peers to present a certificate signed by --peer-trusted-ca-file.",
        SetTlsBool(&SC::peer_tls, &TlsInfo::client_cert_auth));
  b.Add("peer-trusted-ca-file", K::kString, "''", "CA bundle used to verify peers.",
        SetTlsString(&SC::peer_tls, &TlsInfo::trusted_ca_file));
  b.Add("peer-cert-allowed-cn", K::kString, "''",
        "Common name peer certificates must carry to be accepted.",
        SetTlsString(&SC::peer_tls, &TlsInfo::allowed_cn));
  b.Add("peer-cert-allowed-hostname", K::kString, "''",
        "Hostname peer certificates must carry to be accepted.",
        SetTlsString(&SC::peer_tls, &TlsInfo::allowed_hostname));
  b.Add("peer-auto-tls", K::kBool, "'false'",
        "Use a generated self-signed certificate for peers when no peer certificate and "
        "key are given.",
        SetTlsBool(&SC::peer_tls, &TlsInfo::auto_tls));
  b.Add("peer-crl-file", K::kString, "''", "Revoked peer certificates (CRL file).",
        SetTlsString(&SC::peer_tls, &TlsInfo::crl_file));
  b.Add("cipher-suites", K::kList, "''",
        "Comma-separated TLS cipher suites (Go names) for client and peer connections; "
        "empty uses the library defaults.",
        SetList(&SC::cipher_suites, /*unique_sorted=*/false),
        "expected Go TLS cipher suite names, e.g. "
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  b.Add("cors", K::kList, "'*'",
        "Comma-separated origins allowed by CORS ('*' or empty allows all).", SetCors(),
        "expected '*' or comma-separated origins with a port, e.g. http://example.com:80");
  b.Add("host-whitelist", K::kList, "'*'",
        "Comma-separated Host header values accepted on plain-HTTP requests ('*' or "
        "empty allows all).",
        SetList(&SC::host_whitelist, /*unique_sorted=*/true));

  b.group = FlagGroup::kAuth;
  b.Add("auth-token", K::kString, "'simple'",
        "Auth token type and options: 'simple', or 'jwt,pub-key=<path>,priv-key=<path>,"
        "sign-method=<alg>[,ttl=<duration>]'.",
        SetString(&SC::auth_token),
        "expected \"simple\" or \"jwt,pub-key=...,priv-key=...,sign-method=RS256\"");
  b.Add("bcrypt-cost", K::kUint, "10", "bcrypt cost for hashing auth passwords, from 4 to 31.",
        SetUint(&SC::bcrypt_cost));
  b.Add("auth-token-ttl", K::kUint, "300", "Lifetime of simple auth tokens, in seconds.",
        SetUint(&SC::auth_token_ttl));

  b.group = FlagGroup::kProfiling;
  b.Add("enable-pprof", K::kBool, "'false'",
        "Serve profiling data under <client URL>/debug/pprof/.", SetBool(&SC::enable_pprof));
  b.Add("metrics", K::kString, "'basic'",
        "Metrics detail: 'basic', or 'extensive' to add histograms.", SetString(&SC::metrics),
        "expected \"basic\" or \"extensive\"");
  b.Add("listen-metrics-urls", K::kUrls, "''",
        "Extra URLs serving only /metrics and /health; hosts must be IP addresses or "
        "localhost.",
        SetUrls(&SC::listen_metrics_urls));

  b.group = FlagGroup::kLogging;
  b.Add("logger", K::kString, "'capnslog'",
        "Log format: 'capnslog' (text) or 'zap' (structured JSON).", SetString(&SC::logger),
        "expected \"capnslog\" or \"zap\"");
  b.Add("log-outputs", K::kList, "'default'",
        "Where logs go: 'default' (the systemd journal when stderr is connected to it, "
        "otherwise stderr), 'stderr', 'stdout', or (zap only) a comma-separated list of "
        "'systemd/journal' and file paths.",
        SetList(&SC::log_outputs, /*unique_sorted=*/true));
  b.Add("log-level", K::kString, "'info'",
        "Lowest level logged: debug, info, warn, error, panic or fatal.", SetString(&SC::log_level),
        "expected one of debug, info, warn, error, panic, fatal");

  b.group = FlagGroup::kProxy;
  b.Add("proxy", K::kEnum, "'off'", "v2 proxy mode: 'off', 'readonly' or 'on'.",
        SetEnum(&SC::proxy,
                std::vector<std::pair<std::string, ProxyMode>>{{"off", ProxyMode::kOff},
                                                               {"readonly", ProxyMode::kReadonly},
                                                               {"on", ProxyMode::kOn}}),
        "expected \"off\", \"readonly\" or \"on\"");
  b.Add("proxy-failure-wait", K::kMillis, "5000",
        "Milliseconds a failed endpoint stays out of rotation.",
        SetMillis(&SC::proxy_failure_wait));
  b.Add("proxy-refresh-interval", K::kMillis, "30000",
        "Milliseconds between refreshes of the endpoint list.",
        SetMillis(&SC::proxy_refresh_interval));
  b.Add("proxy-dial-timeout", K::kMillis, "1000", "Dial timeout, in milliseconds.",
        SetMillis(&SC::proxy_dial_timeout));
  b.Add("proxy-write-timeout", K::kMillis, "5000", "Write timeout, in milliseconds.",
        SetMillis(&SC::proxy_write_timeout));
  b.Add("proxy-read-timeout", K::kMillis, "0", "Read timeout, in milliseconds (0: none).",
        SetMillis(&SC::proxy_read_timeout));

  b.group = FlagGroup::kExperimental;
  b.Add("experimental-initial-corrupt-check", K::kBool, "'false'",
        "Compare data hashes with the peers before serving traffic.",
        SetBool(&SC::experimental_initial_corrupt_check));
  b.Add("experimental-corrupt-check-time", K::kDuration, "'0s'",
        "Period of the cluster-wide corruption check (0 disables).",
        SetDuration(&SC::experimental_corrupt_check_time));
  b.Add("experimental-enable-v2v3", K::kString, "''",
        "Serve the v2 API from the v3 store under this key prefix.",
        SetString(&SC::experimental_enable_v2v3));
  b.Add("experimental-backend-bbolt-freelist-type", K::kString, "'array'",
        "Backend freelist type: 'array' or 'map' (kept for compatibility).",
        SetString(&SC::experimental_backend_bbolt_freelist_type), "expected \"array\" or \"map\"");
  b.Add("experimental-enable-lease-checkpoint", K::kBool, "'false'",
        "Have the leader checkpoint lease TTLs so that leader changes do not extend them.",
        SetBool(&SC::experimental_enable_lease_checkpoint));
  b.Add("experimental-compaction-batch-limit", K::kInt, "1000",
        "Most revisions deleted per compaction batch.",
        SetInt(&SC::experimental_compaction_batch_limit));
  b.Add("experimental-peer-skip-client-san-verification", K::kBool, "'false'",
        "Do not check the SAN of client certificates presented by peers.",
        SetTlsBool(&SC::peer_tls, &TlsInfo::skip_client_san_verification));
  b.Add("experimental-watch-progress-notify-interval", K::kDuration, "'10m'",
        "Period of progress notifications sent to watchers (at least 100ms).",
        SetDuration(&SC::experimental_watch_progress_notify_interval));
  b.Add("experimental-warning-apply-duration", K::kDuration, "'100ms'",
        "Log a warning when applying a request takes longer than this.",
        SetDuration(&SC::experimental_warning_apply_duration));

  b.group = FlagGroup::kUnsafe;
  b.Add("force-new-cluster", K::kBool, "'false'",
        "Restart as a one-member cluster keeping the data (unsafe).",
        SetBool(&SC::force_new_cluster));

  b.group = FlagGroup::kDeprecated;
  b.Add("debug", K::kBool, "'false'", "Same as --log-level=debug.", SetBool(&SC::debug));
  b.Add("log-package-levels", K::kString, "''",
        "Per-package capnslog levels, e.g. 'etcdmain=CRITICAL,etcdserver=DEBUG'.",
        SetString(&SC::log_package_levels));
  b.Add("log-output", K::kList, "'default'", "Old name of --log-outputs.",
        {nullptr,  // resolved together with --log-outputs
         [](const ServerConfig& c) { return absl::StrJoin(c.log_outputs, ","); }});

  b.group = FlagGroup::kOther;
  b.Add("enable-grpc-gateway", K::kBool, "'true'",
        "Serve the JSON gateway (/v3/...) on the client URLs.", SetBool(&SC::enable_grpc_gateway));
  b.Add("experimental-enable-lease-checkpoint-persist", K::kBool, "'false'",
        "Persist lease checkpoints (requires --experimental-enable-lease-checkpoint).",
        SetBool(&SC::experimental_enable_lease_checkpoint_persist));
  b.Add("unsafe-no-fsync", K::kBool, "'false'",
        "Never fsync the WAL and the backend (unsafe: loses data on power failure).",
        SetBool(&SC::unsafe_no_fsync));
  b.Add("config-file", K::kString, "''",
        "Read the whole configuration from this YAML file; every other flag and ETCD_*\n"
        "variable is then ignored (and reported as ignored).",
        {nullptr, [](const ServerConfig& c) { return c.config_file; }});
  b.Add("check-config", K::kBool, "'false'",
        "Validate the configuration, print every setting with where it came from, and "
        "exit.",
        {});
  b.Add("version", K::kBool, "'false'", "Print the version and exit.", {});

  for (const char* name :
       {"cluster-active-size", "cluster-remove-delay", "cluster-sync-interval", "config", "force",
        "max-result-buffer", "max-retry-attempts", "peer-heartbeat-interval",
        "peer-election-timeout", "retry-interval", "snapshot", "v", "vv"}) {
    b.Legacy(name);
  }
  return std::move(b.flags);
}

}  // namespace

ServerConfig DefaultConfig() {
  ServerConfig c;
  const Url peer{"http", "localhost", 2380, ""};
  const Url client{"http", "localhost", 2379, ""};
  c.listen_peer_urls = {peer};
  c.initial_advertise_peer_urls = {peer};
  c.listen_client_urls = {client};
  c.advertise_client_urls = {client};
  return c;
}

const std::vector<FlagSpec>& AllFlags() {
  static const std::vector<FlagSpec>* const table = new std::vector<FlagSpec>(BuildTable());
  return *table;
}

const FlagSpec* FindFlag(absl::string_view name) {
  static const std::map<std::string, const FlagSpec*, std::less<>>* const index = [] {
    auto* m = new std::map<std::string, const FlagSpec*, std::less<>>();
    for (const FlagSpec& f : AllFlags()) (*m)[f.name] = &f;
    return m;
  }();
  auto it = index->find(name);
  return it == index->end() ? nullptr : it->second;
}

std::string EnvNameForFlag(absl::string_view flag) {
  return absl::StrCat("ETCD_", absl::AsciiStrToUpper(absl::StrReplaceAll(flag, {{"-", "_"}})));
}

std::string FlagNameForEnv(absl::string_view env_name) {
  if (!absl::StartsWith(env_name, "ETCD_")) return "";
  std::string rest(env_name.substr(5));
  return absl::AsciiStrToLower(absl::StrReplaceAll(rest, {{"_", "-"}}));
}

absl::string_view GroupTitle(FlagGroup group) {
  switch (group) {
    case FlagGroup::kMember:
      return "Member";
    case FlagGroup::kClustering:
      return "Clustering";
    case FlagGroup::kSecurity:
      return "Security";
    case FlagGroup::kAuth:
      return "Auth";
    case FlagGroup::kProfiling:
      return "Profiling and Monitoring";
    case FlagGroup::kLogging:
      return "Logging";
    case FlagGroup::kProxy:
      return "v2 Proxy (to be deprecated in v4)";
    case FlagGroup::kExperimental:
      return "Experimental feature";
    case FlagGroup::kUnsafe:
      return "Unsafe feature";
    case FlagGroup::kDeprecated:
      return "To be deprecated";
    case FlagGroup::kOther:
      return "Other (accepted by etcd but not shown in its help)";
  }
  return "";
}

}  // namespace etcd::config
