// CallWithin: calls fn(done) with a completion callback and waits (bounded, real time)
// for the answer; DeadlineExceeded("no answer") when none comes within `wait`. The
// callback owns its state, so an answer that arrives after the wait is harmless.
//
// Thread safety: the callback may run on any thread.
#pragma once

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace etcd::server::testing {

template <typename Resp, typename Fn>
absl::StatusOr<Resp> CallWithin(absl::Duration wait, Fn&& fn) {
  auto n = std::make_shared<absl::Notification>();
  auto out = std::make_shared<absl::StatusOr<Resp>>(absl::UnknownError("no answer"));
  fn([n, out](absl::StatusOr<Resp> r) {
    *out = std::move(r);
    n->Notify();
  });
  if (!n->WaitForNotificationWithTimeout(wait)) return absl::DeadlineExceededError("no answer");
  return *out;
}

}  // namespace etcd::server::testing
