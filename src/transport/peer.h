// One remote member as seen by the sending side: its URLs, its bounded outgoing
// queue and the sender thread that keeps one Stream call open to it.
//
// Lifecycle of the sender thread (docs/design/transport.md "Connection lifecycle"):
//   connecting: dial the next URL (round robin over the peer's URLs), Handshake with a
//               deadline (CheckCallee on the answer), open Stream, write the hello;
//               messages queue meanwhile.
//   connected:  take batches from the queue, one stream write per batch; a Ping every
//               ping_interval, Pongs read by a per-connection reader thread give the RTT
//               and the last contact; no contact for contact_timeout ends the stream.
//   backoff:    the stream ended or could not be set up: the queue is dropped (the
//               handler is told the peer is unreachable), Enqueue drops at once, and the
//               thread waits out an exponential backoff before connecting again.
//
// Thread safety: Enqueue/UpdateUrls/Stats/Stop may be called from any thread. All
// state is guarded by mu_; no lock is held across gRPC calls or handler callbacks,
// except ClientContext::TryCancel (non-blocking) when stopping.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "peerpb/peer.grpc.pb.h"
#include "transport/backoff.h"
#include "transport/identity.h"
#include "transport/options.h"
#include "transport/peer_queue.h"
#include "transport/peer_status.h"
#include "transport/peer_url.h"
#include "transport/raft_handler.h"

namespace etcd::transport {

// What every Peer of one Transport shares. Owned by the Transport; outlives its peers.
struct PeerEnv {
  const TransportOptions* options = nullptr;
  LocalIdentity local;
  RaftHandler* handler = nullptr;
  const Clock* clock = nullptr;
};

class Peer {
 public:
  // `urls` must be non-empty and valid (checked by the Transport). Does not start.
  Peer(uint64_t id, std::vector<std::string> urls, const PeerEnv* env);
  ~Peer();  // Stop()
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  void Start();
  // Cancels any call in progress, joins the threads, drops the queue (without
  // reporting). Idempotent.
  void Stop();

  uint64_t id() const { return id_; }

  // Queues `msg` for the stream. False if dropped: the queue is full, the peer is in
  // backoff (known down), or stopped. The caller reports the peer unreachable.
  bool Enqueue(raftpb::Message msg);
  // Enqueue for each of `msgs` (all addressed to this peer), in order, under one lock
  // acquisition. Returns how many were dropped.
  size_t EnqueueAll(raftpb::Message* msgs, size_t n);
  // Replaces the URLs; the current connection is kept if its URL is still listed.
  void UpdateUrls(std::vector<std::string> urls);

  std::vector<std::string> urls() const;
  // The URL of the current (or last good) connection, else the first URL.
  std::string PreferredUrl() const;
  bool active() const;
  std::optional<Clock::TimePoint> active_since() const;
  PeerStats Stats() const;
  void RecordSnapshot(bool failed);
  // A channel to PreferredUrl() for unary calls and snapshots, cached until the
  // preferred URL changes.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> RpcChannel();

 private:
  enum class State { kConnecting, kConnected, kBackoff, kStopped };

  void Run();
  // One connection: dial, handshake, stream until it ends. Returns why it ended
  // (never OK). Sets *connected if the stream was established.
  absl::Status RunConnection(const std::string& url, bool* connected);
  // The checks of a running connection, gRPC stream or pipe: the peer's URLs no longer
  // include the one in use, or no contact for contact_timeout, end it.
  absl::Status CheckConnectionLocked(Clock::TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A pong: the answer to the ping in flight gives an RTT, any other one a contact.
  void RecordPongLocked(uint64_t seq, Clock::TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The reader of a connection has ended (EOF or error): wakes the writer.
  void MarkReaderDone();
  // The writer loop of an established stream.
  absl::Status Pump(grpc::ClientReaderWriter<peerpb::PeerEnvelope, peerpb::PeerEnvelope>* stream);
  void ReadPongs(grpc::ClientReaderWriter<peerpb::PeerEnvelope, peerpb::PeerEnvelope>* stream);
  // The raft pipe (http:// URLs, pipe_codec.h) instead of the gRPC Stream: messages are
  // encoded into out_ by whoever enqueues them and written at once without blocking
  // (normally on the raft loop's own thread, no hand-off); the sender thread only
  // finishes writes the socket could not take, and sends the pings.
  absl::Status RunPipe(const PeerUrl& target, const std::string& url,
                       const peerpb::HandshakeResponse& hs, bool* connected);
  absl::Status PumpPipe(int fd, const std::string& url);
  void ReadPipe(int fd);
  void AppendToPipeLocked(raftpb::Message* msgs, size_t n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AppendFrameLocked(size_t bytes, size_t msgs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes as much of out_ as the socket takes now (MSG_DONTWAIT).
  void FlushPipeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Registers `ctx` as the call to cancel on Stop; false if already stopping.
  bool SetCall(grpc::ClientContext* ctx);
  void Report(std::optional<PeerEvent::Kind> kind, const absl::Status& status);

  const uint64_t id_;
  const PeerEnv* const env_;

  mutable absl::Mutex mu_;
  absl::CondVar cv_;  // queue non-empty, stopping, reader done, URLs changed
  std::vector<std::string> urls_ ABSL_GUARDED_BY(mu_);
  size_t url_index_ ABSL_GUARDED_BY(mu_) = 0;
  std::string current_url_ ABSL_GUARDED_BY(mu_);
  bool urls_changed_ ABSL_GUARDED_BY(mu_) = false;
  State state_ ABSL_GUARDED_BY(mu_) = State::kConnecting;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  PeerQueue queue_ ABSL_GUARDED_BY(mu_);
  PeerStatus status_ ABSL_GUARDED_BY(mu_);
  grpc::ClientContext* call_ ABSL_GUARDED_BY(mu_) = nullptr;  // to cancel on Stop
  std::string rpc_url_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<grpc::Channel> rpc_channel_ ABSL_GUARDED_BY(mu_);
  bool reader_done_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t ping_seq_ ABSL_GUARDED_BY(mu_) = 0;
  Clock::TimePoint ping_sent_ ABSL_GUARDED_BY(mu_){};

  // Raft pipe state; pipe_fd_ >= 0 while a pipe connection is up (non-blocking socket,
  // written only under mu_).
  struct OutFrame {
    size_t left;  // bytes of this frame not yet written
    size_t size;  // frame size
    size_t msgs;  // raft messages in it (0: a ping)
  };
  int pipe_fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::string out_ ABSL_GUARDED_BY(mu_);  // encoded frames; [out_off_, size) unwritten
  size_t out_off_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<OutFrame> out_frames_ ABSL_GUARDED_BY(mu_);
  size_t out_msgs_ ABSL_GUARDED_BY(mu_) = 0;  // messages in out_frames_
  int pipe_errno_ ABSL_GUARDED_BY(mu_) = 0;   // a failed write
  bool pipe_acked_ ABSL_GUARDED_BY(mu_) = false;
  // Pipe connections closed by the callee before its ack, in a row: after a few the
  // gRPC Stream is used (a callee without the pipe hands it to gRPC, which closes it).
  int pipe_refusals_ ABSL_GUARDED_BY(mu_) = 0;

  std::thread thread_;  // touched only by Start/Stop (serialized by the Transport)
};

}  // namespace etcd::transport
