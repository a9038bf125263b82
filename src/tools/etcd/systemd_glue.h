// The daemon's systemd side, kept out of main.cc: the logger built from the logging
// settings, the notifier's probes, and the READY=1 policy input
// (docs/systemd.md "When READY=1 is sent").
//
// Thread safety: the probes read the member's atomics and the cluster store (locked
// inside); they may run on the notifier's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "config/server_config.h"
#include "server/etcd_server.h"
#include "systemd/logging.h"
#include "systemd/notifier.h"

namespace etcd::tools {

// etcd 3.4 prints this line on stderr when --logger=capnslog (its default) is in use.
inline constexpr char kCapnslogDeprecation[] =
    "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead";

// The logger for cfg's --logger, --log-outputs and --log-level (systemd::SetUpLogging).
absl::StatusOr<systemd::Logging> MakeDaemonLogging(const config::ServerConfig& cfg,
                                                   const std::map<std::string, std::string>& env);

// True when the member may send READY=1 before it has quorum: it bootstraps a new
// cluster (no WAL, --initial-cluster-state=new) with other members in it.
bool ReadyBeforeQuorum(const config::ServerConfig& cfg, bool have_wal);

// "waiting for quorum: k/n peers reachable": n = voting members, k = this member plus
// the voters `reachable(id)` says are connected (null: only this member counts).
std::function<systemd::PeerCount()> PeerProbe(const server::EtcdServer* member,
                                              std::function<bool(uint64_t)> reachable);

// Healthy while the member has not stopped (WATCHDOG=1 is withheld otherwise). TODO:
// also require the raft loop to have turned since the previous call, once the server
// exposes a turn counter (requested from the server owners).
std::function<bool()> HealthProbe(const server::EtcdServer* member);

}  // namespace etcd::tools
