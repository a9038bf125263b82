#include "tools/etcd/proxy_mode.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/client_listener.h"
#include "discovery/discovery_client.h"
#include "proxy/cluster_endpoints.h"
#include "proxy/proxy_server.h"
#include "proxy/upstream_pool.h"
#include "tools/etcd/listen_addresses.h"

namespace etcd::tools {
namespace {

// Waits up to `d` for SIGTERM/SIGINT (blocked in this thread); true when one came.
bool WaitSignal(const sigset_t& sigs, std::chrono::milliseconds d) {
  timespec ts{static_cast<time_t>(d.count() / 1000), static_cast<long>(d.count() % 1000) * 1000000};
  siginfo_t info{};
  int sig = sigtimedwait(&sigs, &info, &ts);
  return sig == SIGTERM || sig == SIGINT;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ProxyPeerUrls(const config::ServerConfig& cfg,
                                                       const log::Logger& logger) {
  if (!cfg.discovery.empty()) {
    discovery::DiscoveryOptions o;
    o.url = cfg.discovery;
    o.max_retries = 5;
    o.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
    o.status = [&](const std::string& s) { logger.Info(s, {{"discovery", cfg.discovery}}); };
    auto http = discovery::NewCurlHttpClient(cfg.discovery_proxy, 5000);
    return discovery::RegisteredPeerUrls(*http, o);
  }
  std::vector<std::string> out;
  for (const auto& [name, urls] : cfg.initial_cluster) {
    for (const auto& u : urls) out.push_back(u.ToString());
  }
  if (out.empty())
    return absl::InvalidArgumentError("--proxy needs --initial-cluster or --discovery");
  return out;
}

int RunProxy(const config::ServerConfig& cfg, const std::vector<std::string>& peer_urls,
             const log::Logger& logger, systemd::NotifySender* sender,
             systemd::Notifier* notifier) {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  notifier->StopThread();
  const std::string peers = absl::StrJoin(peer_urls, ",");
  const auto timeout = std::max(cfg.proxy_dial_timeout, std::chrono::milliseconds(1000));

  // The cluster's client URLs (etcd's proxy asks <peer>/members the same way).
  std::vector<std::string> client_urls;
  // Where the member list is asked: the given peer URLs plus those of the latest list
  // (members added later keep the proxy informed after the first ones are gone).
  std::vector<std::string> ask = peer_urls;
  auto learn_peers = [&](const std::vector<std::string>& latest) {
    std::vector<std::string> next = latest;
    for (const auto& u : peer_urls) {
      if (std::find(next.begin(), next.end(), u) == next.end()) next.push_back(u);
    }
    ask = std::move(next);
  };
  for (std::chrono::milliseconds wait(500);;) {
    auto m = proxy::FetchClusterMembers(ask, timeout);
    if (m.ok()) {
      client_urls = m->client_urls;
      learn_peers(m->peer_urls);
      logger.Info("proxy: learned the cluster's client URLs",
                  {{"answered-by", m->answered_by},
                   {"members", static_cast<uint64_t>(m->members)},
                   {"client-urls", absl::StrJoin(client_urls, ",")}});
      break;
    }
    std::string s = absl::StrCat("proxy: waiting for the member list from ", peers);
    logger.Warn(s, {{"error", std::string(m.status().message())}});
    sender->Send("STATUS=" + s);
    if (WaitSignal(sigs, wait)) return 0;
    wait = std::min(wait * 2, std::chrono::milliseconds(5000));
  }

  proxy::UpstreamPool pool(client_urls);
  proxy::ProxyServerOptions po;
  po.addresses = ToListenAddresses(cfg.listen_client_urls);
  po.read_only = cfg.proxy == config::ProxyMode::kReadonly;
  po.connect_timeout_ms = static_cast<long>(timeout.count());
  po.cors = cfg.cors;
  po.host_whitelist = cfg.host_whitelist;
  auto server = proxy::ProxyServer::Start(&pool, po);
  if (!server.ok()) {
    logger.Log(log::Level::kFatal, "proxy: cannot listen for clients",
               {{"error", std::string(server.status().message())}});
    return 1;
  }
  for (const auto& u : cfg.listen_client_urls) {
    logger.Info("proxy: listening for client requests", {{"address", u.ToString()}});
  }
  auto status_line = [&] { return "STATUS=proxying to " + absl::StrJoin(pool.Urls(), ","); };
  sender->Send("READY=1\n" + status_line());
  logger.Info("proxy: ready to proxy client requests",
              {{"endpoints", absl::StrJoin(pool.Urls(), ",")}});

  const auto watchdog =
      std::chrono::duration_cast<std::chrono::milliseconds>(systemd::WatchdogInterval());
  const auto refresh = cfg.proxy_refresh_interval.count() > 0 ? cfg.proxy_refresh_interval
                                                              : std::chrono::milliseconds(30000);
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto next_refresh = now() + refresh;
  auto next_watchdog = now();
  for (;;) {
    if (WaitSignal(sigs, std::chrono::milliseconds(200))) {
      logger.Info("received signal; shutting down the proxy");
      break;
    }
    if (watchdog.count() > 0 && now() >= next_watchdog) {
      sender->Send("WATCHDOG=1");
      next_watchdog = now() + watchdog / 2;
    }
    if (now() >= next_refresh) {
      next_refresh = now() + refresh;
      auto m = proxy::FetchClusterMembers(ask, timeout);
      if (!m.ok()) {
        logger.Warn("proxy: cannot refresh the member list",
                    {{"error", std::string(m.status().message())}});
        continue;
      }
      learn_peers(m->peer_urls);
      if (pool.SetEndpoints(m->client_urls)) {
        logger.Info("proxy: the cluster's client URLs changed",
                    {{"client-urls", absl::StrJoin(m->client_urls, ",")}});
        sender->Send(status_line());
      }
    }
  }
  sender->Send("STOPPING=1\nSTATUS=stopping");
  (*server)->Shutdown();
  return 0;
}

}  // namespace etcd::tools
