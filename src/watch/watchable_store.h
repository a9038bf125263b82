// The watchable store: every client watch stream and its watchers, fed by the applier.
//
// Watchers come in two states:
//  - synced: caught up to the store revision; indexed by key (WatcherIndex) and given
//    events directly by Notify, which the applier calls after each backend commit;
//  - unsynced: behind (a start_revision in the past, or a "victim" whose stream buffer
//    was full when Notify had events for it). A syncer reads their missing revisions
//    from the EventHistory in bounded batches, outside the lock, then moves each one back
//    to the synced set under the lock once it has every revision up to the store
//    revision, so no revision is lost or delivered twice.
//
// Delivery: each stream has a bounded send buffer of ready WatchResponses. Producers
// (Notify, the syncer, control requests, progress) append and then call the stream's
// `wake` callback (with no lock held); the gRPC layer pulls with WatchStream::Next, one
// response per completed write. Notify never waits: a full buffer turns the watcher into
// a victim that catches up from history later. Control responses (created, canceled,
// progress_request answers) are always accepted.
//
// Header revisions: every response carries header.revision set by the store (the gRPC
// layer adds cluster_id, member_id and raft_term); a compacted cancel has revision 0.
//
// Thread safety: all public methods are thread-safe. Notify and OnCompacted never block
// on consumers or I/O. Lock order: store mutex -> stream queue mutex. No lock is held
// while calling `wake` or the EventHistory.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/rng.h"
#include "etcdserverpb/rpc.pb.h"
#include "mvcc/event_history.h"
#include "mvccpb/kv.pb.h"
#include "watch/watch_encoding.h"
#include "watch/watcher.h"
#include "watch/watcher_index.h"

namespace etcd::mvcc {

struct WatchOptions {
  // Period of progress notifications for watchers created with progress_notify
  // (etcd --experimental-watch-progress-notify-interval); 0 means 10 minutes. Each
  // stream adds a random jitter of up to 10%.
  Clock::Duration progress_notify_interval{0};
  // Responses of at least this size with 2+ events are split for watchers that asked
  // for `fragment` (etcd: --max-request-bytes + 512 KiB).
  size_t fragment_threshold_bytes = 1572864 + 512 * 1024;
  // Per-stream send buffer: event responses are refused (the watcher becomes a victim)
  // when this many responses or bytes are already waiting.
  size_t max_pending_responses = 128;
  size_t max_pending_bytes = 16 << 20;
  // Events for a watcher whose previous event response is still waiting in the send
  // buffer join that response (header.revision becomes the newest) instead of queuing
  // another: a stream that lags sends fewer, larger responses and its watchers do not
  // become victims. Events of one revision are never split; responses stay under
  // 1 MiB (and the fragment threshold for `fragment` watchers); no event moves ahead of
  // a progress or control response. With it, the count limit above is at least the
  // stream's number of watchers.
  bool coalesce_events = true;
  // Write pacing for high fan-out streams (with Start's notifier thread and
  // coalesce_events): Notify wakes a stream whose buffer was empty at once, unless the
  // stream's previous round of writes (from such a wake until its buffer drained) took at
  // least `pace_min_responses` responses and began less than this long ago; then the wake
  // waits until that much time has passed, and events arriving meanwhile join the waiting
  // responses. Such a stream thus sends each watcher one response per interval instead
  // of one per commit. An isolated event, a stream with few watchers concerned, and
  // every control or progress response go out at once. 0: off. Measured with the real
  // monotonic clock: it only delays a wake, and must end in tests that use a FakeClock.
  std::chrono::microseconds write_batch_interval{10000};
  size_t pace_min_responses = 32;
  // Catch-up batches: events per EventsBetween call and watchers per round.
  size_t sync_batch_events = 1000;
  size_t sync_batch_watchers = 512;
  // How often the background syncer wakes up without being signalled (retries,
  // progress ticks).
  Clock::Duration syncer_poll_interval = std::chrono::milliseconds(100);
  // Seed of the progress jitter.
  uint64_t rng_seed = 0x5741544348ULL;
};

// Numbers for /metrics (etcd's etcd_debugging_mvcc_* watch series).
struct WatchStats {
  size_t streams = 0;            // etcd_debugging_mvcc_watch_stream_total
  size_t watchers = 0;           // etcd_debugging_mvcc_watcher_total
  size_t slow_watchers = 0;      // etcd_debugging_mvcc_slow_watcher_total (unsynced)
  uint64_t events_sent = 0;      // etcd_debugging_mvcc_events_total (queued to streams)
  size_t pending_responses = 0;  // responses waiting in send buffers
};

class WatchableStore;

namespace watch_internal {
struct StreamState;
}

// One client watch stream (one gRPC Watch call). Created by WatchableStore::NewStream.
//
// Thread safety: Create/Cancel/RequestProgress/Next may be called from any thread
// (normally the stream's gRPC reactor). Close (also run by the destructor) must not be
// called from inside `wake`.
class WatchStream {
 public:
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // Handles a create_request; the reply (created ack, or a created+canceled error) is
  // queued before any event of the new watcher.
  void Create(const etcdserverpb::WatchCreateRequest& req);
  // Refuses a create_request (e.g. permission denied): queues
  // {watch_id:-1, created:true, canceled:true, cancel_reason}.
  void RefuseCreate(const std::string& cancel_reason);
  // Handles a cancel_request: queues {watch_id, canceled} when the ID exists; an unknown
  // ID gets no reply.
  void Cancel(int64_t watch_id);
  // Handles a progress_request: queues {watch_id:-1, header.revision:current} once every
  // watcher on the stream is synced (at once when they already are).
  void RequestProgress();

  // Pops the next ready response into `out`; false when nothing is ready (`wake` is
  // called when something becomes ready).
  bool Next(etcdserverpb::WatchResponse* out);
  // The same, in wire form (watch_encoding.h); `more` tells whether another response
  // was already waiting behind this one.
  bool NextEncoded(EncodedResponse* out, bool* more);

  // Removes every watcher and stops all further `wake` calls; waits for a `wake` that
  // is running on another thread to return. Idempotent.
  void Close();

  // Number of responses waiting in the send buffer.
  size_t Pending() const;
  // Number of live watchers on this stream.
  size_t WatcherCount() const;

 private:
  friend class WatchableStore;
  WatchStream(WatchableStore* store, std::shared_ptr<watch_internal::StreamState> state)
      : store_(store), state_(std::move(state)) {}

  WatchableStore* const store_;
  const std::shared_ptr<watch_internal::StreamState> state_;
};

class WatchableStore {
 public:
  // `history` and `clock` must outlive the store. The store revision starts at
  // history->CommittedRev().
  WatchableStore(const EventHistory* history, Clock* clock, WatchOptions options = {});
  // Stops the syncer. REQUIRES: every WatchStream has been destroyed or closed.
  ~WatchableStore();
  WatchableStore(const WatchableStore&) = delete;
  WatchableStore& operator=(const WatchableStore&) = delete;

  // Opens a stream. `wake` is called (from any thread, never with a lock held) when the
  // stream has a response ready; it must not block and must not call Close.
  std::unique_ptr<WatchStream> NewStream(std::function<void()> wake);

  // --- Called by the applier ---
  // After a backend commit: `events` are those of every revision committed in the group,
  // in revision order, each with prev_kv when the key existed before; `rev` is the store
  // revision after the group (>= the last event's revision). O(matching watchers); never
  // blocks on a consumer.
  void Notify(int64_t rev, std::vector<mvccpb::Event> events);
  // After a compaction at `compact_rev`: unsynced watchers that start below it are
  // canceled with compact_revision by the syncer.
  void OnCompacted(int64_t compact_rev);
  // After the KV store was replaced wholesale (Raft snapshot install) and now stands at
  // `rev`: every watcher is resynced from history.
  void OnRestore(int64_t rev);

  // --- Background threads ---
  // Starts the syncer thread (SyncOnce + PollProgress in a loop) and the notifier thread
  // (runs the `wake` callbacks Notify produces, so the applier never does gRPC work).
  // Without Start, nothing catches up and Notify's wakes run on the caller's thread.
  void Start();
  // Stops and joins them. Idempotent.
  void Stop();
  // One catch-up round for up to sync_batch_watchers unsynced watchers (one
  // EventsBetween call). Returns true when it made progress and more may be pending.
  // Tests call it directly instead of Start().
  bool SyncOnce();
  // Runs SyncOnce until it reports no more progress (tests).
  void SyncUntilIdle();
  // Sends the periodic progress notifications that are due at clock->Now().
  void PollProgress();

  // The last revision given to Notify (or read from history at construction).
  int64_t Rev() const;
  size_t SyncedCount() const;
  size_t UnsyncedCount() const;
  WatchStats Stats() const;

 private:
  friend class WatchStream;
  using StreamPtr = std::shared_ptr<watch_internal::StreamState>;

  // WatchStream entry points.
  void CreateWatch(watch_internal::StreamState* s, const etcdserverpb::WatchCreateRequest& req);
  void RefuseWatch(watch_internal::StreamState* s, const std::string& reason);
  void CancelWatch(watch_internal::StreamState* s, int64_t watch_id);
  void RequestProgress(watch_internal::StreamState* s);
  bool NextResponse(watch_internal::StreamState* s, EncodedResponse* out, bool* more);
  void CloseStream(const StreamPtr& s);
  size_t StreamWatcherCount(watch_internal::StreamState* s) const;

  // Helpers; all REQUIRE mu_.
  void RemoveWatcherLocked(Watcher* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MakeUnsyncedLocked(Watcher* w, int64_t min_rev) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MakeSyncedLocked(Watcher* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues {watch_id:-1} if the stream asked for progress and is fully synced.
  void MaybeAnswerProgressLocked(watch_internal::StreamState* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues `resp` (split into fragments when `fragment`); with `force` the buffer limit
  // does not apply. Returns false (queues nothing) when the buffer is full. `w`: the
  // watcher an event response is for (it may coalesce later events), else null.
  bool PushLocked(watch_internal::StreamState* s, etcdserverpb::WatchResponse resp, bool fragment,
                  bool force, Watcher* w = nullptr) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // PushLocked's work, with the stream's queue mutex held by the caller; does not mark
  // the stream for waking.
  bool EnqueueLocked(watch_internal::StreamState* s, etcdserverpb::WatchResponse resp,
                     bool fragment, bool force, Watcher* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Notify's delivery to the watchers of one stream (`ws`, in creation order, each
  // with its events in w->scratch); `entries[i]` encodes events[i] (without, with
  // prev_kv). Returns false when some watcher became a victim.
  struct EventEntries {
    std::string without_prev;
    std::string with_prev;  // empty when the event has no prev_kv
  };
  bool DeliverLocked(watch_internal::StreamState* s, Watcher* const* ws, size_t n,
                     const std::vector<mvccpb::Event>& events,
                     const std::vector<EventEntries>& entries) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Remembers that `s` must be woken once mu_ is released.
  void MarkWakeLocked(watch_internal::StreamState* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Hands the streams to wake to the caller, who runs RunWakes after unlocking.
  std::vector<StreamPtr> TakeWakesLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void RunWakes(const std::vector<StreamPtr>& wakes);
  // Notify's wakes: handed to the notifier thread when it runs, else run inline.
  void DispatchWakes(std::vector<StreamPtr> wakes, std::vector<StreamPtr> paced = {});
  // Notify's wake for a stream it queued events on (`was_empty`: its buffer was empty
  // before; `last_round`: responses taken in its previous round): at once, or paced
  // (write_batch_interval).
  void WakeForEventsLocked(watch_internal::StreamState* s, bool was_empty, uint64_t last_round)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NotifierLoop();
  bool WakesOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) {
    return !wake_queue_.empty() || notifier_stopping_ || notifier_kick_;
  }
  // Also true when a paced wake arrived since the notifier last looked.
  bool WakesOrNewPaced() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) {
    return WakesOrStopping() || paced_queue_.size() != paced_seen_;
  }
  // Queues the compacted cancel for `w` and removes it.
  void CancelCompactedLocked(Watcher* w, int64_t compact_rev) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AdvanceProgressDeadlineLocked(watch_internal::StreamState* s, Clock::TimePoint now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SignalSyncer();
  void SyncLoop();
  bool WorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(work_mu_) { return work_ || stopping_; }

  const EventHistory* const history_;
  Clock* const clock_;
  const WatchOptions options_;
  const Clock::Duration progress_interval_;

  mutable absl::Mutex mu_;
  int64_t rev_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t compact_rev_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t events_sent_ ABSL_GUARDED_BY(mu_) = 0;
  WatcherIndex synced_ ABSL_GUARDED_BY(mu_);
  std::unordered_set<watch_internal::StreamState*> streams_ ABSL_GUARDED_BY(mu_);
  std::vector<StreamPtr> pending_wakes_ ABSL_GUARDED_BY(mu_);
  std::vector<StreamPtr> pending_paced_ ABSL_GUARDED_BY(mu_);  // see write_batch_interval
  // Unsynced watchers in round-robin order (key = Watcher::unsynced_key).
  std::map<uint64_t, std::shared_ptr<Watcher>> unsynced_ ABSL_GUARDED_BY(mu_);
  // Streams with at least one progress_notify watcher.
  std::unordered_set<watch_internal::StreamState*> progress_streams_ ABSL_GUARDED_BY(mu_);
  Rng rng_ ABSL_GUARDED_BY(mu_);

  // Syncer wake-ups.
  absl::Mutex work_mu_;
  bool work_ ABSL_GUARDED_BY(work_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(work_mu_) = false;
  std::thread syncer_;

  // Notify's wakes, run by the notifier thread (started by Start) so that writes to
  // gRPC (serialization, transport work) never happen on the applier's thread.
  absl::Mutex wake_mu_;
  std::vector<StreamPtr> wake_queue_ ABSL_GUARDED_BY(wake_mu_);
  // Paced wakes, each due at its stream's paced_at.
  std::vector<StreamPtr> paced_queue_ ABSL_GUARDED_BY(wake_mu_);
  bool notifier_kick_ ABSL_GUARDED_BY(wake_mu_) = false;  // a stream closes: run its wake
  size_t paced_seen_ ABSL_GUARDED_BY(wake_mu_) = 0;       // paced_queue_.size() when last looked
  bool notifier_running_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool notifier_stopping_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread notifier_;
};

}  // namespace etcd::mvcc
