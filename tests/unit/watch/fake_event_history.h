// A tiny in-memory KV with history, implementing mvcc::EventHistory for the watch tests.
// Put/Delete/Txn produce the events an applier would hand to WatchableStore::Notify.
//
// Thread safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "mvcc/event_history.h"

namespace etcd::mvcc::testing {

class FakeEventHistory final : public EventHistory {
 public:
  // Optional hook run at the start of every EventsBetween call, with no lock held (lets
  // a test interleave a Notify with the syncer's unlocked read).
  std::function<void()> on_read;
  // When true, EventsBetween accepts from_rev == compact revision (as etcd's own store
  // does); otherwise it refuses it, as the contract allows.
  bool serve_compact_rev = false;
  // How `limit` cuts a batch (never inside a revision): false = before a revision that
  // would exceed it (mvcc::KvStore); true = after the revision that reaches it.
  bool overshoot_limit = false;
  // When > 0, EventsBetween fails with this code (not kCompacted) this many times.
  mutable int fail_reads = 0;

  // One write transaction at the next revision: each (key, value) is a put, each key in
  // `deletes` a delete (skipped if absent). Returns the events (with prev_kv when the key
  // existed), or none if nothing changed (the revision does not move then).
  std::vector<mvccpb::Event> Txn(const std::vector<std::pair<std::string, std::string>>& puts,
                                 const std::vector<std::string>& deletes = {}) {
    absl::MutexLock l(&mu_);
    std::vector<mvccpb::Event> evs;
    int64_t rev = rev_ + 1;
    for (const auto& [k, v] : puts) {
      mvccpb::Event ev;
      ev.set_type(mvccpb::Event::PUT);
      mvccpb::KeyValue* kv = ev.mutable_kv();
      kv->set_key(k);
      kv->set_value(v);
      kv->set_mod_revision(rev);
      auto it = live_.find(k);
      if (it != live_.end()) {
        *ev.mutable_prev_kv() = it->second;
        kv->set_create_revision(it->second.create_revision());
        kv->set_version(it->second.version() + 1);
      } else {
        kv->set_create_revision(rev);
        kv->set_version(1);
      }
      live_[k] = *kv;
      evs.push_back(std::move(ev));
    }
    for (const std::string& k : deletes) {
      auto it = live_.find(k);
      if (it == live_.end()) continue;
      mvccpb::Event ev;
      ev.set_type(mvccpb::Event::DELETE);
      ev.mutable_kv()->set_key(k);
      ev.mutable_kv()->set_mod_revision(rev);
      *ev.mutable_prev_kv() = it->second;
      live_.erase(it);
      evs.push_back(std::move(ev));
    }
    if (evs.empty()) return evs;
    rev_ = rev;
    for (const auto& ev : evs) log_.push_back(ev);
    return evs;
  }
  std::vector<mvccpb::Event> Put(const std::string& k, const std::string& v) {
    return Txn({{k, v}});
  }
  std::vector<mvccpb::Event> Delete(const std::string& k) { return Txn({}, {k}); }

  void Compact(int64_t rev) {
    absl::MutexLock l(&mu_);
    compact_ = rev;
  }

  absl::StatusOr<std::vector<mvccpb::Event>> EventsBetween(int64_t from_rev, int64_t to_rev,
                                                           bool prev_kv,
                                                           size_t limit) const override {
    if (on_read) on_read();
    absl::MutexLock l(&mu_);
    ++reads_;
    if (fail_reads > 0) {
      --fail_reads;
      return absl::UnavailableError("injected read failure");
    }
    if (from_rev < compact_ || (from_rev == compact_ && !serve_compact_rev && compact_ > 0)) {
      return errors::Make(errors::Err::kCompacted);
    }
    std::vector<mvccpb::Event> out;
    for (const auto& ev : log_) {
      int64_t r = ev.kv().mod_revision();
      if (r < from_rev || r > to_rev) continue;
      if (limit != 0 && !out.empty() && out.back().kv().mod_revision() != r) {
        if (overshoot_limit) {
          // Stop at the first revision boundary at or past the limit.
          if (out.size() >= limit) break;
        } else {
          // Like mvcc::KvStore: stop before a revision that would not fit whole.
          size_t n = 0;
          for (const auto& e : log_) n += e.kv().mod_revision() == r ? 1 : 0;
          if (out.size() + n > limit) break;
        }
      }
      out.push_back(ev);
      if (!prev_kv) out.back().clear_prev_kv();
    }
    return out;
  }
  int64_t CommittedRev() const override {
    absl::MutexLock l(&mu_);
    return rev_;
  }
  int64_t CompactRev() const override {
    absl::MutexLock l(&mu_);
    return compact_;
  }
  int reads() const {
    absl::MutexLock l(&mu_);
    return reads_;
  }

 private:
  mutable absl::Mutex mu_;
  int64_t rev_ ABSL_GUARDED_BY(mu_) = 1;  // a fresh etcd store is at revision 1
  int64_t compact_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, mvccpb::KeyValue> live_ ABSL_GUARDED_BY(mu_);
  std::vector<mvccpb::Event> log_ ABSL_GUARDED_BY(mu_);
  mutable int reads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace etcd::mvcc::testing
