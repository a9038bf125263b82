// The connection state and counters of one peer as the transport sees it (active
// since, last contact, round-trip time, messages sent/dropped), and the decision of
// which state changes are worth reporting (PeerEvent), so that a peer that stays
// down or keeps refusing us is reported once, not once per retry.
//
// Thread safety: not thread-safe; the owning Peer guards it with its mutex. Pure:
// times come from the caller (etcd::Clock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "transport/raft_handler.h"

namespace etcd::transport {

struct PeerStats {
  uint64_t id = 0;
  std::vector<std::string> urls;
  bool active = false;
  std::optional<Clock::TimePoint> active_since;  // set while active
  std::optional<Clock::TimePoint> last_contact;  // last handshake answer or pong
  std::optional<Clock::Duration> rtt;            // last measured ping round trip
  std::string remote_name;                       // from the last handshake
  std::string remote_version;
  std::string last_error;  // why the last connection ended or failed; "" if none
  uint64_t messages_sent = 0;
  uint64_t messages_dropped = 0;
  uint64_t batches_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t connects = 0;          // streams established
  uint64_t connect_failures = 0;  // attempts that failed or streams that broke
  uint64_t snapshots_sent = 0;
  uint64_t snapshots_failed = 0;
};

class PeerStatus {
 public:
  PeerStatus(uint64_t id, std::vector<std::string> urls);

  // The stream is up. Returns true if this is news (report PeerEvent::kActive).
  bool Activate(Clock::TimePoint now, const std::string& remote_name,
                const std::string& remote_version);
  // A connection attempt failed or the stream ended with `why` (not OK). Returns
  // the event to report, if any:
  //  * kRefused for a refusal by the remote (FAILED_PRECONDITION, PERMISSION_DENIED)
  //    whose text differs from the last refusal reported;
  //  * kInactive for any other failure when the peer was active, or for the first
  //    failure since it was created or last active (one report per outage, however
  //    many retries and whatever their reasons).
  std::optional<PeerEvent::Kind> Deactivate(const absl::Status& why);

  void RecordContact(Clock::TimePoint now);
  void RecordRtt(Clock::Duration rtt, Clock::TimePoint now);
  void RecordSent(uint64_t messages, uint64_t bytes);
  void RecordDropped(uint64_t messages) { stats_.messages_dropped += messages; }
  void RecordSnapshot(bool failed);
  void SetUrls(std::vector<std::string> urls) { stats_.urls = std::move(urls); }

  bool active() const { return stats_.active; }
  std::optional<Clock::TimePoint> active_since() const { return stats_.active_since; }
  const PeerStats& stats() const { return stats_; }

 private:
  PeerStats stats_;
  bool reported_down_ = false;  // this outage was reported
  std::string last_refusal_;    // text of the last refusal reported; "" after Activate
};

}  // namespace etcd::transport
