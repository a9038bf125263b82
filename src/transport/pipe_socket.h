// TCP socket helpers for the raft pipe (pipe_codec.h): listening on a peer URL's
// host:port, dialing one with a deadline. Sockets get TCP_NODELAY (raft messages are
// small and latency bound) and close-on-exec.
//
// Thread safety: free functions on file descriptors the caller owns.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace etcd::transport {

// Listening sockets (blocking, SO_REUSEADDR) for every address `host` resolves to, all
// on one port: `port`, or the first one the kernel picks when `port` is 0 (returned in
// *bound_port). Unavailable when nothing could be bound.
absl::StatusOr<std::vector<int>> ListenTcp(const std::string& host, int port, int* bound_port);

// A connected socket to host:port (the first address that answers), in blocking mode.
// DeadlineExceeded / Unavailable with the reason otherwise.
absl::StatusOr<int> DialTcp(const std::string& host, int port, std::chrono::milliseconds timeout);

void SetNoDelay(int fd);
void SetNonBlocking(int fd, bool on);

// Writes all of `data` to a blocking socket (MSG_NOSIGNAL). False on error.
bool WriteAll(int fd, const char* data, size_t n);

}  // namespace etcd::transport
