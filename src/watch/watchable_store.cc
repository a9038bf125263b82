#include "watch/watchable_store.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <limits>
#include <utility>

#include "common/errors.h"
#include "watch/watch_fragment.h"

namespace etcd::mvcc {

namespace watch_internal {

// One queued response. `watcher_seq`/`epoch` identify an event response that later
// events of that watcher may join (see Watcher::open_pos).
struct Queued {
  EncodedResponse resp;
  size_t size = 0;           // bytes counted in queued_bytes
  uint64_t watcher_seq = 0;  // 0: not joinable
  uint64_t epoch = 0;
};

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
  // Write pacing: when the last paced round of event wakes started (store), and whether
  // a paced wake is waiting in the notifier (set under the store mutex, cleared by the
  // notifier right before it runs the wake).
  std::chrono::steady_clock::time_point round_start;
  std::chrono::steady_clock::time_point paced_at;  // (notifier) when the paced wake is due
  std::atomic<bool> paced{false};

  absl::Mutex qmu;
  std::deque<Queued> queue ABSL_GUARDED_BY(qmu);
  size_t queued_bytes ABSL_GUARDED_BY(qmu) = 0;
  bool queue_closed ABSL_GUARDED_BY(qmu) = false;
  // An event response was refused since the buffer last had room: the syncer must be
  // signalled when it drains.
  bool starved ABSL_GUARDED_BY(qmu) = false;
  // Coalescing: responses popped so far (positions are popped + index in `queue`), and
  // the epoch a joinable response must carry; a stream-wide response (watch_id -1)
  // starts a new epoch, so no later event moves ahead of it.
  uint64_t popped ABSL_GUARDED_BY(qmu) = 0;
  uint64_t epoch ABSL_GUARDED_BY(qmu) = 1;
  uint64_t round_mark ABSL_GUARDED_BY(qmu) = 0;  // `popped` when the last round began
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
  EncodedResponse enc;
  bool more = false;
  if (!store_->NextResponse(state_.get(), &enc, &more)) return false;
  wire::Decode(enc, out);
  return true;
}

bool WatchStream::NextEncoded(EncodedResponse* out, bool* more) {
  return store_->NextResponse(state_.get(), out, more);
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

void WatchableStore::WakeForEventsLocked(StreamState* s, bool was_empty, uint64_t last_round) {
  if (s->paced.load()) return;  // the waiting paced wake takes these events too
  const auto interval = options_.write_batch_interval;
  if (was_empty && interval.count() > 0 && options_.coalesce_events && !s->closed && s->wake) {
    const auto now = std::chrono::steady_clock::now();
    if (last_round >= options_.pace_min_responses && now < s->round_start + interval) {
      s->round_start += interval;
      s->paced_at = s->round_start;
      s->paced.store(true);
      s->wakes_running.fetch_add(1);
      pending_paced_.push_back(s->shared_from_this());
      return;
    }
    s->round_start = now;
  }
  MarkWakeLocked(s);
}

void WatchableStore::DispatchWakes(std::vector<StreamPtr> wakes, std::vector<StreamPtr> paced) {
  if (wakes.empty() && paced.empty()) return;
  {
    absl::MutexLock l(&wake_mu_);
    if (notifier_running_) {
      for (StreamPtr& s : wakes) wake_queue_.push_back(std::move(s));
      for (StreamPtr& s : paced) paced_queue_.push_back(std::move(s));
      return;
    }
  }
  // No notifier thread: nothing waits.
  for (StreamPtr& s : paced) {
    s->paced.store(false);
    wakes.push_back(std::move(s));
  }
  RunWakes(wakes);
}

void WatchableStore::NotifierLoop() {
  for (;;) {
    std::vector<StreamPtr> batch;
    bool stop = false;
    {
      absl::MutexLock l(&wake_mu_);
      for (;;) {
        if (WakesOrStopping()) break;
        paced_seen_ = paced_queue_.size();
        if (paced_queue_.empty()) {
          wake_mu_.Await(absl::Condition(this, &WatchableStore::WakesOrNewPaced));
          continue;
        }
        auto due = paced_queue_.front()->paced_at;
        for (const StreamPtr& s : paced_queue_) due = std::min(due, s->paced_at);
        const auto now = std::chrono::steady_clock::now();
        if (due <= now) break;
        wake_mu_.AwaitWithTimeout(absl::Condition(this, &WatchableStore::WakesOrNewPaced),
                                  absl::FromChrono(due - now));
      }
      stop = notifier_stopping_;
      notifier_kick_ = false;
      batch.swap(wake_queue_);
      const auto now = std::chrono::steady_clock::now();
      for (size_t i = 0; i < paced_queue_.size();) {
        StreamPtr& s = paced_queue_[i];
        if (stop || s->paced_at <= now || s->closing.load()) {
          s->paced.store(false);
          batch.push_back(std::move(s));
          s = std::move(paced_queue_.back());
          paced_queue_.pop_back();
        } else {
          ++i;
        }
      }
    }
    RunWakes(batch);
    if (stop) return;
  }
}

bool WatchableStore::PushLocked(StreamState* s, etcdserverpb::WatchResponse resp, bool fragment,
                                bool force, Watcher* w) {
  {
    absl::MutexLock q(&s->qmu);
    if (!EnqueueLocked(s, std::move(resp), fragment, force, w)) return false;
  }
  MarkWakeLocked(s);
  return true;
}

bool WatchableStore::EnqueueLocked(StreamState* s, etcdserverpb::WatchResponse resp, bool fragment,
                                   bool force, Watcher* w) {
  s->qmu.AssertHeld();
  size_t size = resp.ByteSizeLong();
  if (s->queue_closed) return true;  // nobody will read it: drop silently
  // With coalescing a stream holds at most one open event response per watcher, so
  // the count limit grows with the stream's watchers (the byte limit still holds).
  const size_t max_responses = options_.coalesce_events
                                   ? std::max(options_.max_pending_responses, s->watchers.size())
                                   : options_.max_pending_responses;
  if (!force && !s->queue.empty() &&
      (s->queue.size() >= max_responses || s->queued_bytes + size > options_.max_pending_bytes)) {
    s->starved = true;
    return false;
  }
  const int64_t id = resp.watch_id();
  const bool events = resp.events_size() > 0;
  auto push = [s](const etcdserverpb::WatchResponse& r) {
    watch_internal::Queued e;
    e.resp = wire::Encode(r);
    e.size = e.resp.body.size();
    s->queued_bytes += e.size;
    s->queue.push_back(std::move(e));
  };
  if (fragment && resp.events_size() >= 2 && size >= options_.fragment_threshold_bytes) {
    for (auto& piece : FragmentWatchResponse(std::move(resp), options_.fragment_threshold_bytes)) {
      push(piece);
    }
    if (w != nullptr) w->open_pos = 0;
    return true;
  }
  push(resp);
  if (!events) {
    // A control or progress response: later events must not move ahead of it.
    if (id == -1) {
      ++s->epoch;
    } else if (w != nullptr) {
      w->open_pos = 0;
    } else if (auto it = s->watchers.find(id); it != s->watchers.end()) {
      it->second->open_pos = 0;
    }
  } else if (options_.coalesce_events && w != nullptr) {
    watch_internal::Queued& e = s->queue.back();
    e.watcher_seq = w->seq;
    e.epoch = s->epoch;
    w->open_pos = s->popped + s->queue.size();  // 1-based: 0 means none
    w->open_epoch = s->epoch;
  }
  return true;
}

bool WatchableStore::DeliverLocked(StreamState* s, Watcher* const* ws, size_t n,
                                   const std::vector<mvccpb::Event>& events,
                                   const std::vector<EventEntries>& entries) {
  bool victims = false;
  bool queued = false;
  const auto entry = [&entries](uint32_t i, bool prev) -> const std::string& {
    const EventEntries& e = entries[i];
    return prev && !e.with_prev.empty() ? e.with_prev : e.without_prev;
  };
  s->qmu.Lock();
  const bool was_empty = s->queue.empty();
  // A new round of writes starts with this wake: how many responses did the last take?
  const uint64_t last_round = s->popped - s->round_mark;
  if (was_empty) s->round_mark = s->popped;
  const size_t max_responses = options_.coalesce_events
                                   ? std::max(options_.max_pending_responses, s->watchers.size())
                                   : options_.max_pending_responses;
  for (size_t k = 0; k < n; ++k) {
    Watcher* w = ws[k];
    const std::vector<uint32_t>& which = w->scratch;
    const size_t count = which.size();
    if (s->queue_closed) {  // nobody will read it: drop silently
      w->sent_since_tick = true;
      events_sent_ += count;
      continue;
    }
    size_t add = 0;
    for (uint32_t i : which) add += entry(i, w->prev_kv).size();

    // Join the watcher's response still waiting in the buffer.
    if (options_.coalesce_events && w->open_pos > s->popped && w->open_epoch == s->epoch &&
        w->open_pos - s->popped <= s->queue.size()) {
      watch_internal::Queued& e = s->queue[w->open_pos - s->popped - 1];
      const size_t cap = w->fragment
                             ? std::min(kMaxCoalescedBytes, options_.fragment_threshold_bytes)
                             : kMaxCoalescedBytes;
      if (e.watcher_seq == w->seq && e.epoch == s->epoch && e.size + add < cap &&
          s->queued_bytes + add <= options_.max_pending_bytes) {
        for (uint32_t i : which) e.resp.body.append(entry(i, w->prev_kv));
        e.resp.revision = rev_;
        e.size += add;
        s->queued_bytes += add;
        queued = true;
        w->sent_since_tick = true;
        events_sent_ += count;
        continue;
      }
      w->open_pos = 0;  // full: the next events start a new response
    }

    const size_t size = add + 1 + wire::VarintSize(static_cast<uint64_t>(w->id));
    if (!s->queue.empty() &&
        (s->queue.size() >= max_responses || s->queued_bytes + size > options_.max_pending_bytes)) {
      // Slow consumer: never wait for it. It catches up from history later.
      s->starved = true;
      MakeUnsyncedLocked(w, EventRev(events[which.front()]));
      victims = true;
      continue;
    }
    if (w->fragment && count >= 2 && size >= options_.fragment_threshold_bytes) {
      etcdserverpb::WatchResponse r;  // rare: split with the protobuf path
      r.mutable_header()->set_revision(rev_);
      r.set_watch_id(w->id);
      for (uint32_t i : which) AppendEvent(events[i], w->prev_kv, &r);
      EnqueueLocked(s, std::move(r), /*fragment=*/true, /*force=*/true, w);
    } else {
      watch_internal::Queued e;
      e.resp.revision = rev_;
      e.resp.body.reserve(size);
      wire::AppendWatchId(w->id, &e.resp.body);
      for (uint32_t i : which) e.resp.body.append(entry(i, w->prev_kv));
      e.size = e.resp.body.size();
      s->queued_bytes += e.size;
      if (options_.coalesce_events) {
        e.watcher_seq = w->seq;
        e.epoch = s->epoch;
      }
      s->queue.push_back(std::move(e));
      if (options_.coalesce_events) {
        w->open_pos = s->popped + s->queue.size();
        w->open_epoch = s->epoch;
      }
    }
    queued = true;
    w->sent_since_tick = true;
    events_sent_ += count;
  }
  s->qmu.Unlock();
  if (queued) WakeForEventsLocked(s, was_empty, last_round);
  return !victims;
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
      w->stream_seq = s->seq;
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

bool WatchableStore::NextResponse(StreamState* s, EncodedResponse* out, bool* more) {
  bool signal = false;
  {
    absl::MutexLock q(&s->qmu);
    if (s->queue.empty()) return false;
    *out = std::move(s->queue.front().resp);
    s->queued_bytes -= s->queue.front().size;
    s->queue.pop_front();
    ++s->popped;
    *more = !s->queue.empty();
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
  if (s->paced.load()) {  // do not wait out the pacing interval
    absl::MutexLock w(&wake_mu_);
    notifier_kick_ = true;
  }
  while (s->wakes_running.load() > 0) std::this_thread::yield();
  absl::MutexLock q(&s->qmu);
  s->queue_closed = true;
  s->queue.clear();
  s->queued_bytes = 0;
}

// ------------------------------------------------------------- applier path

void WatchableStore::Notify(int64_t rev, std::vector<mvccpb::Event> events) {
  std::vector<StreamPtr> wakes;
  std::vector<StreamPtr> paced;
  bool victims = false;
  {
    absl::MutexLock l(&mu_);
    if (!events.empty()) rev = std::max(rev, EventRev(events.back()));
    if (rev > rev_) rev_ = rev;
    if (events.empty() || synced_.size() == 0) return;

    std::vector<Watcher*> touched;
    std::vector<uint8_t> need(events.size(), 0);  // 1: without prev_kv, 2: with
    for (uint32_t i = 0; i < events.size(); ++i) {
      const mvccpb::Event& ev = events[i];
      int64_t ev_rev = EventRev(ev);
      synced_.ForEachMatch(ev.kv().key(), [&](Watcher* w) {
        if (ev_rev < w->min_rev || !w->Wants(ev)) return;
        if (w->scratch.empty()) touched.push_back(w);
        w->scratch.push_back(i);
        need[i] |= w->prev_kv && ev.has_prev_kv() ? 2 : 1;
      });
    }
    if (touched.empty()) return;
    // Each event is encoded once (in each form some watcher needs) and shared by all.
    std::vector<EventEntries> entries(events.size());
    for (uint32_t i = 0; i < events.size(); ++i) {
      if (need[i] & 1) wire::AppendEventEntry(events[i], false, &entries[i].without_prev);
      if (need[i] & 2) wire::AppendEventEntry(events[i], true, &entries[i].with_prev);
    }
    // Stream by stream; within a stream, watchers in creation order (deterministic).
    const auto before = [](const Watcher* a, const Watcher* b) {
      return a->stream_seq != b->stream_seq ? a->stream_seq < b->stream_seq : a->seq < b->seq;
    };
    if (!std::is_sorted(touched.begin(), touched.end(), before)) {
      std::sort(touched.begin(), touched.end(), before);
    }
    for (size_t i = 0; i < touched.size();) {
      size_t j = i + 1;
      while (j < touched.size() && touched[j]->stream == touched[i]->stream) ++j;
      if (!DeliverLocked(touched[i]->stream, &touched[i], j - i, events, entries)) victims = true;
      i = j;
    }
    for (Watcher* w : touched) w->scratch.clear();
    wakes = TakeWakesLocked();
    paced.swap(pending_paced_);
  }
  if (victims) SignalSyncer();
  // Never write to gRPC on the applier's thread when the notifier thread runs.
  DispatchWakes(std::move(wakes), std::move(paced));
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
        if (!PushLocked(w->stream, std::move(item.resp), w->fragment, /*force=*/false, w)) {
          continue;
        }
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
          PushLocked(s, std::move(r), false, /*force=*/false, w.get());  // skipped when full
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
    for (StreamPtr& s : paced_queue_) {
      s->paced.store(false);
      rest.push_back(std::move(s));
    }
    paced_queue_.clear();
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
