#include "tools/etcd/systemd_glue.h"

#include <sys/stat.h>

#include <memory>
#include <thread>

#include "systemd/progress_probe.h"

namespace etcd::tools {

absl::StatusOr<systemd::Logging> MakeDaemonLogging(const config::ServerConfig& cfg,
                                                   const std::map<std::string, std::string>& env) {
  systemd::LoggingOptions o;
  o.logger = cfg.logger;
  o.outputs = cfg.log_outputs;
  o.level = cfg.log_level;
  o.env = env;
  return systemd::SetUpLogging(o);
}

bool ReadyBeforeQuorum(const config::ServerConfig& cfg, bool have_wal) {
  return !have_wal && cfg.initial_cluster_state == config::ClusterState::kNew &&
         cfg.initial_cluster.size() > 1;
}

std::function<systemd::PeerCount()> PeerProbe(const server::EtcdServer* member,
                                              std::function<bool(uint64_t)> reachable) {
  return [member, reachable = std::move(reachable)] {
    systemd::PeerCount c;
    c.total = 0;
    c.reachable = 0;
    for (uint64_t id : member->cluster().VotingMemberIds()) {
      ++c.total;
      if (id == member->MemberId() || (reachable && reachable(id))) ++c.reachable;
    }
    if (c.total == 0) c = systemd::PeerCount{};
    return c;
  };
}

std::function<bool()> HealthProbe(const server::EtcdServer* member, const Clock* clock,
                                  const config::ServerConfig& cfg) {
  auto probe = std::make_shared<systemd::ProgressProbe>(clock);
  probe->AddLoop("raft loop", cfg.election_timeout, [member] { return member->RaftLoopTurns(); });
  probe->AddLoop(
      "applier", kApplierStallWindow, [member] { return member->AppliedIndex(); },
      [member] { return member->CommittedIndex() > member->AppliedIndex(); });
  return [member, probe] {
    // Before Start() the loops do not run yet: nothing to judge (the window starts then).
    if (member->RaftLoopTurns() == 0) {
      probe->Sample();
      return !member->Stopped();
    }
    return probe->Healthy() && !member->Stopped();
  };
}

std::function<void()> TestRaftStallHook(const std::map<std::string, std::string>& env) {
  auto it = env.find("ETCDCPP_TEST_RAFT_STALL_FILE");
  if (it == env.end() || it->second.empty()) return nullptr;
  return [file = it->second] {
    struct stat st;
    for (int i = 0; i < 3000 && ::stat(file.c_str(), &st) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
}

}  // namespace etcd::tools
