// etcd: the composition root. The only place that creates the real clock, the real
// file system (Env::Default()), sockets and the process-level threads; everything else
// gets them injected.
//
//   parse flags/env/config file (config::Parse) -> logger -> bind the peer port ->
//   create the member (server::EtcdServer) -> start the client port (api::ClientPort
//   with the Watch service) -> start the member -> READY=1 once published ->
//   wait for SIGTERM/SIGINT (or the member stopping itself) -> graceful shutdown.
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "api/client_port.h"
#include "api/election_service.h"
#include "api/v2_keys_handler.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/log.h"
#include "config/bootstrap_check.h"
#include "config/parser.h"
#include "config/url.h"
#include "membership/member.h"
#include "server/etcd_server.h"
#include "server/peer_transport.h"
#include "systemd/notifier.h"
#include "tools/etcd/allocator_tuning.h"
#include "tools/etcd/bootstrap_discovery.h"
#include "tools/etcd/check_config.h"
#include "tools/etcd/listen_addresses.h"
#include "tools/etcd/peer_listener.h"
#include "tools/etcd/proxy_mode.h"
#include "tools/etcd/rejoin_check.h"
#include "tools/etcd/systemd_glue.h"
#include "tools/etcd/tls_setup.h"
#include "wal/wal.h"
#include "watch/watch_service.h"

extern char** environ;

namespace etcd {
namespace {

std::string OsArch() {
  utsname u{};
  std::string arch = "unknown";
  if (uname(&u) == 0) {
    arch = u.machine;
    if (arch == "x86_64")
      arch = "amd64";
    else if (arch == "aarch64")
      arch = "arm64";
  }
  return "linux/" + arch;
}

// `etcd --version`, in etcd's four-line shape (docs/design/server.md "Version").
void PrintVersion() {
  std::printf("etcd Version: %s\n", ETCD_VERSION);
  std::printf("Git SHA: not provided (C++ build)\n");
  std::printf("Go Version: n/a (C++20)\n");
  std::printf("Go OS/Arch: %s\n", OsArch().c_str());
}

std::string Join(const std::vector<config::Url>& urls) { return config::JoinUrls(urls); }

std::string DurationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

int Run(int argc, char** argv) {
#ifdef NDEBUG
  // Release builds: no lock-order graph bookkeeping on every absl::Mutex acquisition
  // (a debugging aid that showed up in the watch and range profiles).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  std::vector<std::string> args(argv + 1, argv + argc);
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto parsed = config::Parse(args, env);
  if (!parsed.ok()) {
    std::fprintf(stderr, "%s\n", std::string(parsed.status().message()).c_str());
    return config::ExitCodeFor(parsed.status());
  }
  if (parsed->help) {
    std::fputs(config::HelpText().c_str(), stdout);
    return 0;
  }
  if (parsed->version) {
    PrintVersion();
    return 0;
  }
  if (parsed->check_config) {
    tools::PrintCheckConfig(*parsed, Env::Default(), stdout, stderr);  // check_config.cc
    return tools::CheckSrvRecords(parsed->config);                     // bootstrap_discovery.cc
  }
  config::ServerConfig cfg = parsed->config;

  // Logging and systemd (docs/systemd.md): journald natively under systemd.
  if (cfg.logger == "capnslog") std::fprintf(stderr, "%s\n", tools::kCapnslogDeprecation);
  auto logging = tools::MakeDaemonLogging(cfg, env);
  if (!logging.ok()) {
    std::fprintf(stderr, "%s\n", std::string(logging.status().message()).c_str());
    return 1;
  }
  std::shared_ptr<log::Logger> logger = logging->logger;
  log::SetDefault(logger);
  RealClock clock;
  auto notify_sender = systemd::NewSdNotifySender();
  systemd::NotifierOptions nopts;
  nopts.watchdog = systemd::WatchdogInterval();
  systemd::Notifier notifier(notify_sender.get(), &clock, nopts);
  notifier.Starting();
  notifier.StartThread();
  for (const auto& w : parsed->warnings) logger->Warn(w);
  if (cfg.force_new_cluster) {
    logger->Warn("--force-new-cluster is not supported by this build yet and is ignored");
  }

  logger->Info("running etcd",
               {{"etcd-version", ETCD_VERSION}, {"git-sha", "not provided"}, {"go-os", OsArch()}});
  Env* fs = Env::Default();
  const bool have_wal = wal::Wal::Exists(fs, cfg.WalDir());
  logger->Info(
      "starting an etcd server",
      {{"name", cfg.name},
       {"data-dir", cfg.data_dir},
       {"member-dir", cfg.MemberDir()},
       {"heartbeat-interval", DurationText(cfg.heartbeat_interval)},
       {"election-timeout", DurationText(cfg.election_timeout)},
       {"snapshot-count", cfg.snapshot_count},
       {"advertise-client-urls", Join(cfg.advertise_client_urls)},
       {"listen-client-urls", Join(cfg.listen_client_urls)},
       {"listen-peer-urls", Join(cfg.listen_peer_urls)},
       {"initial-advertise-peer-urls", Join(cfg.initial_advertise_peer_urls)},
       {"initial-cluster", config::FormatInitialCluster(cfg.initial_cluster)},
       {"initial-cluster-state",
        cfg.initial_cluster_state == config::ClusterState::kNew ? "new" : "existing"},
       {"initial-cluster-token", cfg.initial_cluster_token},
       {"quota-backend-bytes", cfg.quota_backend_bytes},
       {"max-request-bytes", static_cast<uint64_t>(cfg.max_request_bytes)},
       {"max-txn-ops", static_cast<uint64_t>(cfg.max_txn_ops)},
       {"auto-compaction-mode",
        cfg.auto_compaction_mode == config::CompactionMode::kPeriodic ? "periodic" : "revision"},
       {"auto-compaction-retention", cfg.auto_compaction_retention}});
  // --proxy=on|readonly: this process relays clients to the cluster (proxy_mode.cc).
  if (cfg.proxy != config::ProxyMode::kOff) {
    auto peers = tools::ProxyPeerUrls(cfg, *logger);
    if (!peers.ok()) {
      logger->Log(log::Level::kFatal, "proxy failed",
                  {{"error", std::string(peers.status().message())}});
      return 1;
    }
    return tools::RunProxy(cfg, *peers, *logger, notify_sender.get(), &notifier);
  }
  if (have_wal) {
    logger->Info("the server is already initialized as member before, starting as etcd member...",
                 {{"wal-dir", cfg.WalDir()}});
  } else {
    // --discovery-srv / --discovery become the initial cluster (bootstrap_discovery.cc);
    // a full token with --discovery-fallback=proxy makes this process a proxy.
    std::vector<std::string> proxy_peers;
    if (absl::Status d = tools::ResolveDiscovery(
            &cfg, *logger, [&](const std::string& s) { notify_sender->Send("STATUS=" + s); },
            &proxy_peers);
        !d.ok()) {
      logger->Log(log::Level::kFatal, "discovery failed", {{"error", std::string(d.message())}});
      return 1;
    }
    if (!proxy_peers.empty()) {
      return tools::RunProxy(cfg, proxy_peers, *logger, notify_sender.get(), &notifier);
    }
    absl::Status s = config::CheckBootstrapMembership(*parsed);
    if (!s.ok()) {
      logger->Log(log::Level::kFatal, "discovery failed", {{"error", std::string(s.message())}});
      return 1;
    }
  }

  // The data directory, private as etcd makes it.
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  if (ec) {
    logger->Log(log::Level::kFatal, "cannot access data directory",
                {{"path", cfg.data_dir}, {"error", ec.message()}});
    return 1;
  }
  std::filesystem::permissions(cfg.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);

  tools::TuneAllocator();  // allocator_tuning.h: before the server's threads exist

  // Signals are handled by the main thread only: block them before any thread exists.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // https:// peer URLs: gRPC TLS credentials for the peer transport (docs/security.md).
  auto peer_tls = tools::SetUpPeerTls(cfg, logger.get());
  if (!peer_tls.ok()) {
    logger->Log(log::Level::kFatal, std::string(peer_tls.status().message()));
    return 1;
  }
  auto peer = tools::PeerListener::Start(cfg.listen_peer_urls);
  if (!peer.ok()) {
    logger->Log(log::Level::kFatal, std::string(peer.status().message()));
    return 1;
  }
  for (const auto& u : cfg.listen_peer_urls) {
    logger->Info("listening for peers", {{"address", u.ToString()}});
  }

  std::random_device rd;
  // The peer transport (gRPC on the peer URLs) is started once the member knows its IDs.
  server::PeerTransport peer_transport(&clock, logger.get());
  server::ServerDeps deps;
  deps.transport = &peer_transport;
  // Test-only partition hook for the multi-process cluster tests (not an ETCD_* setting).
  if (auto it = env.find("ETCDCPP_TEST_ISOLATION_FILE"); it != env.end()) {
    logger->Warn("TEST ONLY: peer isolation file configured", {{"file", it->second}});
    peer_transport.SetTestIsolationFile(it->second);
  }
  if (peer_tls->has_value()) {
    peer_transport.SetTls((*peer_tls)->server, (*peer_tls)->channel, (*peer_tls)->check_caller);
    deps.fetch_members = tools::PeerTlsFetchMembers(cfg, (*peer_tls)->channel);
  }
  deps.raft_turn_hook = tools::TestRaftStallHook(env);  // TEST ONLY; null in production
  deps.env = fs;
  deps.clock = &clock;
  deps.seed = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
              static_cast<uint64_t>(clock.WallNow().time_since_epoch().count());
  deps.logger = logger.get();
  if (have_wal) notifier.ReplayingWal();
  if (!have_wal) {  // E10a: started before, data dir lost? (rejoin_check.h)
    absl::Status s = tools::CheckNotAlreadyBootstrapped(
        cfg, deps.fetch_members ? deps.fetch_members : tools::QuickFetchMembers(cfg));
    if (!s.ok()) {
      logger->Log(log::Level::kFatal, "failed to start the member",
                  {{"error", std::string(s.message())}});
      return 1;
    }
  }
  auto created = server::EtcdServer::Create(cfg, deps);
  if (!created.ok()) {
    logger->Log(log::Level::kFatal, "failed to start the member",
                {{"error", tools::ExplainCreateFailure(created.status(), cfg)}});
    return 1;
  }
  std::unique_ptr<server::EtcdServer> member = std::move(*created);
  // The listener only reserved the peer port; the transport serves it from now on.
  (*peer)->Stop();
  if (absl::Status s = peer_transport.Start(member.get(), cfg); !s.ok()) {
    logger->Log(log::Level::kFatal, "failed to start the peer transport",
                {{"error", std::string(s.message())}});
    return 1;
  }
  if (logging->journal) {
    logging->journal->SetIdentity(cfg.name, membership::IdToHex(member->MemberId()),
                                  membership::IdToHex(member->ClusterId()));
  }
  notifier.SetPeerProbe(tools::PeerProbe(member.get(), [&peer_transport](uint64_t id) {
    return peer_transport.ActiveSince(id).has_value();
  }));
  notifier.SetHealthProbe(tools::HealthProbe(member.get(), &clock, cfg));

  api::WatchServiceOptions watch_options;
  watch_options.authorize = [m = member.get()](const server::RequestContext& ctx,
                                               const etcdserverpb::WatchCreateRequest& req) {
    return m->AuthorizeWatch(ctx, req);  // read permission at create (docs/security.md)
  };
  api::WatchService watch_service(member.get(), watch_options);
  api::CoordServices coord_services(member.get());  // Lock, Election
  api::ClientPortOptions popts;
  popts.addresses = tools::ToListenAddresses(cfg.listen_client_urls);
  popts.max_request_bytes = cfg.max_request_bytes;
  popts.max_concurrent_streams = cfg.max_concurrent_streams;
  popts.keepalive_min_time = cfg.grpc_keepalive_min_time;
  popts.keepalive_interval = cfg.grpc_keepalive_interval;
  popts.keepalive_timeout = cfg.grpc_keepalive_timeout;
  popts.enable_grpc_gateway = cfg.enable_grpc_gateway;
  popts.enable_pprof = cfg.enable_pprof;
  popts.cors = cfg.cors;
  popts.host_whitelist = cfg.host_whitelist;
  // https:// / unixs:// client URLs: TLS terminated in the front door (docs/security.md).
  auto client_tls = tools::SetUpClientTls(cfg, logger.get());
  if (!client_tls.ok()) {
    logger->Log(log::Level::kFatal, std::string(client_tls.status().message()));
    member->Stop();
    return 1;
  }
  tools::ApplyClientTls(cfg, client_tls->get(), logger.get(), &popts);
  api::V2KeysHandler v2_keys(member.get(), &clock);  // /v2/keys, /v2/members, /v2/machines
  if (cfg.enable_v2) popts.v2_handler = &v2_keys;
  auto port = api::ClientPort::Start(
      member.get(), popts, {&watch_service, coord_services.lock(), coord_services.election()});
  if (!port.ok()) {
    logger->Log(log::Level::kFatal, std::string(port.status().message()));
    member->Stop();
    return 1;
  }
  logger->Info("starting server...", {{"local-member-id", membership::IdToHex(member->MemberId())},
                                      {"local-server-version", ETCD_VERSION},
                                      {"cluster-id", membership::IdToHex(member->ClusterId())},
                                      {"cluster-version", member->cluster().Version().empty()
                                                              ? "to_be_decided"
                                                              : member->cluster().Version()}});
  member->Start();
  notifier.WaitingForQuorum(tools::ReadyBeforeQuorum(cfg, have_wal));

  bool announced = false;
  int exit_code = 0;
  tools::FreeMemoryReleaser releaser;  // allocator_tuning.h: returns free memory when idle
  for (;;) {
    if (!announced && member->IsReady()) {
      announced = true;
      logger->Info("ready to serve client requests");
      tools::LogServingClients(cfg, logger.get());
      notifier.Serving();
    }
    timespec ts{0, 100 * 1000 * 1000};
    siginfo_t info{};
    int sig = sigtimedwait(&sigs, &info, &ts);
    if (sig == SIGTERM || sig == SIGINT) {
      logger->Info("received signal; shutting down",
                   {{"signal", sig == SIGTERM ? "terminated" : "interrupt"}});
      break;
    }
    if (member->SelfStopped()) {
      absl::Status s = member->StopError();
      if (!s.ok()) exit_code = 1;
      break;
    }
  }
  notifier.Stopping();
  (*port)->Shutdown();
  member->Stop();
  peer_transport.Stop();
  logger->Info("stopped etcd server",
               {{"local-member-id", membership::IdToHex(member->MemberId())}});
  return exit_code;
}

}  // namespace
}  // namespace etcd

int main(int argc, char** argv) { return etcd::Run(argc, argv); }
