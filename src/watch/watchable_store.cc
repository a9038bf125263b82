#include "watch/watchable_store.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <unordered_map>
#include <utility>

#include "common/errors.h"
#include "watch/watch_fragment.h"

namespace etcd::mvcc {

namespace watch_internal {

// One stream's state. Fields marked (store) are guarded by WatchableStore::mu_; the send
// buffer by `qmu` (taken after the store mutex, or alone by Next).
struct StreamState : std::enable_shared_from_this<StreamState> {
  std::function<void()> wake;

  // (store)
  uint64_t seq = 0;
  bool closed = false;
  int64_t next_id = 0;
  std::map<int64_t, std::shared_ptr<Watcher>> watchers;
  size_t unsynced = 0;           // watchers not in the synced set
  size_t progress_watchers = 0;  // watchers with progress_notify
  bool progress_requested = false;
  Clock::Duration progress_interval{0};
  Clock::TimePoint next_progress;
  bool wake_marked = false;
  // Wakes handed out but not finished; Close waits for 0. Incremented under the store
  // mutex, decremented without it.
  std::atomic<int> wakes_running{0};
  // Set by Close before it waits: wakes still queued are skipped.
  std::atomic<bool> closing{false};

  absl::Mutex qmu;
  std::deque<std::pair<etcdserverpb::WatchResponse, size_t>> queue ABSL_GUARDED_BY(qmu);
  size_t queued_bytes ABSL_GUARDED_BY(qmu) = 0;
  bool queue_closed ABSL_GUARDED_BY(qmu) = false;
  // An event response was refused since the buffer last had room: the syncer must be
  // signalled when it drains.
  bool starved ABSL_GUARDED_BY(qmu) = false;
  // Coalescing: responses popped so far, and for each watcher whose newest queued
  // response is an event response that more events may still join, that response's
  // position (popped + index in `queue`).
  uint64_t popped ABSL_GUARDED_BY(qmu) = 0;
  std::unordered_map<int64_t, uint64_t> open ABSL_GUARDED_BY(qmu);
};

}  // namespace watch_internal

using watch_internal::StreamState;

namespace {

constexpr auto kDefaultProgressInterval = std::chrono::minutes(10);
constexpr char kErrDuplicateId[] = "mvcc: duplicate watch ID provided on the WatchStream";
constexpr char kErrEmptyRange[] = "mvcc: watcher range is empty";

int64_t EventRev(const mvccpb::Event& ev) { return ev.kv().mod_revision(); }

void AppendEvent(const mvccpb::Event& ev, bool keep_prev, etcdserverpb::WatchResponse* r) {
  mvccpb::Event* out = r->add_events();
  if (keep_prev || !ev.has_prev_kv()) {
    *out = ev;
  } else {
    out->set_type(ev.type());
    *out->mutable_kv() = ev.kv();
  }
}

size_t VarintBytes(size_t n) {
  size_t b = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++b;
  }
  return b;
}

// Wire size an event adds to a WatchResponse (field 11: tag, length, body).
size_t EventWireBytes(const mvccpb::Event& ev, bool keep_prev) {
  size_t n = ev.kv().ByteSizeLong();
  n += 1 + VarintBytes(n);  // kv
  if (keep_prev && ev.has_prev_kv()) {
    size_t p = ev.prev_kv().ByteSizeLong();
    n += 1 + VarintBytes(p) + p;
  }
  if (ev.type() != mvccpb::Event::PUT) n += 2;
  return 1 + VarintBytes(n) + n;
}

// A coalesced response never grows beyond this (well under every client's receive limit).
constexpr size_t kMaxCoalescedBytes = 1 << 20;

}  // namespace

// ---------------------------------------------------------------- WatchStream

WatchStream::~WatchStream() { Close(); }

void WatchStream::Create(const etcdserverpb::WatchCreateRequest& req) {
  store_->CreateWatch(state_.get(), req);
}

void WatchStream::RefuseCreate(const std::string& cancel_reason) {
  store_->RefuseWatch(state_.get(), cancel_reason);
}

void WatchStream::Cancel(int64_t watch_id) { store_->CancelWatch(state_.get(), watch_id); }

void WatchStream::RequestProgress() { store_->RequestProgress(state_.get()); }

bool WatchStream::Next(etcdserverpb::WatchResponse* out) {
  return store_->NextResponse(state_.get(), out);
}

void WatchStream::Close() { store_->CloseStream(state_); }

size_t WatchStream::Pending() const {
  absl::MutexLock l(&state_->qmu);
  return state_->queue.size();
}

size_t WatchStream::WatcherCount() const { return store_->StreamWatcherCount(state_.get()); }

// ------------------------------------------------------------- WatchableStore

WatchableStore::WatchableStore(const EventHistory* history, Clock* clock, WatchOptions options)
    : history_(history),
      clock_(clock),
      options_(options),
      progress_interval_(options.progress_notify_interval.count() > 0
                             ? options.progress_notify_interval
                             : Clock::Duration(kDefaultProgressInterval)),
      rng_(options.rng_seed) {
  absl::MutexLock l(&mu_);
  rev_ = history_->CommittedRev();
  compact_rev_ = history_->CompactRev();
}

WatchableStore::~WatchableStore() { Stop(); }

std::unique_ptr<WatchStream> WatchableStore::NewStream(std::function<void()> wake) {
  auto s = std::make_shared<StreamState>();
  s->wake = std::move(wake);
  Clock::TimePoint now = clock_->Now();
  {
    absl::MutexLock l(&mu_);
    s->seq = next_seq_++;
    // etcd picks each stream's period once: the interval plus up to 10% jitter, so
    // streams opened together do not all report at the same instant.
    Clock::Duration jitter{0};
    int64_t tenth = progress_interval_.count() / 10;
    if (tenth > 0) jitter = Clock::Duration(static_cast<int64_t>(rng_.Uniform(tenth)));
    s->progress_interval = progress_interval_ + jitter;
    s->next_progress = now + s->progress_interval;
    streams_.insert(s.get());
  }
  return std::unique_ptr<WatchStream>(new WatchStream(this, std::move(s)));
}

int64_t WatchableStore::Rev() const {
  absl::MutexLock l(&mu_);
  return rev_;
}

size_t WatchableStore::SyncedCount() const {
  absl::MutexLock l(&mu_);
  return synced_.size();
}

size_t WatchableStore::UnsyncedCount() const {
  absl::MutexLock l(&mu_);
  return unsynced_.size();
}

WatchStats WatchableStore::Stats() const {
  WatchStats st;
  absl::MutexLock l(&mu_);
  st.streams = streams_.size();
  st.watchers = synced_.size() + unsynced_.size();
  st.slow_watchers = unsynced_.size();
  st.events_sent = events_sent_;
  for (StreamState* s : streams_) {
    absl::MutexLock q(&s->qmu);
    st.pending_responses += s->queue.size();
  }
  return st;
}

size_t WatchableStore::StreamWatcherCount(StreamState* s) const {
  absl::MutexLock l(&mu_);
  return s->watchers.size();
}

// ------------------------------------------------------------------- helpers

void WatchableStore::MarkWakeLocked(StreamState* s) {
  if (s->closed || s->wake_marked || !s->wake) return;
  s->wake_marked = true;
  s->wakes_running.fetch_add(1);
  pending_wakes_.push_back(s->shared_from_this());
}

std::vector<WatchableStore::StreamPtr> WatchableStore::TakeWakesLocked() {
  std::vector<StreamPtr> wakes;
  wakes.swap(pending_wakes_);
  for (const StreamPtr& s : wakes) s->wake_marked = false;
  return wakes;
}

void WatchableStore::RunWakes(const std::vector<StreamPtr>& wakes) {
  for (const StreamPtr& s : wakes) {
    if (!s->closing.load()) s->wake();
    s->wakes_running.fetch_sub(1);
  }
}

void WatchableStore::DispatchWakes(std::vector<StreamPtr> wakes) {
  if (wakes.empty()) return;
  {
    absl::MutexLock l(&wake_mu_);
    if (notifier_running_) {
      for (StreamPtr& s : wakes) wake_queue_.push_back(std::move(s));
      return;
    }
  }
  RunWakes(wakes);
}

void WatchableStore::NotifierLoop() {
  for (;;) {
    std::vector<StreamPtr> batch;
    {
      absl::MutexLock l(&wake_mu_);
      wake_mu_.Await(absl::Condition(this, &WatchableStore::WakesOrStopping));
      if (wake_queue_.empty()) return;  // stopping
      batch.swap(wake_queue_);
    }
    RunWakes(batch);
  }
}

bool WatchableStore::PushLocked(StreamState* s, etcdserverpb::WatchResponse resp, bool fragment,
                                bool force) {
  size_t size = resp.ByteSizeLong();
  {
    absl::MutexLock q(&s->qmu);
    if (s->queue_closed) return true;  // nobody will read it: drop silently
    // With coalescing a stream holds at most one open event response per watcher, so
    // the count limit grows with the stream's watchers (the byte limit still holds).
    const size_t max_responses =
        options_.coalesce_events ? std::max(options_.max_pending_responses, s->watchers.size())
                                 : options_.max_pending_responses;
    if (!force && !s->queue.empty() &&
        (s->queue.size() >= max_responses ||
         s->queued_bytes + size > options_.max_pending_bytes)) {
      s->starved = true;
      return false;
    }
    const int64_t id = resp.watch_id();
    const bool events = resp.events_size() > 0;
    if (fragment && resp.events_size() >= 2 && size >= options_.fragment_threshold_bytes) {
      for (auto& piece : FragmentWatchResponse(std::move(resp), options_.fragment_threshold_bytes)) {
        size_t n = piece.ByteSizeLong();
        s->queued_bytes += n;
        s->queue.emplace_back(std::move(piece), n);
      }
      s->open.erase(id);
    } else {
      s->queued_bytes += size;
      s->queue.emplace_back(std::move(resp), size);
      if (!events) {
        // A control or progress response: later events must not move ahead of it.
        if (id == -1) {
          s->open.clear();
        } else {
          s->open.erase(id);
        }
      } else if (options_.coalesce_events) {
        s->open[id] = s->popped + s->queue.size() - 1;
      }
    }
  }
  MarkWakeLocked(s);
  return true;
}

bool WatchableStore::CoalesceLocked(Watcher* w, int64_t rev, const std::vector<mvccpb::Event>& events,
                                    const std::vector<uint32_t>& which,
                                    const std::vector<EventSizes>& sizes) {
  if (!options_.coalesce_events) return false;
  StreamState* s = w->stream;
  absl::MutexLock q(&s->qmu);
  auto it = s->open.find(w->id);
  if (it == s->open.end()) return false;
  if (it->second < s->popped || it->second - s->popped >= s->queue.size()) {
    s->open.erase(it);  // already taken by the writer
    return false;
  }
  auto& [resp, size] = s->queue[it->second - s->popped];
  if (resp.watch_id() != w->id || resp.events_size() == 0 || resp.fragment()) {
    s->open.erase(it);
    return false;
  }
  size_t add = 0;
  for (uint32_t i : which) add += w->prev_kv ? sizes[i].with_prev : sizes[i].without_prev;
  const size_t cap = w->fragment ? std::min(kMaxCoalescedBytes, options_.fragment_threshold_bytes)
                                 : kMaxCoalescedBytes;
  if (size + add >= cap || s->queued_bytes + add > options_.max_pending_bytes) {
    s->open.erase(it);  // this one is full: the next response starts a new one
    return false;
  }
  for (uint32_t i : which) AppendEvent(events[i], w->prev_kv, &resp);
  resp.mutable_header()->set_revision(rev);
  size += add;
  s->queued_bytes += add;
  return true;
}

void WatchableStore::RemoveWatcherLocked(Watcher* w) {
  StreamState* s = w->stream;
  if (w->synced) {
    synced_.Remove(w);
  } else {
    unsynced_.erase(w->unsynced_key);
    --s->unsynced;
  }
  w->canceled = true;
  if (w->progress_notify && --s->progress_watchers == 0) progress_streams_.erase(s);
}

void WatchableStore::MakeUnsyncedLocked(Watcher* w, int64_t min_rev) {
  StreamState* s = w->stream;
  auto it = s->watchers.find(w->id);
  if (it == s->watchers.end() || it->second.get() != w) return;
  if (w->synced) {
    synced_.Remove(w);
    w->synced = false;
    ++s->unsynced;
  } else {
    unsynced_.erase(w->unsynced_key);
  }
  w->min_rev = min_rev;
  w->unsynced_key = next_seq_++;
  unsynced_.emplace(w->unsynced_key, it->second);
}

void WatchableStore::MakeSyncedLocked(Watcher* w) {
  StreamState* s = w->stream;
  unsynced_.erase(w->unsynced_key);
  --s->unsynced;
  w->synced = true;
  synced_.Add(w);
  MaybeAnswerProgressLocked(s);
}

void WatchableStore::MaybeAnswerProgressLocked(StreamState* s) {
  if (!s->progress_requested || s->unsynced != 0 || s->closed) return;
  s->progress_requested = false;
  etcdserverpb::WatchResponse r;
  r.mutable_header()->set_revision(rev_);
  r.set_watch_id(-1);
  PushLocked(s, std::move(r), /*fragment=*/false, /*force=*/true);
}

void WatchableStore::CancelCompactedLocked(Watcher* w, int64_t compact_rev) {
  StreamState* s = w->stream;
  etcdserverpb::WatchResponse r;
  r.mutable_header()->set_revision(0);  // etcd sends a compacted cancel with revision 0
  r.set_watch_id(w->id);
  r.set_canceled(true);
  r.set_compact_revision(compact_rev);
  PushLocked(s, std::move(r), /*fragment=*/false, /*force=*/true);
  int64_t id = w->id;
  RemoveWatcherLocked(w);  // may free nothing yet: s->watchers still holds it
  s->watchers.erase(id);
  MaybeAnswerProgressLocked(s);
}

void WatchableStore::AdvanceProgressDeadlineLocked(StreamState* s, Clock::TimePoint now) {
  if (s->next_progress > now) return;
  int64_t period = s->progress_interval.count();
  if (period <= 0) {
    s->next_progress = now;
    return;
  }
  int64_t behind = (now - s->next_progress).count();
  s->next_progress += Clock::Duration((behind / period + 1) * period);
}

void WatchableStore::SignalSyncer() {
  absl::MutexLock l(&work_mu_);
  work_ = true;
}

// ------------------------------------------------------------ control path

void WatchableStore::CreateWatch(StreamState* s, const etcdserverpb::WatchCreateRequest& req) {
  Clock::TimePoint now = clock_->Now();
  std::vector<StreamPtr> wakes;
  bool needs_sync = false;
  {
    absl::MutexLock l(&mu_);
    if (s->closed) return;
    etcdserverpb::WatchResponse resp;
    resp.mutable_header()->set_revision(rev_);
    resp.set_created(true);

    KeyRange range = KeyRange::FromRequest(req.key(), req.range_end());
    const char* error = nullptr;
    int64_t id = req.watch_id();
    if (range.Empty()) {
      error = kErrEmptyRange;
    } else if (id != 0) {  // 0 asks for an automatic ID
      if (s->watchers.count(id) != 0) error = kErrDuplicateId;
    } else {
      while (s->watchers.count(s->next_id) != 0) ++s->next_id;
      id = s->next_id++;
    }
    if (error != nullptr) {
      resp.set_watch_id(-1);
      resp.set_canceled(true);
      resp.set_cancel_reason(error);
      PushLocked(s, std::move(resp), false, /*force=*/true);
      wakes = TakeWakesLocked();
    } else {
      auto w = std::make_shared<Watcher>();
      w->id = id;
      w->seq = next_seq_++;
      w->range = std::move(range);
      for (int f : req.filters()) {
        if (f == etcdserverpb::WatchCreateRequest::NOPUT) w->no_put = true;
        if (f == etcdserverpb::WatchCreateRequest::NODELETE) w->no_delete = true;
      }
      w->prev_kv = req.prev_kv();
      w->progress_notify = req.progress_notify();
      w->fragment = req.fragment();
      w->stream = s;
      s->watchers.emplace(id, w);

      // The ack goes first: nothing can queue an event for `w` before mu_ is released.
      resp.set_watch_id(id);
      PushLocked(s, std::move(resp), false, /*force=*/true);

      int64_t start = req.start_revision();
      if (start == 0 || start > rev_) {
        w->min_rev = std::max(start, rev_ + 1);
        w->synced = true;
        synced_.Add(w.get());
      } else {
        w->min_rev = start;
        w->synced = false;
        ++s->unsynced;
        w->unsynced_key = next_seq_++;
        unsynced_.emplace(w->unsynced_key, w);
        needs_sync = true;
      }
      if (w->progress_notify) {
        if (s->progress_watchers++ == 0) {
          progress_streams_.insert(s);
          AdvanceProgressDeadlineLocked(s, now);
        }
      }
      wakes = TakeWakesLocked();
    }
  }
  if (needs_sync) SignalSyncer();
  RunWakes(wakes);
}

void WatchableStore::RefuseWatch(StreamState* s, const std::string& reason) {
  std::vector<StreamPtr> wakes;
  {
    absl::MutexLock l(&mu_);
    if (s->closed) return;
    etcdserverpb::WatchResponse resp;
    resp.mutable_header()->set_revision(rev_);
    resp.set_watch_id(-1);
    resp.set_created(true);
    resp.set_canceled(true);
    resp.set_cancel_reason(reason);
    PushLocked(s, std::move(resp), false, /*force=*/true);
    wakes = TakeWakesLocked();
  }
  RunWakes(wakes);
}

void WatchableStore::CancelWatch(StreamState* s, int64_t watch_id) {
  std::vector<StreamPtr> wakes;
  {
    absl::MutexLock l(&mu_);
    if (s->closed) return;
    auto it = s->watchers.find(watch_id);
    if (it == s->watchers.end()) return;  // unknown ID: etcd sends nothing
    std::shared_ptr<Watcher> w = it->second;
    RemoveWatcherLocked(w.get());
    s->watchers.erase(it);
    etcdserverpb::WatchResponse r;
    r.mutable_header()->set_revision(rev_);
    r.set_watch_id(watch_id);
    r.set_canceled(true);
    PushLocked(s, std::move(r), false, /*force=*/true);
    MaybeAnswerProgressLocked(s);
    wakes = TakeWakesLocked();
  }
  RunWakes(wakes);
}

void WatchableStore::RequestProgress(StreamState* s) {
  std::vector<StreamPtr> wakes;
  {
    absl::MutexLock l(&mu_);
    if (s->closed) return;
    s->progress_requested = true;
    MaybeAnswerProgressLocked(s);
    wakes = TakeWakesLocked();
  }
  RunWakes(wakes);
}

bool WatchableStore::NextResponse(StreamState* s, etcdserverpb::WatchResponse* out) {
  bool signal = false;
  {
    absl::MutexLock q(&s->qmu);
    if (s->queue.empty()) return false;
    *out = std::move(s->queue.front().first);
    s->queued_bytes -= s->queue.front().second;
    s->queue.pop_front();
    ++s->popped;
    if (s->starved && s->queue.size() < options_.max_pending_responses &&
        s->queued_bytes < options_.max_pending_bytes) {
      s->starved = false;
      signal = true;
    }
  }
  if (signal) SignalSyncer();
  return true;
}

void WatchableStore::CloseStream(const StreamPtr& s) {
  {
    absl::MutexLock l(&mu_);
    if (!s->closed) {
      s->closed = true;
      for (auto& [id, w] : s->watchers) RemoveWatcherLocked(w.get());
      s->watchers.clear();
      progress_streams_.erase(s.get());
      streams_.erase(s.get());
    }
  }
  // A wake handed out before `closed` was set may still be running (or queued for the
  // notifier, which skips it now).
  s->closing.store(true);
  while (s->wakes_running.load() > 0) std::this_thread::yield();
  absl::MutexLock q(&s->qmu);
  s->queue_closed = true;
  s->queue.clear();
  s->open.clear();
  s->queued_bytes = 0;
}

// ------------------------------------------------------------- applier path

void WatchableStore::Notify(int64_t rev, std::vector<mvccpb::Event> events) {
  std::vector<StreamPtr> wakes;
  bool victims = false;
  {
    absl::MutexLock l(&mu_);
    if (!events.empty()) rev = std::max(rev, EventRev(events.back()));
    if (rev > rev_) rev_ = rev;
    if (events.empty() || synced_.size() == 0) return;

    std::vector<Watcher*> touched;
    for (uint32_t i = 0; i < events.size(); ++i) {
      const mvccpb::Event& ev = events[i];
      int64_t ev_rev = EventRev(ev);
      synced_.ForEachMatch(ev.kv().key(), [&](Watcher* w) {
        if (ev_rev < w->min_rev || !w->Wants(ev)) return;
        if (w->scratch.empty()) touched.push_back(w);
        w->scratch.push_back(i);
      });
    }
    // Deterministic order: watchers in creation order.
    std::sort(touched.begin(), touched.end(),
              [](const Watcher* a, const Watcher* b) { return a->seq < b->seq; });
    bool touched_sizes = false;
    std::vector<EventSizes> sizes;
    for (Watcher* w : touched) {
      if (!touched_sizes) {  // once per Notify, not once per watcher
        touched_sizes = true;
        if (options_.coalesce_events) {
          sizes.reserve(events.size());
          for (const mvccpb::Event& ev : events) {
            sizes.push_back({EventWireBytes(ev, true), EventWireBytes(ev, false)});
          }
        }
      }
      if (CoalesceLocked(w, rev_, events, w->scratch, sizes)) {
        w->sent_since_tick = true;
        events_sent_ += w->scratch.size();
        w->scratch.clear();
        continue;
      }
      etcdserverpb::WatchResponse r;
      r.mutable_header()->set_revision(rev_);
      r.set_watch_id(w->id);
      for (uint32_t i : w->scratch) AppendEvent(events[i], w->prev_kv, &r);
      int64_t first_rev = EventRev(events[w->scratch.front()]);
      w->scratch.clear();
      const int n = r.events_size();
      if (PushLocked(w->stream, std::move(r), w->fragment, /*force=*/false)) {
        w->sent_since_tick = true;
        events_sent_ += n;
      } else {
        // Slow consumer: never wait for it. It catches up from history later.
        MakeUnsyncedLocked(w, first_rev);
        victims = true;
      }
    }
    wakes = TakeWakesLocked();
  }
  if (victims) SignalSyncer();
  // Never write to gRPC on the applier's thread when the notifier thread runs.
  DispatchWakes(std::move(wakes));
}

void WatchableStore::OnCompacted(int64_t compact_rev) {
  bool any;
  {
    absl::MutexLock l(&mu_);
    compact_rev_ = std::max(compact_rev_, compact_rev);
    any = !unsynced_.empty();
  }
  if (any) SignalSyncer();
}

void WatchableStore::OnRestore(int64_t rev) {
  {
    absl::MutexLock l(&mu_);
    int64_t old = rev_;
    for (StreamState* s : streams_) {
      for (auto& [id, w] : s->watchers) {
        if (w->synced) MakeUnsyncedLocked(w.get(), std::max(w->min_rev, old + 1));
      }
    }
    rev_ = rev;
  }
  SignalSyncer();
}

// ------------------------------------------------------------------ syncer

bool WatchableStore::SyncOnce() {
  struct Item {
    std::shared_ptr<Watcher> w;
    StreamPtr s;
    int64_t min_rev;  // w->min_rev when the batch was formed
    etcdserverpb::WatchResponse resp;
  };
  const int64_t history_compact = history_->CompactRev();
  std::vector<Item> batch;
  std::vector<StreamPtr> wakes;
  int64_t from = std::numeric_limits<int64_t>::max();
  int64_t to = 0;
  int64_t compact = 0;
  bool need_prev = false;
  bool progressed = false;
  {
    absl::MutexLock l(&mu_);
    compact = std::max(compact_rev_, history_compact);
    to = rev_;
    for (auto it = unsynced_.begin();
         it != unsynced_.end() && batch.size() < options_.sync_batch_watchers;) {
      std::shared_ptr<Watcher> w = it->second;
      ++it;  // the helpers below may erase w's entry
      StreamState* s = w->stream;
      if (w->min_rev < compact) {
        CancelCompactedLocked(w.get(), compact);
        progressed = true;
        continue;
      }
      if (w->min_rev > to) {
        MakeSyncedLocked(w.get());
        progressed = true;
        continue;
      }
      {
        absl::MutexLock q(&s->qmu);
        if (s->queue.size() >= options_.max_pending_responses ||
            s->queued_bytes >= options_.max_pending_bytes) {
          s->starved = true;  // Next() signals the syncer once it drains
          continue;
        }
      }
      from = std::min(from, w->min_rev);
      need_prev = need_prev || w->prev_kv;
      batch.push_back({w, s->shared_from_this(), w->min_rev, {}});
    }
    wakes = TakeWakesLocked();
  }
  RunWakes(wakes);
  wakes.clear();
  if (batch.empty()) return progressed;

  // Read the missing revisions outside the lock. A start at exactly the compact
  // revision is valid in etcd (what survived compaction there is replayed); if the
  // history refuses that revision, continue from the next one.
  from = std::max<int64_t>(from, 1);
  const size_t limit = options_.sync_batch_events;
  absl::StatusOr<std::vector<mvccpb::Event>> got =
      history_->EventsBetween(from, to, need_prev, limit);
  if (!got.ok() && from == compact && errors::Is(got.status(), errors::Err::kCompacted)) {
    from = compact + 1;
    got = from <= to ? history_->EventsBetween(from, to, need_prev, limit)
                     : absl::StatusOr<std::vector<mvccpb::Event>>(std::vector<mvccpb::Event>{});
  }
  if (!got.ok()) {
    // A compaction raced with us: the next round cancels whoever fell below it.
    // Anything else: retry at the next poll.
    if (errors::Is(got.status(), errors::Err::kCompacted)) {
      absl::MutexLock l(&mu_);
      compact_rev_ = std::max(compact_rev_, from);
      return true;
    }
    return progressed;
  }
  const std::vector<mvccpb::Event>& events = *got;
  // How far the batch reaches. The history never splits a revision, but a batch cut by
  // `limit` may stop at any revision boundary, with fewer than `limit` events. Every
  // revision above the compact revision has at least one event, so a complete batch ends
  // at `to`; one that ends earlier is taken as covering up to its last revision (if it
  // was in fact complete, the next round finds nothing more and reaches `to`). An empty
  // batch is complete: a cut batch always holds at least one revision.
  int64_t fetched_to = to;
  if (!events.empty() && EventRev(events.back()) < to) fetched_to = EventRev(events.back());

  // Build each watcher's response without the lock: a watcher's range, filters and
  // options never change after creation, and only the syncer moves an unsynced
  // watcher's min_rev (checked again below).
  for (Item& item : batch) {
    const Watcher* w = item.w.get();
    if (item.min_rev > fetched_to) continue;
    item.resp.mutable_header()->set_revision(fetched_to);
    item.resp.set_watch_id(w->id);
    for (const mvccpb::Event& ev : events) {
      int64_t ev_rev = EventRev(ev);
      if (ev_rev < item.min_rev || ev_rev > fetched_to) continue;
      if (!w->range.Contains(ev.kv().key()) || !w->Wants(ev)) continue;
      AppendEvent(ev, w->prev_kv, &item.resp);
    }
  }

  {
    absl::MutexLock l(&mu_);
    for (Item& item : batch) {
      Watcher* w = item.w.get();
      if (w->canceled || w->synced || w->min_rev != item.min_rev || item.min_rev > fetched_to) {
        continue;
      }
      if (const int n = item.resp.events_size(); n > 0) {
        if (!PushLocked(w->stream, std::move(item.resp), w->fragment, /*force=*/false)) continue;
        w->sent_since_tick = true;
        events_sent_ += n;
      }
      progressed = true;
      if (fetched_to + 1 > rev_) {
        w->min_rev = fetched_to + 1;
        MakeSyncedLocked(w);
      } else {
        MakeUnsyncedLocked(w, fetched_to + 1);  // to the back of the round-robin
      }
    }
    wakes = TakeWakesLocked();
  }
  RunWakes(wakes);
  return progressed;
}

void WatchableStore::SyncUntilIdle() {
  while (SyncOnce()) {
  }
}

void WatchableStore::PollProgress() {
  Clock::TimePoint now = clock_->Now();
  std::vector<StreamPtr> wakes;
  {
    absl::MutexLock l(&mu_);
    for (StreamState* s : progress_streams_) {
      if (now < s->next_progress) continue;
      for (auto& [id, w] : s->watchers) {
        if (!w->progress_notify) continue;
        // Only a synced watcher that got no events since the last tick is told the
        // revision: an unsynced one would be told about revisions it has not seen.
        if (!w->sent_since_tick && w->synced) {
          etcdserverpb::WatchResponse r;
          r.mutable_header()->set_revision(rev_);
          r.set_watch_id(id);
          PushLocked(s, std::move(r), false, /*force=*/false);  // skipped when full
        }
        w->sent_since_tick = false;
      }
      AdvanceProgressDeadlineLocked(s, now);
    }
    wakes = TakeWakesLocked();
  }
  RunWakes(wakes);
}

void WatchableStore::Start() {
  absl::MutexLock l(&work_mu_);
  if (syncer_.joinable() || stopping_) return;
  {
    absl::MutexLock w(&wake_mu_);
    notifier_running_ = true;
  }
  notifier_ = std::thread([this] { NotifierLoop(); });
  syncer_ = std::thread([this] { SyncLoop(); });
}

void WatchableStore::Stop() {
  {
    absl::MutexLock l(&work_mu_);
    stopping_ = true;
  }
  if (syncer_.joinable()) syncer_.join();
  {
    absl::MutexLock w(&wake_mu_);
    notifier_stopping_ = true;
  }
  if (notifier_.joinable()) notifier_.join();
  // Wakes queued after the notifier left run here, so no Close waits forever.
  std::vector<StreamPtr> rest;
  {
    absl::MutexLock w(&wake_mu_);
    notifier_running_ = false;
    rest.swap(wake_queue_);
  }
  RunWakes(rest);
}

void WatchableStore::SyncLoop() {
  Clock::Duration poll = options_.syncer_poll_interval;
  poll = std::min(poll, progress_interval_ / 10);
  poll = std::max<Clock::Duration>(poll, std::chrono::milliseconds(1));
  const absl::Duration wait = absl::FromChrono(poll);
  for (;;) {
    {
      absl::MutexLock l(&work_mu_);
      if (stopping_) return;
      work_ = false;
    }
    bool more = false;
    for (int i = 0; i < 64 && SyncOnce(); ++i) more = true;
    PollProgress();
    if (more) continue;
    absl::MutexLock l(&work_mu_);
    work_mu_.AwaitWithTimeout(absl::Condition(this, &WatchableStore::WorkOrStopping), wait);
  }
}

}  // namespace etcd::mvcc
