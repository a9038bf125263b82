#include "transport/pipe_server.h"

#include <grpcpp/server_posix.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "transport/pipe_codec.h"
#include "transport/pipe_socket.h"

namespace etcd::transport {
namespace {

// A caller that says nothing for this long after connecting is dropped.
constexpr int kSniffTimeoutMs = 10000;
constexpr size_t kReadChunk = 64 << 10;

// Reads exactly `n` bytes from a blocking socket. False on EOF or error.
bool ReadFull(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = recv(fd, p, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// Reads into `reader` until it yields a frame. False on EOF, error or a bad frame.
bool ReadFrame(int fd, FrameReader* reader, peerpb::PeerEnvelope* env) {
  for (;;) {
    absl::StatusOr<bool> got = reader->Next(env);
    if (!got.ok()) return false;
    if (*got) return true;
    char* p = reader->Reserve(kReadChunk);
    ssize_t r = recv(fd, p, kReadChunk, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    reader->Commit(static_cast<size_t>(r));
  }
}

}  // namespace

PipeServer::PipeServer(PeerService* service, grpc::Server* grpc_server, size_t max_frame_bytes)
    : service_(service), grpc_server_(grpc_server), max_frame_bytes_(max_frame_bytes) {}

PipeServer::~PipeServer() { Stop(); }

void PipeServer::AddListener(int fd) {
  {
    absl::MutexLock l(&mu_);
    listeners_.push_back(fd);
  }
  acceptors_.emplace_back([this, fd] { AcceptLoop(fd); });
}

void PipeServer::Stop() {
  {
    absl::MutexLock l(&mu_);
    if (stopped_) return;
    stopped_ = true;
    // Wakes accept() and every blocked recv/poll; the owners close the descriptors.
    for (int fd : listeners_) shutdown(fd, SHUT_RDWR);
    for (Conn& c : conns_) {
      if (c.fd >= 0) shutdown(c.fd, SHUT_RDWR);
    }
  }
  for (std::thread& t : acceptors_) t.join();
  acceptors_.clear();
  std::list<Conn> conns;
  {
    absl::MutexLock l(&mu_);
    conns.swap(conns_);
    for (int fd : listeners_) close(fd);
    listeners_.clear();
  }
  for (Conn& c : conns) {
    if (c.thread.joinable()) c.thread.join();
  }
}

void PipeServer::Reap() {
  std::list<Conn> finished;
  {
    absl::MutexLock l(&mu_);
    for (auto it = conns_.begin(); it != conns_.end();) {
      auto next = std::next(it);
      if (it->done) finished.splice(finished.end(), conns_, it);
      it = next;
    }
  }
  for (Conn& c : finished) {
    if (c.thread.joinable()) c.thread.join();
  }
}

void PipeServer::AcceptLoop(int listen_fd) {
  for (;;) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (err == EINTR || err == ECONNABORTED) continue;
      absl::MutexLock l(&mu_);
      if (stopped_) return;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        // Out of descriptors: wait a little instead of spinning.
        mu_.AwaitWithTimeout(absl::Condition(&stopped_), absl::Milliseconds(100));
        if (stopped_) return;
        continue;
      }
      return;
    }
    Reap();
    absl::MutexLock l(&mu_);
    if (stopped_) {
      close(fd);
      return;
    }
    conns_.emplace_back();
    Conn* c = &conns_.back();
    c->fd = fd;
    c->thread = std::thread([this, c] {
      pthread_setname_np(pthread_self(), "pipe-in");
      Serve(c);
    });
  }
}

void PipeServer::Serve(Conn* conn) {
  int fd;
  {
    absl::MutexLock l(&mu_);
    fd = conn->fd;
  }
  char first = 0;
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = poll(&p, 1, kSniffTimeoutMs);
  } while (n < 0 && errno == EINTR);
  ssize_t got = n > 0 ? recv(fd, &first, 1, MSG_PEEK) : -1;
  bool stopped;
  {
    absl::MutexLock l(&mu_);
    stopped = stopped_;
    if (!stopped && got == 1 && first != kPipeMagic[0]) {
      // HTTP/2 (or garbage gRPC will refuse): gRPC owns the descriptor from now on.
      conn->fd = -1;
      SetNonBlocking(fd, true);  // gRPC's endpoints expect non-blocking sockets
      grpc::AddInsecureChannelFromFd(grpc_server_, fd);
      conn->done = true;
      return;
    }
  }
  if (!stopped && got == 1) {
    SetNoDelay(fd);
    ServePipe(fd);
  }
  absl::MutexLock l(&mu_);
  conn->fd = -1;
  close(fd);
  conn->done = true;
}

void PipeServer::ServePipe(int fd) {
  char magic[kPipeMagic.size()];
  if (!ReadFull(fd, magic, sizeof magic) || std::string_view(magic, sizeof magic) != kPipeMagic) {
    return;
  }
  FrameReader reader(max_frame_bytes_);
  peerpb::PeerEnvelope env;
  if (!ReadFrame(fd, &reader, &env) || !env.has_hello()) return;
  const peerpb::HandshakeRequest hello = env.hello();
  absl::StatusOr<LocalIdentity> local = service_->AdmitStream(hello);
  if (!local.ok()) return;
  std::string out;
  {
    peerpb::PeerEnvelope ack;
    ack.mutable_pong()->set_seq(0);
    AppendEnvelopeFrame(ack, &out);
    if (!WriteAll(fd, out.data(), out.size())) return;
  }
  service_->StreamOpened();
  for (;;) {
    absl::StatusOr<bool> got = reader.Next(&env);
    if (!got.ok()) break;
    if (!*got) {
      char* p = reader.Reserve(kReadChunk);
      ssize_t r = recv(fd, p, kReadChunk, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      reader.Commit(static_cast<size_t>(r));
      continue;
    }
    if (env.has_batch()) {
      if (!service_->DeliverBatch(*local, hello, env.mutable_batch()).ok()) break;
    } else if (env.has_ping()) {
      peerpb::PeerEnvelope pong;
      pong.mutable_pong()->set_seq(env.ping().seq());
      out.clear();
      AppendEnvelopeFrame(pong, &out);
      if (!WriteAll(fd, out.data(), out.size())) break;
    } else {
      break;  // only batches and pings after the hello
    }
  }
  service_->StreamClosed();
}

}  // namespace etcd::transport
