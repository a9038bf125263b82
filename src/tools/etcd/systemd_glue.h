// The daemon's systemd side, kept out of main.cc: the logger built from the logging
// settings, the notifier's probes, and the READY=1 policy input
// (docs/systemd.md "When READY=1 is sent").
//
// Thread safety: the probes read the member's atomics and the cluster store (locked
// inside); they may run on the notifier's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
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

// The WATCHDOG=1 condition (docs/systemd.md "Watchdog"), sampled on every notifier
// tick: the member has not stopped, its raft loop turned within the last election
// timeout (it turns every heartbeat even when idle), and its applier, when it has
// committed entries to apply, applied one within kApplierStallWindow. `clock` must
// outlive the probe.
inline constexpr std::chrono::seconds kApplierStallWindow{30};
std::function<bool()> HealthProbe(const server::EtcdServer* member, const Clock* clock,
                                  const config::ServerConfig& cfg);

// TEST ONLY: when ETCDCPP_TEST_RAFT_STALL_FILE names a file, a raft-loop hook that
// blocks (at most 60 s per turn) while that file exists, so that integration tests can
// show the watchdog withdrawing. Null otherwise (the production case).
std::function<void()> TestRaftStallHook(const std::map<std::string, std::string>& env);

}  // namespace etcd::tools
