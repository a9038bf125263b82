// The v2 members and stats endpoints served with --enable-v2 (etcd 3.4's v2 API):
//   GET    /v2/members              {"members":[{"id","name","peerURLs","clientURLs"}]}
//   GET    /v2/members/leader       the leader's entry (503 "During election")
//   POST   /v2/members              {"peerURLs":[...]} -> 201 + the new member
//   PUT    /v2/members/<hex id>     {"peerURLs":[...]} -> 204
//   DELETE /v2/members/<hex id>     -> 204
//   GET    /v2/stats/self, /v2/stats/leader (403 "not current leader" on followers),
//          /v2/stats/store
// with etcd's status codes and {"message": ...} errors (415 Bad Content-Type, 400 bad
// JSON / URL, 404 No such member, 409 peerURL exists, 405 with Allow). Member changes go
// through ServerApi::MemberAdd/Remove/Update (Raft conf changes).
//
// Counters etcd keeps in places we do not have are reported as 0: the raft message
// counts and rates of /v2/stats/self, the follower latencies and counts of
// /v2/stats/leader, and expireCount of /v2/stats/store. The store counters count the
// v2 keys requests this member answered (etcd counts the operations its store applied).
//
// Thread safety: all methods may be called from any thread; answers are delivered from
// the server's callbacks and never block.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/http_types.h"
#include "common/clock.h"
#include "server/server_api.h"

namespace etcd::api {

// The /v2/stats/store counters.
class V2StoreStats {
 public:
  // Counts one answered v2 keys request (its method and form decide the operation).
  void Count(const std::string& method, bool has_prev_exist, bool prev_exist, bool has_compare,
             int http_status);
  std::string Json(size_t watchers) const;

 private:
  enum Op { kGets, kSets, kDelete, kUpdate, kCreate, kCas, kCad, kOps };
  std::array<std::atomic<uint64_t>, kOps * 2> counts_{};  // [op*2] success, [op*2+1] fail
};

class V2MembersHandler {
 public:
  V2MembersHandler(server::ServerApi* api, const Clock* clock);

  // /v2/members and /v2/members/...
  void Members(const HttpRequest& request, HttpRespond respond);
  // /v2/stats/...
  void Stats(const HttpRequest& request, const V2StoreStats& store, size_t watchers,
             HttpRespond respond);

 private:
  void Self(HttpRespond respond);
  void Leader(HttpRespond respond);
  std::string ClusterIdHex() const;

  server::ServerApi* const api_;
  const Clock* const clock_;
  const std::chrono::system_clock::time_point start_;
  mutable absl::Mutex mu_;
  uint64_t leader_ ABSL_GUARDED_BY(mu_) = 0;
  std::chrono::system_clock::time_point leader_since_ ABSL_GUARDED_BY(mu_){};
};

// Go's time.Duration.String for a non-negative duration ("1.106643279s", "2m3s", "5ms").
std::string GoDuration(std::chrono::nanoseconds d);
// RFC 3339 with nanoseconds, UTC, as Go's time.Time marshals ("2026-11-21T17:36:14.83890989Z").
std::string GoTime(std::chrono::system_clock::time_point t);

}  // namespace etcd::api
