#include "transport/peer_status.h"

#include <gtest/gtest.h>

#include <chrono>

namespace etcd::transport {
namespace {

using std::chrono::milliseconds;

TEST(PeerStatusTest, ActivationAndDeactivationAreReportedOncePerChange) {
  FakeClock clock;
  PeerStatus s(7, {"http://127.0.0.1:2380"});
  EXPECT_FALSE(s.active());
  EXPECT_FALSE(s.active_since().has_value());

  // The first failure of a never-connected peer is news; further failures of the same
  // outage are not, whatever their reason.
  absl::Status refused = absl::UnavailableError("connection refused");
  EXPECT_EQ(s.Deactivate(refused), PeerEvent::Kind::kInactive);
  EXPECT_EQ(s.Deactivate(refused), std::nullopt);
  EXPECT_EQ(s.Deactivate(absl::DeadlineExceededError("timeout")), std::nullopt);
  EXPECT_EQ(s.Deactivate(refused), std::nullopt);

  Clock::TimePoint t0 = clock.Now();
  EXPECT_TRUE(s.Activate(t0, "m7", "3.5.0"));
  EXPECT_TRUE(s.active());
  EXPECT_EQ(s.active_since(), t0);
  EXPECT_EQ(s.stats().last_contact, t0);
  EXPECT_EQ(s.stats().remote_name, "m7");
  EXPECT_EQ(s.stats().remote_version, "3.5.0");

  // Losing an active stream is always news, even with the old text.
  clock.Advance(milliseconds(500));
  EXPECT_EQ(s.Deactivate(refused), PeerEvent::Kind::kInactive);
  EXPECT_FALSE(s.active_since().has_value());
  EXPECT_EQ(s.Deactivate(refused), std::nullopt);
  EXPECT_EQ(s.stats().connects, 1u);
  EXPECT_EQ(s.stats().connect_failures, 6u);
  EXPECT_EQ(s.stats().last_error, refused.ToString());
}

TEST(PeerStatusTest, RefusalsAreReportedAsRefusedOncePerText) {
  FakeClock clock;
  PeerStatus s(7, {});
  absl::Status mismatch = absl::FailedPreconditionError("cluster ID mismatch: ...");
  EXPECT_EQ(s.Deactivate(mismatch), PeerEvent::Kind::kRefused);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(s.Deactivate(mismatch), std::nullopt);
  // Unreachable in between does not make the same refusal news again.
  EXPECT_EQ(s.Deactivate(absl::UnavailableError("connection refused")), std::nullopt);
  EXPECT_EQ(s.Deactivate(mismatch), std::nullopt);
  EXPECT_EQ(s.Deactivate(absl::PermissionDeniedError("removed")), PeerEvent::Kind::kRefused);
  // After a good connection, everything is news again.
  s.Activate(clock.Now(), "", "");
  EXPECT_EQ(s.Deactivate(mismatch), PeerEvent::Kind::kRefused);
}

TEST(PeerStatusTest, RttAndContact) {
  FakeClock clock;
  PeerStatus s(7, {});
  s.Activate(clock.Now(), "", "");
  clock.Advance(milliseconds(100));
  s.RecordRtt(milliseconds(3), clock.Now());
  EXPECT_EQ(s.stats().rtt, milliseconds(3));
  EXPECT_EQ(s.stats().last_contact, clock.Now());
  clock.Advance(milliseconds(100));
  s.RecordContact(clock.Now());
  EXPECT_EQ(s.stats().last_contact, clock.Now());
}

TEST(PeerStatusTest, Counters) {
  PeerStatus s(7, {"http://a:1"});
  s.RecordSent(10, 1000);
  s.RecordSent(5, 500);
  s.RecordDropped(3);
  s.RecordSnapshot(false);
  s.RecordSnapshot(true);
  s.SetUrls({"http://b:2"});
  const PeerStats& st = s.stats();
  EXPECT_EQ(st.id, 7u);
  EXPECT_EQ(st.messages_sent, 15u);
  EXPECT_EQ(st.bytes_sent, 1500u);
  EXPECT_EQ(st.batches_sent, 2u);
  EXPECT_EQ(st.messages_dropped, 3u);
  EXPECT_EQ(st.snapshots_sent, 1u);
  EXPECT_EQ(st.snapshots_failed, 1u);
  EXPECT_EQ(st.urls, std::vector<std::string>{"http://b:2"});
}

}  // namespace
}  // namespace etcd::transport
