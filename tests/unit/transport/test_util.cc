#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"

namespace etcd::transport::testing {

void RecordingHandler::Process(raftpb::Message msg) {
  absl::MutexLock l(&mu_);
  processed_.push_back(std::move(msg));
}

void RecordingHandler::ReportUnreachable(uint64_t id) {
  absl::MutexLock l(&mu_);
  ++unreachable_[id];
}

void RecordingHandler::ReportSnapshot(uint64_t id, bool failed) {
  absl::MutexLock l(&mu_);
  snapshots_.emplace_back(id, failed);
}

bool RecordingHandler::IsRemoved(uint64_t id) {
  absl::MutexLock l(&mu_);
  return removed_.count(id) != 0;
}

std::vector<serverpb::Member> RecordingHandler::Members() {
  absl::MutexLock l(&mu_);
  return members_;
}

absl::StatusOr<int64_t> RecordingHandler::LeaseRenew(int64_t id, absl::Time) {
  absl::MutexLock l(&mu_);
  auto it = leases_.find(id);
  if (it == leases_.end()) return absl::NotFoundError("etcdserver: requested lease not found");
  return it->second;
}

void RecordingHandler::OnPeerEvent(const PeerEvent& event) {
  absl::MutexLock l(&mu_);
  events_.push_back(event);
}

void RecordingHandler::OnRemovedFromCluster(uint64_t) {
  absl::MutexLock l(&mu_);
  ++removed_reports_;
}

void RecordingHandler::SetRemoved(uint64_t id) {
  absl::MutexLock l(&mu_);
  removed_.insert(id);
}

void RecordingHandler::SetMembers(std::vector<serverpb::Member> members) {
  absl::MutexLock l(&mu_);
  members_ = std::move(members);
}

void RecordingHandler::SetLease(int64_t id, int64_t ttl) {
  absl::MutexLock l(&mu_);
  leases_[id] = ttl;
}

std::vector<raftpb::Message> RecordingHandler::processed() const {
  absl::MutexLock l(&mu_);
  return processed_;
}

int RecordingHandler::unreachable(uint64_t id) const {
  absl::MutexLock l(&mu_);
  auto it = unreachable_.find(id);
  return it == unreachable_.end() ? 0 : it->second;
}

std::vector<std::pair<uint64_t, bool>> RecordingHandler::snapshot_reports() const {
  absl::MutexLock l(&mu_);
  return snapshots_;
}

std::vector<PeerEvent> RecordingHandler::events() const {
  absl::MutexLock l(&mu_);
  return events_;
}

std::vector<PeerEvent> RecordingHandler::events(PeerEvent::Kind kind, uint64_t peer) const {
  absl::MutexLock l(&mu_);
  std::vector<PeerEvent> out;
  for (const auto& e : events_) {
    if (e.kind == kind && e.peer_id == peer) out.push_back(e);
  }
  return out;
}

int RecordingHandler::removed_reports() const {
  absl::MutexLock l(&mu_);
  return removed_reports_;
}

bool RecordingHandler::Await(const std::function<bool()>& pred, absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&pred), timeout);
}

bool RecordingHandler::WaitProcessed(size_t n, absl::Duration timeout) {
  return Await([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return processed_.size() >= n; },
               timeout);
}

bool RecordingHandler::WaitUnreachable(uint64_t id, int n, absl::Duration timeout) {
  return Await(
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        auto it = unreachable_.find(id);
        return it != unreachable_.end() && it->second >= n;
      },
      timeout);
}

bool RecordingHandler::WaitSnapshotReports(size_t n, absl::Duration timeout) {
  return Await([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return snapshots_.size() >= n; },
               timeout);
}

bool RecordingHandler::WaitEvents(PeerEvent::Kind kind, uint64_t peer, size_t n,
                                  absl::Duration timeout) {
  return Await(
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        size_t count = 0;
        for (const auto& e : events_) count += (e.kind == kind && e.peer_id == peer);
        return count >= n;
      },
      timeout);
}

bool RecordingHandler::WaitRemovedReports(int n, absl::Duration timeout) {
  return Await([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return removed_reports_ >= n; }, timeout);
}

bool Eventually(const std::function<bool()>& pred, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (absl::Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TransportOptions LoopbackOptions(uint64_t member_id, uint64_t cluster_id,
                                 const std::string& listen) {
  TransportOptions o;
  o.member_id = member_id;
  o.cluster_id = cluster_id;
  o.name = absl::StrCat("m", member_id);
  if (!listen.empty()) o.listen_peer_urls = {listen};
  o.dial_timeout = std::chrono::milliseconds(3000);
  o.backoff_initial = std::chrono::milliseconds(20);
  o.backoff_max = std::chrono::milliseconds(200);
  o.ping_interval = std::chrono::milliseconds(100);
  o.contact_timeout = std::chrono::milliseconds(2000);
  return o;
}

namespace {

int BoundLoopbackSocket(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

int ClosedPort() {
  int port = 0;
  int fd = BoundLoopbackSocket(&port);
  if (fd >= 0) ::close(fd);
  return port;
}

Blackhole::Blackhole() {
  fd_ = BoundLoopbackSocket(&port_);
  if (fd_ >= 0) ::listen(fd_, 64);
}

Blackhole::~Blackhole() {
  if (fd_ >= 0) ::close(fd_);
}

std::string Blackhole::url() const { return absl::StrCat("http://127.0.0.1:", port_); }

raftpb::Message Msg(raftpb::MessageType type, uint64_t from, uint64_t to, uint64_t index) {
  raftpb::Message m;
  m.set_type(type);
  m.set_from(from);
  m.set_to(to);
  m.set_term(1);
  m.set_index(index);
  return m;
}

}  // namespace etcd::transport::testing
