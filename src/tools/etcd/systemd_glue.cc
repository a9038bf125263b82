#include "tools/etcd/systemd_glue.h"

namespace etcd::tools {

absl::StatusOr<systemd::Logging> MakeDaemonLogging(
    const config::ServerConfig& cfg, const std::map<std::string, std::string>& env) {
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

std::function<bool()> HealthProbe(const server::EtcdServer* member) {
  return [member] { return !member->Stopped(); };
}

}  // namespace etcd::tools
