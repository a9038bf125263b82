// Every flag, in every form: --flag, -flag=, ETCD_* variable, config-file key, its
// default, and a bad value with its message. Driven by one table; a test checks that
// the table covers every flag of config/flags.h.
#include "config/flags.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "config/parser.h"
#include "test_util.h"

namespace etcd::config {
namespace {

using std::chrono::milliseconds;
using Check = std::function<bool(const ServerConfig&)>;

#define CFG(expr) [](const ServerConfig& c) { return (expr); }

struct FlagCase {
  std::string flag;
  std::string value;                         // valid and different from the default
  Check is_set;                              // the config reflects `value`
  Check is_default;                          // the config holds the default
  std::string bad = "";                      // an invalid value ("" when every text is valid)
  std::string bad_message = "";              // substring of the error for `bad` given as a flag
  int bad_exit = 2;                          // exit code for `bad` given as a flag
  std::vector<std::string> extra_args = {};  // other flags this one needs
  std::string extra_yaml = "";               // the same, in the config file
  std::string yaml = "";                     // file form, if not `flag: "value"`
  std::string warning = "";  // expected warning when `value` is used (deprecated flags)
};

void PrintTo(const FlagCase& c, std::ostream* os) { *os << "--" << c.flag; }

const Url kPeer{"http", "10.0.0.1", 2380, ""};

std::vector<FlagCase> Cases() {
  return {
      // Member
      {"name", "n1", CFG(c.name == "n1" && c.data_dir == "n1.etcd"),
       CFG(c.name == "default" && c.data_dir == "default.etcd")},
      {"data-dir", "/var/lib/etcd/x", CFG(c.data_dir == "/var/lib/etcd/x"),
       CFG(c.data_dir == "default.etcd")},
      {"wal-dir", "/wal", CFG(c.wal_dir == "/wal" && c.WalDir() == "/wal"),
       CFG(c.wal_dir.empty() && c.WalDir() == "default.etcd/member/wal")},
      {"snapshot-count", "5000", CFG(c.snapshot_count == 5000u), CFG(c.snapshot_count == 100000u),
       "-1", "invalid value \"-1\" for flag -snapshot-count: parse error"},
      {"heartbeat-interval", "50", CFG(c.heartbeat_interval == milliseconds(50)),
       CFG(c.heartbeat_interval == milliseconds(100)), "5s",
       "invalid value \"5s\" for flag -heartbeat-interval: parse error"},
      {"election-timeout", "2000", CFG(c.election_timeout == milliseconds(2000)),
       CFG(c.election_timeout == milliseconds(1000)), "abc",
       "invalid value \"abc\" for flag -election-timeout: parse error"},
      {"initial-election-tick-advance", "false", CFG(!c.initial_election_tick_advance),
       CFG(c.initial_election_tick_advance), "maybe",
       "invalid boolean value \"maybe\" for -initial-election-tick-advance: parse error"},
      {"listen-peer-urls", "http://10.0.0.1:2380", CFG(c.listen_peer_urls == std::vector{kPeer}),
       CFG(c.listen_peer_urls.size() == 1 &&
           c.listen_peer_urls[0].ToString() == "http://localhost:2380"),
       "ftp://1.2.3.4:5",
       "invalid value \"ftp://1.2.3.4:5\" for flag -listen-peer-urls: URL scheme must be "
       "http, https, unix, or unixs: ftp://1.2.3.4:5"},
      {"listen-client-urls",
       "http://10.0.0.1:2379",
       CFG(c.listen_client_urls.size() == 1 &&
           c.listen_client_urls[0].ToString() == "http://10.0.0.1:2379"),
       CFG(c.listen_client_urls.size() == 1 &&
           c.listen_client_urls[0].ToString() == "http://localhost:2379"),
       "http://example.com:2379",
       "expected IP in URL for binding (http://example.com:2379)",
       1,
       {"--advertise-client-urls", "http://10.0.0.1:2379"},
       "advertise-client-urls: http://10.0.0.1:2379\n"},
      {"max-snapshots", "10", CFG(c.max_snapshots == 10u), CFG(c.max_snapshots == 5u), "x",
       "invalid value \"x\" for flag -max-snapshots: parse error"},
      {"max-wals", "10", CFG(c.max_wals == 10u), CFG(c.max_wals == 5u), "ten",
       "invalid value \"ten\" for flag -max-wals: parse error"},
      {"quota-backend-bytes", "8589934592", CFG(c.quota_backend_bytes == 8589934592LL),
       CFG(c.quota_backend_bytes == 0), "1k",
       "invalid value \"1k\" for flag -quota-backend-bytes: parse error"},
      {"backend-batch-interval", "10ms", CFG(c.backend_batch_interval == milliseconds(10)),
       CFG(c.backend_batch_interval == milliseconds(0)), "10",
       "invalid value \"10\" for flag -backend-batch-interval: parse error"},
      {"backend-batch-limit", "100", CFG(c.backend_batch_limit == 100),
       CFG(c.backend_batch_limit == 0), "x",
       "invalid value \"x\" for flag -backend-batch-limit: parse error"},
      {"max-txn-ops", "256", CFG(c.max_txn_ops == 256u), CFG(c.max_txn_ops == 128u), "-5",
       "invalid value \"-5\" for flag -max-txn-ops: parse error"},
      {"max-request-bytes", "10485760", CFG(c.max_request_bytes == 10485760u),
       CFG(c.max_request_bytes == 1572864u), "5000000000",
       "invalid value \"5000000000\" for flag -max-request-bytes: value out of range"},
      {"max-concurrent-streams", "100", CFG(c.max_concurrent_streams == 100u),
       CFG(c.max_concurrent_streams == 4294967295u), "x",
       "invalid value \"x\" for flag -max-concurrent-streams"},
      {"grpc-keepalive-min-time", "10s", CFG(c.grpc_keepalive_min_time == milliseconds(10000)),
       CFG(c.grpc_keepalive_min_time == milliseconds(5000)), "5",
       "invalid value \"5\" for flag -grpc-keepalive-min-time: parse error"},
      {"grpc-keepalive-interval", "1h30m",
       CFG(c.grpc_keepalive_interval == milliseconds(90 * 60 * 1000)),
       CFG(c.grpc_keepalive_interval == milliseconds(2 * 3600 * 1000)), "2hours",
       "invalid value \"2hours\" for flag -grpc-keepalive-interval: parse error"},
      {"grpc-keepalive-timeout", "1.5s", CFG(c.grpc_keepalive_timeout == milliseconds(1500)),
       CFG(c.grpc_keepalive_timeout == milliseconds(20000)), "x",
       "invalid value \"x\" for flag -grpc-keepalive-timeout: parse error"},

      // Clustering
      {"initial-advertise-peer-urls", "http://10.0.0.1:2380",
       CFG(c.initial_advertise_peer_urls == std::vector{kPeer}),
       CFG(c.initial_advertise_peer_urls.size() == 1 &&
           c.initial_advertise_peer_urls[0].ToString() == "http://localhost:2380"),
       "http://:2380",
       "--initial-advertise-peer-urls \"http://:2380\" must be \"host:port\" (unexpected "
       "empty host (http://:2380))",
       1},
      {"initial-cluster", "n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380",
       CFG(c.initial_cluster_given && c.initial_cluster.size() == 2 &&
           c.initial_cluster[0].first == "n1" &&
           c.initial_cluster[0].second == std::vector{kPeer} && c.initial_cluster[1].first == "n2"),
       CFG(!c.initial_cluster_given && c.initial_cluster.size() == 1 &&
           c.initial_cluster[0].first == "default" &&
           c.initial_cluster[0].second[0].ToString() == "http://localhost:2380"),
       "n1=10.0.0.1:2380",
       "error setting up initial cluster: URL scheme must be http, https, unix, or unixs: "
       "10.0.0.1:2380",
       1},
      {"initial-cluster-state", "existing", CFG(c.initial_cluster_state == ClusterState::kExisting),
       CFG(c.initial_cluster_state == ClusterState::kNew), "bogus",
       "invalid value \"bogus\" for flag -initial-cluster-state: invalid value (from "
       "--initial-cluster-state on the command line; expected \"new\" or \"existing\")"},
      {"initial-cluster-token", "tok-1", CFG(c.initial_cluster_token == "tok-1"),
       CFG(c.initial_cluster_token == "etcd-cluster")},
      {"advertise-client-urls", "http://etcd.example.com:2379",
       CFG(c.advertise_client_urls.size() == 1 &&
           c.advertise_client_urls[0].host == "etcd.example.com"),
       CFG(c.advertise_client_urls.size() == 1 &&
           c.advertise_client_urls[0].ToString() == "http://localhost:2379"),
       "etcd.example.com:2379",
       "invalid value \"etcd.example.com:2379\" for flag -advertise-client-urls: URL scheme "
       "must be http, https, unix, or unixs"},
      {"discovery", "https://discovery.etcd.io/abc",
       CFG(c.discovery == "https://discovery.etcd.io/abc" && c.initial_cluster.empty()),
       CFG(c.discovery.empty())},
      {"discovery-fallback", "exit", CFG(c.discovery_fallback == DiscoveryFallback::kExit),
       CFG(c.discovery_fallback == DiscoveryFallback::kProxy), "bogus",
       "invalid value \"bogus\" for flag -discovery-fallback: invalid value"},
      {"discovery-proxy", "http://proxy:8080", CFG(c.discovery_proxy == "http://proxy:8080"),
       CFG(c.discovery_proxy.empty())},
      {"discovery-srv", "example.com",
       CFG(c.discovery_srv == "example.com" && c.initial_cluster.empty()),
       CFG(c.discovery_srv.empty())},
      {"discovery-srv-name",
       "prod",
       CFG(c.discovery_srv_name == "prod" && c.initial_cluster.empty()),
       CFG(c.discovery_srv_name.empty()),
       "",
       "",
       2,
       {"--discovery-srv", "example.com"},
       "discovery-srv: example.com\n"},
      {"strict-reconfig-check", "false", CFG(!c.strict_reconfig_check),
       CFG(c.strict_reconfig_check), "nope",
       "invalid boolean value \"nope\" for -strict-reconfig-check: parse error"},
      {"pre-vote", "true", CFG(c.pre_vote), CFG(!c.pre_vote), "2",
       "invalid boolean value \"2\" for -pre-vote: parse error"},
      {"auto-compaction-retention", "5m",
       CFG(c.auto_compaction_retention == "5m" &&
           c.auto_compaction_period == milliseconds(5 * 60 * 1000)),
       CFG(c.auto_compaction_retention == "0" && c.auto_compaction_period == milliseconds(0)),
       "abc", "error parsing CompactionRetention: time: invalid duration \"abc\"", 1},
      {"auto-compaction-mode",
       "revision",
       CFG(c.auto_compaction_mode == CompactionMode::kRevision &&
           c.auto_compaction_revisions == 1000),
       CFG(c.auto_compaction_mode == CompactionMode::kPeriodic),
       "daily",
       "unknown auto-compaction-mode \"daily\" (from --auto-compaction-mode=\"daily\" on the "
       "command line; expected \"periodic\" or \"revision\")",
       1,
       {"--auto-compaction-retention", "1000"},
       "auto-compaction-retention: \"1000\"\n"},
      {"enable-v2", "true", CFG(c.enable_v2), CFG(!c.enable_v2), "yes",
       "invalid boolean value \"yes\" for -enable-v2: parse error"},

      // Security
      {"cert-file",
       "/c.pem",
       CFG(c.client_tls.cert_file == "/c.pem"),
       CFG(c.client_tls.cert_file.empty()),
       "",
       "",
       2,
       {"--key-file", "/k.pem"},
       "",
       "client-transport-security:\n  cert-file: /c.pem\n  key-file: /k.pem\n"},
      {"key-file",
       "/k.pem",
       CFG(c.client_tls.key_file == "/k.pem"),
       CFG(c.client_tls.key_file.empty()),
       "",
       "",
       2,
       {"--cert-file", "/c.pem"},
       "",
       "client-transport-security:\n  cert-file: /c.pem\n  key-file: /k.pem\n"},
      {"client-cert-auth",
       "true",
       CFG(c.client_tls.client_cert_auth),
       CFG(!c.client_tls.client_cert_auth),
       "always",
       "invalid boolean value \"always\" for -client-cert-auth: parse error",
       2,
       {},
       "",
       "client-transport-security:\n  client-cert-auth: true\n"},
      {"client-crl-file",
       "/crl.pem",
       CFG(c.client_tls.crl_file == "/crl.pem"),
       CFG(c.client_tls.crl_file.empty()),
       "",
       "",
       2,
       {},
       "",
       "client-transport-security:\n  crl-file: /crl.pem\n"},
      {"client-cert-allowed-hostname",
       "client.example.com",
       CFG(c.client_tls.allowed_hostname == "client.example.com"),
       CFG(c.client_tls.allowed_hostname.empty()),
       "",
       "",
       2,
       {},
       "",
       "client-transport-security:\n  allowed-hostname: client.example.com\n"},
      {"trusted-ca-file",
       "/ca.pem",
       CFG(c.client_tls.trusted_ca_file == "/ca.pem"),
       CFG(c.client_tls.trusted_ca_file.empty()),
       "",
       "",
       2,
       {},
       "",
       "client-transport-security:\n  trusted-ca-file: /ca.pem\n"},
      {"auto-tls",
       "true",
       CFG(c.client_tls.auto_tls),
       CFG(!c.client_tls.auto_tls),
       "x",
       "invalid boolean value \"x\" for -auto-tls: parse error",
       2,
       {},
       "",
       "client-transport-security:\n  auto-tls: true\n"},
      {"peer-cert-file",
       "/pc.pem",
       CFG(c.peer_tls.cert_file == "/pc.pem"),
       CFG(c.peer_tls.cert_file.empty()),
       "",
       "",
       2,
       {"--peer-key-file", "/pk.pem"},
       "",
       "peer-transport-security:\n  cert-file: /pc.pem\n  key-file: /pk.pem\n"},
      {"peer-key-file",
       "/pk.pem",
       CFG(c.peer_tls.key_file == "/pk.pem"),
       CFG(c.peer_tls.key_file.empty()),
       "",
       "",
       2,
       {"--peer-cert-file", "/pc.pem"},
       "",
       "peer-transport-security:\n  cert-file: /pc.pem\n  key-file: /pk.pem\n"},
      {"peer-client-cert-auth",
       "true",
       CFG(c.peer_tls.client_cert_auth),
       CFG(!c.peer_tls.client_cert_auth),
       "x",
       "invalid boolean value \"x\" for -peer-client-cert-auth: parse error",
       2,
       {},
       "",
       "peer-transport-security:\n  client-cert-auth: true\n"},
      {"peer-trusted-ca-file",
       "/pca.pem",
       CFG(c.peer_tls.trusted_ca_file == "/pca.pem"),
       CFG(c.peer_tls.trusted_ca_file.empty()),
       "",
       "",
       2,
       {},
       "",
       "peer-transport-security:\n  trusted-ca-file: /pca.pem\n"},
      {"peer-cert-allowed-cn",
       "etcd-peer",
       CFG(c.peer_tls.allowed_cn == "etcd-peer"),
       CFG(c.peer_tls.allowed_cn.empty()),
       "",
       "",
       2,
       {},
       "",
       "peer-transport-security:\n  allowed-cn: etcd-peer\n"},
      {"peer-cert-allowed-hostname",
       "peer.example.com",
       CFG(c.peer_tls.allowed_hostname == "peer.example.com"),
       CFG(c.peer_tls.allowed_hostname.empty()),
       "",
       "",
       2,
       {},
       "",
       "peer-transport-security:\n  allowed-hostname: peer.example.com\n"},
      {"peer-auto-tls",
       "true",
       CFG(c.peer_tls.auto_tls),
       CFG(!c.peer_tls.auto_tls),
       "x",
       "invalid boolean value \"x\" for -peer-auto-tls: parse error",
       2,
       {},
       "",
       "peer-transport-security:\n  auto-tls: true\n"},
      {"peer-crl-file",
       "/pcrl.pem",
       CFG(c.peer_tls.crl_file == "/pcrl.pem"),
       CFG(c.peer_tls.crl_file.empty()),
       "",
       "",
       2,
       {},
       "",
       "peer-transport-security:\n  crl-file: /pcrl.pem\n"},
      {"cipher-suites",
       "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
       CFG(c.cipher_suites ==
           (std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                     "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"})),
       CFG(c.cipher_suites.empty()), "FOO", "unexpected TLS cipher suite \"FOO\"", 1},
      {"cors", "http://a.example.com:80",
       CFG(c.cors == std::vector<std::string>{"http://a.example.com:80"}),
       CFG(c.cors == std::vector<std::string>{"*"}), "http://a.example.com",
       "invalid value \"http://a.example.com\" for flag -cors: URL address does not have "
       "the form \"host:port\": http://a.example.com"},
      {"host-whitelist", "b.example.com,a.example.com",
       CFG(c.host_whitelist == (std::vector<std::string>{"a.example.com", "b.example.com"})),
       CFG(c.host_whitelist == std::vector<std::string>{"*"})},

      // Auth
      {"auth-token", "jwt,pub-key=/p.pem,priv-key=/k.pem,sign-method=RS256",
       CFG(c.auth_token == "jwt,pub-key=/p.pem,priv-key=/k.pem,sign-method=RS256"),
       CFG(c.auth_token == "simple"), "foo", "auth: unknown token type: foo", 1},
      {"bcrypt-cost", "12", CFG(c.bcrypt_cost == 12), CFG(c.bcrypt_cost == 10), "x",
       "invalid value \"x\" for flag -bcrypt-cost: parse error"},
      {"auth-token-ttl", "600", CFG(c.auth_token_ttl == 600u), CFG(c.auth_token_ttl == 300u), "-1",
       "invalid value \"-1\" for flag -auth-token-ttl: parse error"},

      // Profiling and monitoring
      {"enable-pprof", "true", CFG(c.enable_pprof), CFG(!c.enable_pprof), "x",
       "invalid boolean value \"x\" for -enable-pprof: parse error"},
      {"metrics", "extensive", CFG(c.metrics == "extensive"), CFG(c.metrics == "basic")},
      {"listen-metrics-urls", "http://127.0.0.1:2381",
       CFG(c.listen_metrics_urls.size() == 1 && c.listen_metrics_urls[0].port == 2381),
       CFG(c.listen_metrics_urls.empty()), "http://metrics.example.com:2381",
       "expected IP in URL for binding (http://metrics.example.com:2381)", 1},

      // Logging
      {"logger", "zap", CFG(c.logger == "zap"), CFG(c.logger == "capnslog"), "foo",
       "unknown logger option \"foo\"", 1},
      {"log-outputs", "stderr", CFG(c.log_outputs == std::vector<std::string>{"stderr"}),
       CFG(c.log_outputs == std::vector<std::string>{"default"}), "/var/log/etcd.log",
       "unknown log-output \"/var/log/etcd.log\"", 1},
      {"log-level", "debug", CFG(c.log_level == "debug"), CFG(c.log_level == "info"), "verbose",
       "unknown level \"verbose\"", 1},

      // v2 proxy
      {"proxy", "readonly", CFG(c.proxy == ProxyMode::kReadonly), CFG(c.proxy == ProxyMode::kOff),
       "bogus", "invalid value \"bogus\" for flag -proxy: invalid value"},
      {"proxy-failure-wait", "1000", CFG(c.proxy_failure_wait == milliseconds(1000)),
       CFG(c.proxy_failure_wait == milliseconds(5000)), "1s",
       "invalid value \"1s\" for flag -proxy-failure-wait: parse error"},
      {"proxy-refresh-interval", "1000", CFG(c.proxy_refresh_interval == milliseconds(1000)),
       CFG(c.proxy_refresh_interval == milliseconds(30000)), "x",
       "invalid value \"x\" for flag -proxy-refresh-interval: parse error"},
      {"proxy-dial-timeout", "500", CFG(c.proxy_dial_timeout == milliseconds(500)),
       CFG(c.proxy_dial_timeout == milliseconds(1000)), "x",
       "invalid value \"x\" for flag -proxy-dial-timeout: parse error"},
      {"proxy-write-timeout", "500", CFG(c.proxy_write_timeout == milliseconds(500)),
       CFG(c.proxy_write_timeout == milliseconds(5000)), "x",
       "invalid value \"x\" for flag -proxy-write-timeout: parse error"},
      {"proxy-read-timeout", "500", CFG(c.proxy_read_timeout == milliseconds(500)),
       CFG(c.proxy_read_timeout == milliseconds(0)), "x",
       "invalid value \"x\" for flag -proxy-read-timeout: parse error"},

      // Experimental
      {"experimental-initial-corrupt-check", "true", CFG(c.experimental_initial_corrupt_check),
       CFG(!c.experimental_initial_corrupt_check), "x",
       "invalid boolean value \"x\" for -experimental-initial-corrupt-check: parse error"},
      {"experimental-corrupt-check-time", "5m",
       CFG(c.experimental_corrupt_check_time == milliseconds(300000)),
       CFG(c.experimental_corrupt_check_time == milliseconds(0)), "5",
       "invalid value \"5\" for flag -experimental-corrupt-check-time: parse error"},
      {"experimental-enable-v2v3", "/v2v3", CFG(c.experimental_enable_v2v3 == "/v2v3"),
       CFG(c.experimental_enable_v2v3.empty())},
      {"experimental-backend-bbolt-freelist-type", "map",
       CFG(c.experimental_backend_bbolt_freelist_type == "map"),
       CFG(c.experimental_backend_bbolt_freelist_type == "array")},
      {"experimental-enable-lease-checkpoint", "true", CFG(c.experimental_enable_lease_checkpoint),
       CFG(!c.experimental_enable_lease_checkpoint), "x",
       "invalid boolean value \"x\" for -experimental-enable-lease-checkpoint: parse error"},
      {"experimental-compaction-batch-limit", "500",
       CFG(c.experimental_compaction_batch_limit == 500),
       CFG(c.experimental_compaction_batch_limit == 0), "x",
       "invalid value \"x\" for flag -experimental-compaction-batch-limit: parse error"},
      {"experimental-peer-skip-client-san-verification", "true",
       CFG(c.peer_tls.skip_client_san_verification), CFG(!c.peer_tls.skip_client_san_verification),
       "x", "invalid boolean value \"x\" for -experimental-peer-skip-client-san-verification"},
      {"experimental-watch-progress-notify-interval", "5s",
       CFG(c.experimental_watch_progress_notify_interval == milliseconds(5000)),
       CFG(c.experimental_watch_progress_notify_interval == milliseconds(0)), "5",
       "invalid value \"5\" for flag -experimental-watch-progress-notify-interval: parse "
       "error (from --experimental-watch-progress-notify-interval on the command line; "
       "expected a duration with a unit"},
      {"experimental-warning-apply-duration", "200ms",
       CFG(c.experimental_warning_apply_duration == milliseconds(200)),
       CFG(c.experimental_warning_apply_duration == milliseconds(100)), "x",
       "invalid value \"x\" for flag -experimental-warning-apply-duration: parse error"},

      // Unsafe
      {"force-new-cluster", "true", CFG(c.force_new_cluster), CFG(!c.force_new_cluster), "x",
       "invalid boolean value \"x\" for -force-new-cluster: parse error"},

      // To be deprecated
      {"debug",
       "true",
       CFG(c.debug && c.log_level == "debug"),
       CFG(!c.debug && c.log_level == "info"),
       "x",
       "invalid boolean value \"x\" for -debug: parse error",
       2,
       {},
       "",
       "",
       "--debug is deprecated; use --log-level=debug"},
      {"log-package-levels", "etcdserver=WARNING",
       CFG(c.log_package_levels == "etcdserver=WARNING"), CFG(c.log_package_levels.empty())},
      {"log-output",
       "stdout",
       CFG(c.log_outputs == std::vector<std::string>{"stdout"}),
       CFG(c.log_outputs == std::vector<std::string>{"default"}),
       "/tmp/x.log",
       "unknown log-output \"/tmp/x.log\"",
       1,
       {},
       "",
       "",
       "--log-output is deprecated; use --log-outputs"},

      // Accepted by etcd but hidden from its help
      {"enable-grpc-gateway", "false", CFG(!c.enable_grpc_gateway), CFG(c.enable_grpc_gateway), "x",
       "invalid boolean value \"x\" for -enable-grpc-gateway: parse error"},
      {"experimental-enable-lease-checkpoint-persist",
       "true",
       CFG(c.experimental_enable_lease_checkpoint_persist),
       CFG(!c.experimental_enable_lease_checkpoint_persist),
       "x",
       "invalid boolean value \"x\" for -experimental-enable-lease-checkpoint-persist",
       2,
       {"--experimental-enable-lease-checkpoint"},
       "experimental-enable-lease-checkpoint: true\n"},
      {"unsafe-no-fsync", "true", CFG(c.unsafe_no_fsync), CFG(!c.unsafe_no_fsync), "x",
       "invalid boolean value \"x\" for -unsafe-no-fsync: parse error"},
  };
}

class FlagFormsTest : public ::testing::TestWithParam<FlagCase> {
 protected:
  // No warnings, or exactly the expected deprecation warning.
  void ExpectWarnings(const ParseResult& r) {
    if (C().warning.empty()) {
      for (const std::string& w : r.warnings) ADD_FAILURE() << "unexpected warning: " << w;
      return;
    }
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_NE(r.warnings[0].find(C().warning), std::string::npos) << r.warnings[0];
  }
  const FlagCase& C() { return GetParam(); }
  bool IsBool() { return FindFlag(C().flag)->kind == FlagKind::kBool; }
  std::vector<std::string> Args(const std::string& value, bool single_dash = false) {
    std::vector<std::string> args = C().extra_args;
    std::string dash = single_dash ? "-" : "--";
    if (IsBool() || single_dash) {
      args.push_back(dash + C().flag + "=" + value);
    } else {
      args.push_back(dash + C().flag);
      args.push_back(value);
    }
    return args;
  }
};

TEST_P(FlagFormsTest, CommandLineFlag) {
  auto r = Parse(Args(C().value), {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(C().is_set(r->config));
  EXPECT_EQ(r->sources.at(C().flag).kind, Source::kFlag);
  EXPECT_EQ(r->sources.at(C().flag).detail, "--" + C().flag);
}

TEST_P(FlagFormsTest, SingleDashWithEquals) {
  auto r = Parse(Args(C().value, /*single_dash=*/true), {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(C().is_set(r->config));
}

TEST_P(FlagFormsTest, EnvironmentVariable) {
  const std::string var = EnvNameForFlag(C().flag);
  auto r = Parse(C().extra_args, {{var, C().value}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(C().is_set(r->config));
  EXPECT_EQ(r->sources.at(C().flag).kind, Source::kEnv);
  EXPECT_EQ(r->sources.at(C().flag).detail, var);
  ExpectWarnings(*r);
}

TEST_P(FlagFormsTest, ConfigFile) {
  std::string yaml =
      C().yaml.empty() ? absl::StrCat(C().flag, ": \"", C().value, "\"\n") : C().yaml;
  std::string path = testing_util::WriteTempFile(yaml + C().extra_yaml);
  auto r = Parse({"--config-file", path}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(C().is_set(r->config)) << yaml;
  EXPECT_EQ(r->sources.at(C().flag).kind, Source::kConfigFile);
  EXPECT_EQ(r->sources.at(C().flag).detail, path);
  EXPECT_EQ(r->config.config_file, path);
  ExpectWarnings(*r);
}

TEST_P(FlagFormsTest, Default) {
  auto r = Parse({}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(C().is_default(r->config));
  EXPECT_EQ(r->sources.at(C().flag).kind, Source::kDefault);
}

TEST_P(FlagFormsTest, BadValueAsFlag) {
  if (C().bad.empty()) GTEST_SKIP() << "every value of --" << C().flag << " is accepted";
  auto r = Parse(Args(C().bad), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(C().bad_message), std::string::npos) << r.status().message();
  // Where the value came from: "--flag on the command line" (the value is already in
  // etcd's message) or "--flag="value" on the command line".
  const std::string m(r.status().message());
  EXPECT_TRUE(m.find("--" + C().flag + " on the command line") != std::string::npos ||
              m.find("--" + C().flag + "=\"" + C().bad + "\" on the command line") !=
                  std::string::npos)
      << m;
  EXPECT_EQ(ExitCodeFor(r.status()), C().bad_exit) << r.status().message();
}

TEST_P(FlagFormsTest, BadValueFromEnvironmentSaysWhere) {
  if (C().bad.empty()) GTEST_SKIP() << "every value of --" << C().flag << " is accepted";
  const std::string var = EnvNameForFlag(C().flag);
  auto r = Parse(C().extra_args, {{var, C().bad}});
  ASSERT_FALSE(r.ok());
  // The error names the value and the variable it came from.
  EXPECT_NE(r.status().message().find("\"" + C().bad + "\""), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(var), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(" in the environment"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(ExitCodeFor(r.status()), 1);  // etcd: env values are checked after parsing
}

TEST_P(FlagFormsTest, EmptyEnvironmentValueIsIgnored) {
  auto r = Parse(C().extra_args, {{EnvNameForFlag(C().flag), ""}});
  if (r.ok()) {  // (cert-file alone, for instance, is invalid without key-file)
    EXPECT_EQ(r->sources.at(C().flag).kind, Source::kDefault);
  }
  // Not even a conflict with the flag: ETCD_X= is as good as unset.
  r = Parse(Args(C().value), {{EnvNameForFlag(C().flag), ""}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(C().is_set(r->config));
  EXPECT_EQ(r->sources.at(C().flag).kind, Source::kFlag);
  ExpectWarnings(*r);
}

TEST_P(FlagFormsTest, SameValueAsFlagAndEnvIsSilent) {
  auto r = Parse(Args(C().value), {{EnvNameForFlag(C().flag), C().value}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(C().is_set(r->config));
  ExpectWarnings(*r);
}

INSTANTIATE_TEST_SUITE_P(AllFlags, FlagFormsTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<FlagCase>& info) {
                           std::string name = info.param.flag;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

TEST(FlagTable, EveryFlagHasATableCase) {
  std::set<std::string> covered;
  for (const FlagCase& c : Cases()) covered.insert(c.flag);
  for (const FlagSpec& f : AllFlags()) {
    if (f.legacy || f.name == "version" || f.name == "check-config" || f.name == "config-file") {
      continue;  // tested in parser_test.cc
    }
    EXPECT_TRUE(covered.count(f.name)) << "no FlagFormsTest case for --" << f.name;
  }
}

TEST(FlagTable, EnvNames) {
  EXPECT_EQ(EnvNameForFlag("initial-cluster-token"), "ETCD_INITIAL_CLUSTER_TOKEN");
  EXPECT_EQ(FlagNameForEnv("ETCD_INITIAL_CLUSTER_TOKEN"), "initial-cluster-token");
  EXPECT_EQ(FlagNameForEnv("ETCDCTL_API"), "");
}

TEST(FlagTable, GettersRoundTrip) {
  // Every stored value reads back as text that sets the same value again.
  auto r = Parse({"--name", "n1", "--grpc-keepalive-interval", "90m", "--listen-peer-urls",
                  "http://10.0.0.2:2380,http://10.0.0.1:2380", "--initial-cluster-state",
                  "existing", "--heartbeat-interval", "50", "--cors", "*"},
                 {});
  ASSERT_TRUE(r.ok()) << r.status();
  for (const FlagSpec& f : AllFlags()) {
    if (!f.set || !f.get) continue;
    ServerConfig copy = r->config;
    std::string text = f.get(r->config);
    if (f.kind == FlagKind::kUrls && text.empty()) continue;  // empty list
    std::optional<std::string> err = f.set(text, copy);
    EXPECT_FALSE(err.has_value()) << f.name << "=" << text << ": " << *err;
    EXPECT_EQ(f.get(copy), text) << f.name;
  }
  EXPECT_EQ(FindFlag("grpc-keepalive-interval")->get(r->config), "1h30m0s");
  EXPECT_EQ(FindFlag("listen-peer-urls")->get(r->config),
            "http://10.0.0.1:2380,http://10.0.0.2:2380");
  EXPECT_EQ(FindFlag("initial-cluster")->get(r->config), "n1=http://localhost:2380");
}

}  // namespace
}  // namespace etcd::config
