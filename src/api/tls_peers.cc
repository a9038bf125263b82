#include "api/tls_peers.h"

#include <charconv>
#include <unordered_map>

#include "absl/synchronization/mutex.h"

namespace etcd::api {
namespace {

struct Entry {
  uint64_t registration;
  TlsPeer peer;
};

struct Registry {
  absl::Mutex mu;
  uint64_t next ABSL_GUARDED_BY(mu) = 1;
  std::unordered_map<int, Entry> by_fd ABSL_GUARDED_BY(mu);
};

Registry& Get() {
  static Registry* const r = new Registry();  // never destroyed: used until exit
  return *r;
}

}  // namespace

uint64_t RegisterTlsPeer(int fd, TlsPeer peer) {
  Registry& r = Get();
  absl::MutexLock l(&r.mu);
  uint64_t reg = r.next++;
  r.by_fd[fd] = Entry{reg, std::move(peer)};
  return reg;
}

void UnregisterTlsPeer(int fd, uint64_t registration) {
  Registry& r = Get();
  absl::MutexLock l(&r.mu);
  auto it = r.by_fd.find(fd);
  if (it != r.by_fd.end() && it->second.registration == registration) r.by_fd.erase(it);
}

std::optional<TlsPeer> LookupTlsPeer(int fd) {
  Registry& r = Get();
  absl::MutexLock l(&r.mu);
  auto it = r.by_fd.find(fd);
  if (it == r.by_fd.end()) return std::nullopt;
  return it->second.peer;
}

std::optional<TlsPeer> LookupTlsPeerByGrpcPeer(std::string_view grpc_peer) {
  constexpr std::string_view kPrefix = "fd:";
  if (grpc_peer.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  int fd = -1;
  const char* begin = grpc_peer.data() + kPrefix.size();
  const char* end = grpc_peer.data() + grpc_peer.size();
  auto [p, ec] = std::from_chars(begin, end, fd);
  if (ec != std::errc() || p != end) return std::nullopt;
  return LookupTlsPeer(fd);
}

}  // namespace etcd::api
