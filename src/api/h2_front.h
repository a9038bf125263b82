// The h2 front door: serves the client port's HTTP/2 connections with libnghttp2 and
// answers the hot unary KV calls (Range, Put, DeleteRange, Txn) itself, without gRPC
// C++ (which costs ~48 us of CPU per call in the leader: its poller threads, its
// completion queues and the thread hand-offs between them). Every other stream is
// relayed unchanged to the gRPC C++ server (h2_relay.h). docs/design/h2-front.md.
//
// Per connection (spread round robin over `threads` epoll workers): one nghttp2 server
// session; non-blocking I/O; all output of a loop turn is sent with one send() per
// socket; a connection whose output is above a bound is not read until it drains.
//
// A native call: the request stream (:path /etcdserverpb.KV/<Range|Put|DeleteRange|Txn>,
// content-type application/grpc[+proto], no grpc-encoding other than identity) is
// gathered until END_STREAM, its gRPC message parsed, its RequestContext built as the
// gRPC services do (ContextFromHeaders; the TLS CN registered for the fd, tls_peers.h),
// the size checked (CheckRequestSize), and the ServerApi method called. Its Done
// callback (any thread, usually the applier) serializes the answer and posts it to the
// worker (a queue plus an eventfd, one wake-up for everything queued meanwhile); the
// worker sends HEADERS, DATA and trailers, or a trailers-only error with the code and
// message of the Status. A grpc-timeout that expires first answers DEADLINE_EXCEEDED
// "Deadline Exceeded"; an answer for a stream that is gone (reset, timed out, its
// connection closed) is dropped: it is addressed by (connection id, stream id), never
// by pointer.
//
// Keepalive (gRPC sees only the relay): a PING every keepalive_interval (also when idle)
// and close when its ACK is later than keepalive_timeout; client PINGs more often than
// keepalive_min_time without data sent in between are strikes, the third strike gets
// GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (as gRPC's server policy).
//
// Thread safety: Add, counters and BeginShutdown from any thread; Stop from the owner,
// once. Done callbacks may run on any thread at any time, also after Stop (dropped).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/status.h"
#include "server/server_api.h"

namespace etcd::api {

struct H2FrontOptions {
  int threads = 1;
  // Go's receive limit (--max-request-bytes + 512 KiB): larger request messages get
  // errors::MessageTooLarge. 0: none.
  size_t max_request_bytes = 0;
  // SETTINGS_MAX_CONCURRENT_STREAMS (--max-concurrent-streams).
  uint32_t max_concurrent_streams = 4294967295u;
  std::chrono::milliseconds keepalive_min_time{5000};
  std::chrono::milliseconds keepalive_interval{2 * 3600 * 1000};
  std::chrono::milliseconds keepalive_timeout{20000};
  // Serves the other end of a relay socketpair with the gRPC server (takes ownership of
  // the fd): grpc::AddInsecureChannelFromFd. Called on a worker thread.
  std::function<void(int fd)> serve_grpc;
  // Output bytes per socket above which the connection is not read.
  size_t output_bound = 512 * 1024;
};

class H2Front {
 public:
  // `api` must outlive the front (Done callbacks after Stop touch only shared state).
  static absl::StatusOr<std::unique_ptr<H2Front>> Start(server::ServerApi* api,
                                                        const H2FrontOptions& options);
  ~H2Front();
  H2Front(const H2Front&) = delete;
  H2Front& operator=(const H2Front&) = delete;

  // Takes ownership of an accepted, non-blocking connection whose first bytes (not
  // consumed) are the HTTP/2 client preface.
  void Add(int fd);

  // Sends GOAWAY on every connection (new streams are refused; running ones go on).
  void BeginShutdown();
  // Waits until no native call is waiting for the server or `deadline` passed, resets
  // the calls still waiting, closes every connection (and relay) and joins the
  // workers. Idempotent.
  void Stop(std::chrono::steady_clock::time_point deadline);

  // Calls started natively / streams relayed to gRPC, since Start (tests, metrics).
  uint64_t native_calls() const { return stats_->native_calls.load(); }
  uint64_t relayed_streams() const { return stats_->relayed_streams.load(); }

  struct Stats {
    std::atomic<uint64_t> native_calls{0};
    std::atomic<uint64_t> relayed_streams{0};
    std::atomic<int64_t> native_waiting{0};  // started, not yet answered or dropped
  };
  class Worker;

 private:
  H2Front() = default;
  std::shared_ptr<Stats> stats_ = std::make_shared<Stats>();
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> next_{0};
  bool stopped_ = false;
};

}  // namespace etcd::api
