#include "raft/config.h"

namespace etcd::raft {

absl::Status Config::Validate() const {
  if (id == 0) return absl::InvalidArgumentError("cannot use none as id");
  if (heartbeat_tick <= 0) {
    return absl::InvalidArgumentError("heartbeat tick must be greater than 0");
  }
  if (election_tick <= heartbeat_tick) {
    return absl::InvalidArgumentError("election tick must be greater than heartbeat tick");
  }
  if (storage == nullptr) return absl::InvalidArgumentError("storage cannot be nil");
  if (max_inflight_msgs <= 0) {
    return absl::InvalidArgumentError("max inflight messages must be greater than 0");
  }
  if (read_only_option == ReadOnlyOption::kLeaseBased && !check_quorum) {
    return absl::InvalidArgumentError(
        "CheckQuorum must be enabled when ReadOnlyOption is ReadOnlyLeaseBased");
  }
  return absl::OkStatus();
}

}  // namespace etcd::raft
