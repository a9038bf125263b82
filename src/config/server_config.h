// The validated, immutable server configuration: what config/ produces from flags,
// ETCD_* environment variables and the YAML config file, and what tools/etcd/main.cc
// hands to the server. Defaults are etcd 3.4's (reference/server.md §2).
//
// This struct is the contract between config/ (which fills and validates it) and the
// composition root; fields are added as features land, never renamed.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace etcd::config {

// A parsed URL such as http://127.0.0.1:2379 (scheme http, https, unix or unixs).
struct Url {
  std::string scheme;  // "http", "https", "unix", "unixs"
  std::string host;    // host name or IP literal, without brackets
  int port = 0;
  std::string path;
  std::string ToString() const;  // canonical text form, e.g. "http://127.0.0.1:2379"
  bool operator==(const Url& other) const = default;
};

struct TlsInfo {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  std::string crl_file;
  bool client_cert_auth = false;
  bool auto_tls = false;
  std::string allowed_cn;        // peer only
  std::string allowed_hostname;  // client and peer
  bool skip_client_san_verification = false;
  bool empty() const { return cert_file.empty() && key_file.empty() && !auto_tls; }
  bool operator==(const TlsInfo& other) const = default;
};

enum class ClusterState { kNew, kExisting };
enum class CompactionMode { kPeriodic, kRevision };
enum class DiscoveryFallback { kExit, kProxy };
enum class ProxyMode { kOff, kReadonly, kOn };

struct ServerConfig {
  // Member
  std::string name = "default";
  std::string data_dir;  // default "<name>.etcd", resolved by config/
  std::string wal_dir;   // empty: <data_dir>/member/wal
  uint64_t snapshot_count = 100000;
  std::chrono::milliseconds heartbeat_interval{100};
  std::chrono::milliseconds election_timeout{1000};
  bool initial_election_tick_advance = true;
  std::vector<Url> listen_peer_urls;    // default http://localhost:2380
  std::vector<Url> listen_client_urls;  // default http://localhost:2379
  std::vector<Url> listen_metrics_urls;
  uint32_t max_snapshots = 5;
  uint32_t max_wals = 5;
  int64_t quota_backend_bytes = 0;  // 0: 2 GiB
  std::chrono::milliseconds backend_batch_interval{0};
  int backend_batch_limit = 0;
  uint32_t max_txn_ops = 128;
  uint32_t max_request_bytes = 1572864;
  uint32_t max_concurrent_streams = 4294967295u;
  std::chrono::milliseconds grpc_keepalive_min_time{5000};
  std::chrono::milliseconds grpc_keepalive_interval{2 * 3600 * 1000};
  std::chrono::milliseconds grpc_keepalive_timeout{20000};

  // Clustering / bootstrap
  std::vector<Url> initial_advertise_peer_urls;  // default http://localhost:2380
  // name -> peer URLs, in the order given (a name may have several URLs).
  std::vector<std::pair<std::string, std::vector<Url>>> initial_cluster;
  bool initial_cluster_given = false;  // set explicitly (flag, env or file)
  ClusterState initial_cluster_state = ClusterState::kNew;
  std::string initial_cluster_token = "etcd-cluster";
  std::vector<Url> advertise_client_urls;  // default http://localhost:2379
  std::string discovery;
  DiscoveryFallback discovery_fallback = DiscoveryFallback::kProxy;
  std::string discovery_proxy;
  std::string discovery_srv;
  std::string discovery_srv_name;
  bool strict_reconfig_check = true;
  bool pre_vote = false;
  std::string auto_compaction_retention = "0";
  CompactionMode auto_compaction_mode = CompactionMode::kPeriodic;
  // auto_compaction_retention interpreted by config/ according to the mode:
  // periodic -> auto_compaction_period ("1" = 1h, "30m" = 30 minutes; 0 disables);
  // revision -> auto_compaction_revisions (0 disables).
  std::chrono::milliseconds auto_compaction_period{0};
  int64_t auto_compaction_revisions = 0;
  bool enable_v2 = false;
  bool enable_grpc_gateway = true;

  // Security
  TlsInfo client_tls;
  TlsInfo peer_tls;
  std::vector<std::string> cipher_suites;
  std::vector<std::string> cors{"*"};
  std::vector<std::string> host_whitelist{"*"};

  // Auth
  std::string auth_token = "simple";
  int bcrypt_cost = 10;
  uint32_t auth_token_ttl = 300;

  // Logging
  std::string logger = "capnslog";
  std::vector<std::string> log_outputs{"default"};
  std::string log_level = "info";
  std::string log_package_levels;
  bool debug = false;  // deprecated --debug; config/ also sets log_level = "debug"

  // Profiling / metrics
  bool enable_pprof = false;
  std::string metrics = "basic";

  // Experimental / unsafe
  bool experimental_initial_corrupt_check = false;
  std::chrono::milliseconds experimental_corrupt_check_time{0};
  bool experimental_enable_lease_checkpoint = false;
  bool experimental_enable_lease_checkpoint_persist = false;
  int experimental_compaction_batch_limit = 0;
  // 0 means etcd's default (10 minutes); otherwise at least 100 ms.
  std::chrono::milliseconds experimental_watch_progress_notify_interval{0};
  std::chrono::milliseconds experimental_warning_apply_duration{100};
  bool force_new_cluster = false;
  bool unsafe_no_fsync = false;
  std::string experimental_enable_v2v3;                            // prefix; empty: disabled
  std::string experimental_backend_bbolt_freelist_type = "array";  // "array" or "map"

  // v2 proxy (deprecated in etcd; accepted and stored, kubespray writes ETCD_PROXY=off).
  ProxyMode proxy = ProxyMode::kOff;
  std::chrono::milliseconds proxy_failure_wait{5000};
  std::chrono::milliseconds proxy_refresh_interval{30000};
  std::chrono::milliseconds proxy_dial_timeout{1000};
  std::chrono::milliseconds proxy_write_timeout{5000};
  std::chrono::milliseconds proxy_read_timeout{0};

  // Where the configuration was loaded from when --config-file / ETCD_CONFIG_FILE was
  // used (empty otherwise).
  std::string config_file;

  bool operator==(const ServerConfig& other) const = default;

  // Derived helpers.
  std::string MemberDir() const { return data_dir + "/member"; }
  std::string WalDir() const { return wal_dir.empty() ? MemberDir() + "/wal" : wal_dir; }
  std::string SnapDir() const { return MemberDir() + "/snap"; }
  std::string DbDir() const { return MemberDir() + "/db"; }
  int ElectionTicks() const {
    return static_cast<int>(election_timeout.count() / heartbeat_interval.count());
  }
};

}  // namespace etcd::config
