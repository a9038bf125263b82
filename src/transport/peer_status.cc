#include "transport/peer_status.h"

#include <utility>

namespace etcd::transport {

PeerStatus::PeerStatus(uint64_t id, std::vector<std::string> urls) {
  stats_.id = id;
  stats_.urls = std::move(urls);
}

bool PeerStatus::Activate(Clock::TimePoint now, const std::string& remote_name,
                          const std::string& remote_version) {
  bool news = !stats_.active;
  stats_.active = true;
  stats_.active_since = now;
  stats_.last_contact = now;
  stats_.remote_name = remote_name;
  stats_.remote_version = remote_version;
  stats_.last_error.clear();
  ++stats_.connects;
  reported_down_ = false;
  last_refusal_.clear();
  return news;
}

std::optional<PeerEvent::Kind> PeerStatus::Deactivate(const absl::Status& why) {
  bool was_active = stats_.active;
  stats_.active = false;
  stats_.active_since.reset();
  ++stats_.connect_failures;
  stats_.last_error = why.ToString();
  bool refused = why.code() == absl::StatusCode::kFailedPrecondition ||
                 why.code() == absl::StatusCode::kPermissionDenied;
  if (refused) {
    if (why.message() == last_refusal_) return std::nullopt;
    last_refusal_ = std::string(why.message());
    reported_down_ = true;
    return PeerEvent::Kind::kRefused;
  }
  if (!was_active && reported_down_) return std::nullopt;
  reported_down_ = true;
  return PeerEvent::Kind::kInactive;
}

void PeerStatus::RecordContact(Clock::TimePoint now) { stats_.last_contact = now; }

void PeerStatus::RecordRtt(Clock::Duration rtt, Clock::TimePoint now) {
  stats_.rtt = rtt;
  stats_.last_contact = now;
}

void PeerStatus::RecordSent(uint64_t messages, uint64_t bytes) {
  stats_.messages_sent += messages;
  stats_.bytes_sent += bytes;
  ++stats_.batches_sent;
}

void PeerStatus::RecordSnapshot(bool failed) {
  if (failed) {
    ++stats_.snapshots_failed;
  } else {
    ++stats_.snapshots_sent;
  }
}

}  // namespace etcd::transport
