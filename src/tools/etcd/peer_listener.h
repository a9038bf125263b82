// A placeholder for the peer port (--listen-peer-urls): binds every peer URL like etcd
// does (so a port conflict fails at start-up with etcd's message) and accepts and
// closes connections until the peer transport replaces it.
//
// Thread safety: Start/Stop from the owner thread; one accept thread in between.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "config/server_config.h"

namespace etcd::tools {

class PeerListener {
 public:
  // Errors: "listen tcp 127.0.0.1:2380: bind: address already in use".
  static absl::StatusOr<std::unique_ptr<PeerListener>> Start(const std::vector<config::Url>& urls);
  ~PeerListener();
  void Stop();

 private:
  PeerListener() = default;
  void AcceptLoop();

  std::vector<int> fds_;
  int wake_pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace etcd::tools
