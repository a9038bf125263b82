// Cross-setting resolution and validation (config/validate.cc), through Parse().
#include "config/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/parser.h"
#include "config/url.h"
#include "test_util.h"

namespace etcd::config {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

using Env = std::map<std::string, std::string>;

absl::StatusOr<ParseResult> P(std::vector<std::string> args, Env env = {}) {
  return Parse(args, env);
}

std::string Err(std::vector<std::string> args, Env env = {}) {
  auto r = P(args, env);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(ExitCodeFor(r.status()), 1) << r.status();
  return std::string(r.status().message());
}

// ---- initial cluster and discovery ----

TEST(Bootstrap, NameAloneRewritesTheDefaultCluster) {
  auto r = P({"--name", "n1", "--initial-advertise-peer-urls",
              "http://10.0.0.1:2380,http://10.0.0.1:2381"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FormatInitialCluster(r->config.initial_cluster),
            "n1=http://10.0.0.1:2380,n1=http://10.0.0.1:2381");
  EXPECT_FALSE(r->config.initial_cluster_given);
}

TEST(Bootstrap, ExplicitClusterIsKept) {
  auto r = P({"--name", "n1", "--initial-cluster", "n1=http://10.0.0.1:2380"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->config.initial_cluster_given);
  EXPECT_EQ(FormatInitialCluster(r->config.initial_cluster), "n1=http://10.0.0.1:2380");
  // Explicitly the default text: etcd still rewrites it from the name.
  r = P({"--name", "n1", "--initial-cluster", "default=http://localhost:2380"});
  EXPECT_EQ(FormatInitialCluster(r->config.initial_cluster), "n1=http://localhost:2380");
}

TEST(Bootstrap, EmptyInitialClusterIsAllowedHere) {
  auto r = P({"--initial-cluster="});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->config.initial_cluster.empty());
}

TEST(Bootstrap, DiscoveryClearsTheDefaultCluster) {
  for (const char* flag : {"--discovery", "--discovery-srv", "--discovery-srv-name"}) {
    auto r = P({flag, "x"});
    ASSERT_TRUE(r.ok()) << flag << ": " << r.status();
    EXPECT_TRUE(r->config.initial_cluster.empty()) << flag;
  }
  EXPECT_THAT(P({"--discovery-srv-name", "x"})->warnings,
              ElementsAre(HasSubstr("--discovery-srv-name is set but --discovery-srv is not")));
}

TEST(Bootstrap, MoreThanOneSourceIsEtcdsError) {
  std::string m =
      Err({"--discovery", "http://d/x"}, {{"ETCD_INITIAL_CLUSTER", "a=http://10.0.0.1:2380"}});
  EXPECT_EQ(m,
            "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", "
            "\"discovery\" or \"discovery-srv\" (discovery from --discovery on the command "
            "line, initial-cluster from ETCD_INITIAL_CLUSTER in the environment; keep exactly "
            "one of them)");
  EXPECT_THAT(Err({"--discovery", "http://d/x", "--discovery-srv", "example.com"}),
              StartsWith("multiple discovery or bootstrap flags are set."));
}

TEST(Bootstrap, DiscoveryCannotJoinExisting) {
  EXPECT_THAT(Err({"--discovery", "http://d/x", "--initial-cluster-state", "existing"}),
              StartsWith("discovery URL should not be set when joining existing initial "
                         "cluster"));
}

TEST(Bootstrap, DuplicateUrlAcrossMembers) {
  EXPECT_THAT(
      Err({"--initial-cluster", "bar=http://127.0.0.1:34380,foo=http://127.0.0.1:34380"}),
      StartsWith("initial cluster bar=http://127.0.0.1:34380,foo=http://127.0.0.1:34380 has "
                 "duplicate url"));
}

TEST(Bootstrap, MalformedCluster) {
  EXPECT_THAT(Err({"--initial-cluster", "foo"}),
              StartsWith("error setting up initial cluster: URL scheme must be http, https, "
                         "unix, or unixs:  (from --initial-cluster=\"foo\" on the command "
                         "line; expected name=url"));
}

// ---- URLs ----

TEST(Urls, ListenHostsMustBeIpsOrLocalhost) {
  for (const char* ok : {"http://0.0.0.0:2379", "http://[::]:2379", "http://localhost:2379",
                         "unix://etcd.sock:0", "https://127.0.0.1:2379"}) {
    auto r = P({"--listen-peer-urls", ok, "--peer-auto-tls"});
    EXPECT_TRUE(r.ok()) << ok << ": " << r.status();
  }
  EXPECT_THAT(Err({"--listen-peer-urls", "http://example.com:34380"}),
              StartsWith("expected IP in URL for binding (http://example.com:34380) (from "
                         "--listen-peer-urls=\"http://example.com:34380\" on the command "
                         "line;"));
}

TEST(Urls, ListenClientWithoutAdvertise) {
  EXPECT_THAT(Err({"--listen-client-urls", "http://10.0.0.1:2379"}),
              StartsWith("--advertise-client-urls is required when --listen-client-urls is "
                         "set explicitly (from --listen-client-urls=\"http://10.0.0.1:2379\" "
                         "on the command line; when listening on specific address(es), this "
                         "etcd process must advertise accessible url(s)"));
  // May become a proxy: no error, and nothing is advertised.
  auto r = P({"--listen-client-urls", "http://10.0.0.1:2379", "--proxy", "on"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->config.advertise_client_urls.empty());
  r = P({"--listen-client-urls", "http://10.0.0.1:2379", "--discovery", "http://d/x"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->config.advertise_client_urls.empty());
  EXPECT_FALSE(P({"--listen-client-urls", "http://10.0.0.1:2379", "--discovery", "http://d/x",
                  "--discovery-fallback", "exit"})
                   .ok());
}

TEST(Urls, ListenClientWithoutAdvertiseInAFileKeepsTheDefaultAndWarns) {
  std::string path = testing_util::WriteTempFile("listen-client-urls: http://10.0.0.1:2379\n");
  auto r = P({"--config-file", path});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(JoinUrls(r->config.advertise_client_urls), "http://localhost:2379");
  EXPECT_THAT(r->warnings, ElementsAre(HasSubstr("clients are told to use "
                                                 "http://localhost:2379")));
}

TEST(Urls, AdvertiseNeedsAHost) {
  EXPECT_THAT(Err({"--advertise-client-urls", "http://:2379"}),
              StartsWith("--advertise-client-urls \"http://:2379\" must be \"host:port\" "
                         "(unexpected empty host (http://:2379))"));
}

// ---- timing ----

TEST(Timing, ElectionAtLeastFiveHeartbeats) {
  EXPECT_TRUE(P({"--election-timeout", "500"}).ok());
  EXPECT_EQ(Err({"--election-timeout", "499"}, {}),
            "--election-timeout[499ms] should be at least as 5 times as "
            "--heartbeat-interval[100ms] (election-timeout from --election-timeout on the "
            "command line, heartbeat-interval from the default; raise --election-timeout to "
            "at least 500 or lower --heartbeat-interval)");
  EXPECT_THAT(Err({}, {{"ETCD_HEARTBEAT_INTERVAL", "300"}}),
              HasSubstr("heartbeat-interval from ETCD_HEARTBEAT_INTERVAL in the environment"));
}

TEST(Timing, ElectionAtMost50Seconds) {
  EXPECT_TRUE(P({"--election-timeout", "50000"}).ok());
  EXPECT_THAT(Err({"--election-timeout", "60000"}),
              StartsWith("--election-timeout[60000ms] is too long, and should be set less "
                         "than 50000ms (from --election-timeout=\"60000\" on the command "
                         "line; use at most 50000)"));
}

TEST(Timing, ZeroIsRejected) {
  EXPECT_THAT(Err({"--heartbeat-interval", "0"}),
              StartsWith("--heartbeat-interval must be >0 (set to 0ms)"));
  EXPECT_THAT(Err({"--election-timeout", "0"}),
              StartsWith("--election-timeout must be >0 (set to 0ms)"));
}

// ---- compaction ----

TEST(Compaction, RetentionPerMode) {
  struct Case {
    std::string mode, retention;
    milliseconds period;
    int64_t revisions;
  } cases[] = {
      {"periodic", "0", milliseconds(0), 0},
      {"periodic", "1", std::chrono::hours(1), 0},
      {"periodic", "72", std::chrono::hours(72), 0},
      {"periodic", "30m", std::chrono::minutes(30), 0},
      {"periodic", "1.5h", std::chrono::minutes(90), 0},
      {"revision", "1000", milliseconds(0), 1000},
      {"revision", "0", milliseconds(0), 0},
  };
  for (const Case& c : cases) {
    auto r = P({"--auto-compaction-mode", c.mode, "--auto-compaction-retention", c.retention});
    ASSERT_TRUE(r.ok()) << c.mode << " " << c.retention << ": " << r.status();
    EXPECT_EQ(r->config.auto_compaction_period, c.period) << c.retention;
    EXPECT_EQ(r->config.auto_compaction_revisions, c.revisions) << c.retention;
  }
}

TEST(Compaction, BadRetention) {
  EXPECT_THAT(Err({"--auto-compaction-retention", "1.5"}),
              StartsWith("error parsing CompactionRetention: time: missing unit in duration "
                         "\"1.5\""));
  EXPECT_THAT(Err({"--auto-compaction-retention", "-1"}),
              StartsWith("error parsing CompactionRetention: time: missing unit in duration "
                         "\"-1\""));
  EXPECT_THAT(Err({"--auto-compaction-retention", "-1h"}),
              StartsWith("error parsing CompactionRetention: negative duration"));
  // Difference from etcd 3.4: a duration is not a revision count.
  EXPECT_THAT(Err({"--auto-compaction-mode", "revision", "--auto-compaction-retention", "5m"}),
              StartsWith("error parsing CompactionRetention: invalid revision count \"5m\""));
}

// ---- TLS ----

TEST(Tls, HttpsClientUrlNeedsACertificate) {
  std::vector<std::string> base = {"--listen-client-urls", "https://127.0.0.1:34379",
                                   "--advertise-client-urls", "https://127.0.0.1:34379"};
  EXPECT_THAT(Err(base),
              StartsWith("TLS key/cert (--cert-file, --key-file) must be provided for client "
                         "url https://127.0.0.1:34379 with HTTPS scheme"));
  auto with = base;
  with.insert(with.end(), {"--cert-file", "/c", "--key-file", "/k"});
  EXPECT_TRUE(P(with).ok());
  with = base;
  with.push_back("--auto-tls");
  EXPECT_TRUE(P(with).ok());
}

TEST(Tls, HttpsPeerUrlNeedsACertificate) {
  EXPECT_THAT(Err({"--listen-peer-urls", "https://127.0.0.1:34380"}),
              StartsWith("cannot listen on TLS for 127.0.0.1:34380: KeyFile and CertFile are "
                         "not presented"));
  EXPECT_TRUE(P({"--listen-peer-urls", "https://127.0.0.1:34380", "--peer-cert-file", "/c",
                 "--peer-key-file", "/k"})
                  .ok());
}

TEST(Tls, CertificateNeedsItsKey) {
  EXPECT_THAT(Err({"--cert-file", "/c"}), StartsWith("--cert-file is set but --key-file is not"));
  EXPECT_THAT(Err({"--peer-key-file", "/k"}),
              StartsWith("--peer-key-file is set but --peer-cert-file is not"));
}

TEST(Tls, CipherSuites) {
  auto r = P({"--cipher-suites", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_AES_128_GCM_SHA256"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.cipher_suites.size(), 2u);
  EXPECT_TRUE(P({"--cipher-suites="})->config.cipher_suites.empty());
  EXPECT_THAT(Err({"--cipher-suites", "TLS_AES_128_GCM_SHA256,FOO"}),
              StartsWith("unexpected TLS cipher suite \"FOO\""));
}

// ---- auth ----

TEST(Auth, TokenFormats) {
  EXPECT_TRUE(P({"--auth-token", "simple"}).ok());
  EXPECT_TRUE(P({"--auth-token", "jwt,pub-key=/p,priv-key=/k,sign-method=RS256,ttl=5m"}).ok());
  EXPECT_THAT(Err({"--auth-token", "jwt,pub-key=/p"}),
              StartsWith("auth: invalid auth options (jwt needs sign-method)"));
  EXPECT_THAT(Err({"--auth-token", "jwt,sign-method=RS256,color=blue"}),
              StartsWith("auth: invalid auth options (unknown option \"color=blue\")"));
  EXPECT_THAT(Err({"--auth-token", "jwt,sign-method=RS256,ttl=5"}),
              StartsWith("auth: invalid auth options (bad ttl \"5\")"));
}

// ---- logging ----

TEST(Logging, OutputsPerLogger) {
  EXPECT_TRUE(P({"--log-outputs", "stdout"}).ok());
  EXPECT_THAT(Err({"--log-outputs", "stderr,stdout"}),
              StartsWith("--logger=capnslog supports only 1 value in '--log-outputs', got "
                         "[stderr stdout]"));
  auto r = P({"--logger", "zap", "--log-outputs", "stderr,/var/log/etcd.log"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.log_outputs, (std::vector<std::string>{"/var/log/etcd.log", "stderr"}));
  EXPECT_THAT(Err({"--logger", "zap", "--log-outputs", "default,stderr"}),
              StartsWith("multi logoutput for \"default\" is not supported yet"));
}

TEST(Logging, DeprecatedLogOutput) {
  EXPECT_THAT(Err({"--log-output", "stdout", "--log-outputs", "stderr"}),
              StartsWith("'--log-output=stdout' and '--log-outputs=stderr' are incompatible"));
  auto r = P({"--log-output", "stderr", "--log-outputs", "stderr"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.log_outputs, std::vector<std::string>{"stderr"});
}

TEST(Logging, LevelIsACleanError) {
  EXPECT_EQ(Err({"--log-level", "verbose"}),
            "unknown level \"verbose\" (from --log-level=\"verbose\" on the command line; "
            "expected one of debug, info, warn, error, panic, fatal)");
  EXPECT_THAT(Err({}, {{"ETCD_LOGGER", "foo"}}),
              StartsWith("unknown logger option \"foo\" (from ETCD_LOGGER=\"foo\" in the "
                         "environment;"));
}

// ---- values corrected with a warning ----

TEST(Adjustments, WarnAndCorrect) {
  auto r = P({"--bcrypt-cost", "3", "--experimental-watch-progress-notify-interval", "50ms",
              "--quota-backend-bytes", "-1", "--metrics", "verbose",
              "--experimental-backend-bbolt-freelist-type", "tree"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.bcrypt_cost, 10);
  EXPECT_EQ(r->config.experimental_watch_progress_notify_interval, milliseconds(100));
  EXPECT_EQ(r->config.quota_backend_bytes, -1);
  EXPECT_EQ(r->config.metrics, "basic");
  EXPECT_EQ(r->config.experimental_backend_bbolt_freelist_type, "array");
  EXPECT_THAT(r->warnings,
              ElementsAre(HasSubstr("bcrypt-cost 3 is outside the valid range 4..31; using the "
                                    "default 10"),
                          HasSubstr("experimental-watch-progress-notify-interval 50ms is below the "
                                    "minimum; using 100ms"),
                          HasSubstr("negative quota-backend-bytes (-1) disables the backend quota"),
                          HasSubstr("unknown metrics level \"verbose\""),
                          HasSubstr("unknown experimental-backend-bbolt-freelist-type \"tree\"")));
  EXPECT_EQ(P({"--bcrypt-cost", "31"})->config.bcrypt_cost, 31);
  EXPECT_EQ(P({"--experimental-watch-progress-notify-interval", "100ms"})->warnings.size(), 0u);
}

TEST(LeaseCheckpoint, PersistRequiresCheckpoint) {
  EXPECT_THAT(Err({"--experimental-enable-lease-checkpoint-persist"}),
              StartsWith("setting experimental-enable-lease-checkpoint-persist requires "
                         "experimental-enable-lease-checkpoint"));
}

}  // namespace
}  // namespace etcd::config
