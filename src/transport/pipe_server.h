// The peer port's own listener for http:// listen URLs. Every accepted connection is
// sniffed: a raft pipe caller (first byte of kPipeMagic) is served here, on a thread
// of its own, with the `Stream` protocol (PeerService::AdmitStream / DeliverBatch);
// anything else (HTTP/2: gRPC's Handshake, Stream, Snapshot, Members, LeaseRenew) is
// handed to the gRPC server (grpc::AddInsecureChannelFromFd). https:// listen URLs are
// served by gRPC alone (TLS), and their callers use the gRPC Stream.
// docs/design/transport.md "Raft pipe".
//
// Pipe connection, callee side: read kPipeMagic, a hello frame (admitted as Stream's
// first frame; a refusal closes the connection, the caller learns why from its next
// Handshake), answer a Pong{seq 0} frame (the "accepted" signal), then read batch and
// ping frames; every ping is answered with a pong. A protocol error or a refused batch
// closes the connection.
//
// Thread safety: AddListener/Stop from the owner (the Transport); one accept thread per
// listening socket and one thread per connection being sniffed or served. Stop shuts
// every socket down and joins every thread: no handler call after it returns.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <list>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "transport/peer_service.h"

namespace etcd::transport {

class PipeServer {
 public:
  // `service` and `grpc_server` must outlive Stop().
  PipeServer(PeerService* service, grpc::Server* grpc_server, size_t max_frame_bytes);
  ~PipeServer();  // Stop()
  PipeServer(const PipeServer&) = delete;
  PipeServer& operator=(const PipeServer&) = delete;

  // Takes ownership of a listening socket and starts accepting on it.
  void AddListener(int fd);
  // Idempotent.
  void Stop();

 private:
  struct Conn {
    int fd = -1;  // -1 once handed to gRPC or closed
    bool done = false;
    std::thread thread;
  };

  void AcceptLoop(int listen_fd);
  void Serve(Conn* conn);
  // The pipe protocol on `fd` until it ends.
  void ServePipe(int fd);
  // Joins the threads of finished connections.
  void Reap();

  PeerService* const service_;
  grpc::Server* const grpc_server_;
  const size_t max_frame_bytes_;

  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<int> listeners_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> acceptors_;  // touched by AddListener/Stop only
  std::list<Conn> conns_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::transport
