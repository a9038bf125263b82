// The lean closed-loop driver of the plaintext put and range benchmarks: gRPC unary
// calls spoken directly over HTTP/2 (h2c, prior knowledge) with libnghttp2 doing the
// framing and HPACK, so that the load generator costs a few microseconds of CPU per
// request instead of gRPC's ~25-30 (docs/benchmark.md).
//
// Semantics are CqClosedLoop's (cq_driver.h): `clients` logical clients each keep one
// unary call in flight until exactly `total` calls have been issued; client i uses
// connection i % conns; a connection holds one TCP connection (or unix socket) per
// endpoint, used round-robin; an error that client::IsRetriable allows (or a stream
// the server refused unprocessed: REFUSED_STREAM, GOAWAY) is retried at once on the
// connection's next endpoint, up to max(2, 2 x endpoints) attempts; a latency covers
// all attempts, from just before the request is filled to the final completion; a
// failure is recorded under error_text(status). With a rate (> 0) the shared
// RatePacer (pacer.h) releases requests and hands them to the engine threads.
//
// Engine: `threads` epoll threads (the caller's own thread is the first), each owning
// the connections c with c % threads == its index and their clients: a completion is
// recorded and the client's next request submitted on the same thread, inside the
// same loop iteration (no per-request hand-off). Each request is serialized once into
// the gRPC framing (flag 0, 4-byte big-endian length, protobuf bytes) and sent on a new
// stream with :method POST, :scheme http, :path, :authority, content-type
// application/grpc and te trailers. Per loop iteration each socket gets at most one
// recv per readiness event (a 256 KiB buffer, read again only if it came back full)
// and one send of all the output nghttp2 produced. Responses are not parsed: only
// :status, grpc-status and grpc-message count (grpc-status non-zero or missing is an
// error, with grpc-message percent-decoded as its text).
//
// Connections are dialed on first use (TCP_NODELAY, a 16 MiB stream and 1 GiB
// connection receive window). A failed dial fails the calls on it as gRPC words it
// ("failed to connect to all addresses; last error: ...", retriable) and the endpoint
// is redialed on the next use after a backoff (100 ms x 1.6 up to 2 s; in between,
// calls fail at once, as gRPC's fail-fast calls do); a connection lost with calls in
// flight fails them with "Socket closed" and is redialed on the next use.
//
// Thread safety: Run() blocks its caller; the fill and done hooks run on the engine
// threads (and fill on the caller's thread for each client's first request): one
// client's hooks never run concurrently, different clients' hooks may.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "google/protobuf/message_lite.h"
#include "tools/benchmark/pacer.h"
#include "tools/benchmark/report.h"

namespace etcd::benchmark {

// What Run() sends.
template <typename Req>
struct H2Call {
  // The method's path ("/etcdserverpb.KV/Put").
  const char* path = nullptr;
  // Whether the request changes the store (only then a retry needs proof that the
  // request was never applied: client::IsRetriable).
  bool mutating = false;
  // Fills `req` for operation `seq` (0-based) of logical client `client`. `req` is the
  // client's own, reused: it still holds what the previous fill left there.
  std::function<void(size_t client, int64_t seq, Req* req)> fill;
  // Optional: called with each operation's final status, before it is counted.
  std::function<void(size_t client, int64_t seq, const absl::Status& status)> done;
};

class H2ClosedLoop {
 public:
  using ErrorText = std::function<std::string(const absl::Status&)>;
  struct Options {
    size_t conns = 1;
    size_t clients = 1;
    int64_t total = 0;
    int64_t rate = 0;    // requests per second; <= 0: unpaced
    size_t threads = 1;  // epoll threads (at least 1, at most conns)
  };

  // `targets`: the endpoints every connection dials, as client::Endpoint::target of
  // plaintext endpoints ("host:port", "[v6]:port" or "unix:path"); must not be empty.
  H2ClosedLoop(std::vector<std::string> targets, Options options, Report* report,
               ErrorText error_text = nullptr);
  ~H2ClosedLoop();
  H2ClosedLoop(const H2ClosedLoop&) = delete;
  H2ClosedLoop& operator=(const H2ClosedLoop&) = delete;

  // Issues all operations and returns when every one has completed. Calls
  // report->Start() first and report->Finish() when the last one completes. Once per
  // object. Errors only for a setup failure (epoll, eventfd); calls that fail are
  // counted in the report.
  template <typename Req>
  absl::Status Run(const H2Call<Req>& call);

  // One logical client (public for the engine's file-local helpers).
  class Slot;
  struct Socket;
  struct Worker;
  struct Endpoint;

 private:
  friend struct H2Access;  // nghttp2's callbacks (h2_driver.cc)
  template <typename Req>
  class UnarySlot;

  absl::Status RunSlots(bool mutating, const char* path);
  void Loop(Worker* w);
  void Next(Slot* slot);
  void Issue(Slot* slot, int64_t seq);
  void StartAttempt(Slot* slot);
  void OnAttemptDone(Slot* slot);
  void Connect(Worker* w, Socket* s);
  void OnReadable(Worker* w, Socket* s);
  void Flush(Worker* w, Socket* s);
  void FailSocket(Worker* w, Socket* s, absl::Status status);
  void CloseSocket(Socket* s);
  void StreamClosed(Socket* s, Slot* slot);
  void MarkDirty(Worker* w, Socket* s);
  void ProcessDone(Worker* w);
  void DrainInbox(Worker* w);
  Socket* SocketFor(const Slot& slot) const;
  void Finish();

  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  const Options options_;
  Report* const report_;
  const ErrorText error_text_;
  int max_attempts_ = 2;
  bool mutating_ = false;
  const char* path_ = nullptr;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Connection c's socket to endpoint e is sockets_[c * endpoints_.size() + e]; its
  // worker is c % workers_.size().
  std::vector<std::unique_ptr<Socket>> sockets_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<uint64_t> next_endpoint_;  // per connection: round-robin (its worker's)
  std::atomic<int64_t> next_seq_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<bool> finished_{false};
  bool ran_ = false;
  RatePacer<Slot*> pacer_{options_.rate};  // with a rate: clients waiting for a token
};

// One logical client: its request, its serialized form and the attempt in flight.
class H2ClosedLoop::Slot {
 public:
  virtual ~Slot() = default;
  // Fills the request for operation `seq` and serializes it into `body`.
  virtual void Fill() = 0;
  // The call's done hook, if any.
  virtual void Done(const absl::Status& status) = 0;

  size_t client = 0;
  size_t conn = 0;
  int64_t seq = 0;
  int attempt = 0;
  size_t endpoint = 0;
  std::chrono::steady_clock::time_point start;
  std::string body;  // the gRPC-framed request
  // The attempt in flight.
  Socket* socket = nullptr;
  size_t socket_pos = 0;  // index in socket->inflight
  size_t body_sent = 0;
  int http_status = 0;
  int grpc_status = -1;  // -1: none received
  std::string grpc_message;
  uint32_t reset_code = 0;  // RST_STREAM / GOAWAY error code
  absl::Status status;      // the attempt's outcome
  bool refused = false;     // the server refused the stream unprocessed

 protected:
  // Serializes `req` behind the 5-byte gRPC message header.
  void Frame(const google::protobuf::MessageLite& req);
};

// The status of a closed stream's call: grpc-status (0 = OK, its grpc-message as the
// text), else the RST_STREAM code or the HTTP status as gRPC maps them.
absl::Status H2StreamStatus(const H2ClosedLoop::Slot& slot);
// grpc-message's percent-decoding (%XX; a malformed escape stays as is).
std::string DecodeGrpcMessage(std::string_view in);

template <typename Req>
class H2ClosedLoop::UnarySlot final : public Slot {
 public:
  explicit UnarySlot(const H2Call<Req>* call) : call_(call) {}
  void Fill() override {
    call_->fill(client, seq, &req_);
    Frame(req_);
  }
  void Done(const absl::Status& s) override {
    if (call_->done) call_->done(client, seq, s);
  }

 private:
  const H2Call<Req>* const call_;
  Req req_;
};

template <typename Req>
absl::Status H2ClosedLoop::Run(const H2Call<Req>& call) {
  const int64_t n = std::min<int64_t>(static_cast<int64_t>(std::max<size_t>(options_.clients, 1)),
                                      options_.total);
  for (int64_t c = 0; c < n; ++c) slots_.push_back(std::make_unique<UnarySlot<Req>>(&call));
  return RunSlots(call.mutating, call.path);
}

}  // namespace etcd::benchmark
