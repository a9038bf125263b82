// The multi-version KV store (docs/design/mvcc.md): every write request produces one
// new store revision; each change is stored in the backend's key bucket under its
// revision {main, sub} with the full mvccpb.KeyValue, and indexed in memory by key
// (mvcc/key_index.h).
//
// Write path (applier thread only):
//   auto txn = store->Write();            // one per write request
//   txn->Put(...); txn->DeleteRange(...); // into Backend's pending batch + key index
//   events = txn->End();                  // bumps Rev() iff something was written
//   ... more requests ...
//   [store->CompactionStep() while HasCompactionWork(), bounded per batch]
//   backend->Commit(index, term);
//   store->OnCommitted(store->Rev());     // readers may now see those revisions
//   while (store->HasCompactionWork())    // also when idle: physical compaction
//     { CompactionStep(); Commit; OnCommitted }   (may interleave with new entries)
//
// Compaction is visible to the applier at once (Compact() then WriteTxn reads below it
// fail) and to readers from the OnCommitted() that follows the commit of the batch
// holding it: then the key index is compacted and the physical deletion starts. So
// readers always have CompactRev() <= CommittedRev().
//
// Reads (Range, EventsBetween, Hash, HashKV) run on any thread and see only committed
// revisions (<= CommittedRev()): they pick revisions from the key index under a shared
// lock and read values from a Backend::ReadView taken after loading CommittedRev().
//
// Thread safety: mu_ guards the key index and the compact revision: readers take it
// shared, the applier exclusively and briefly for each index update. current_rev_,
// committed_rev_, finished_compact_rev_ are atomics. Write(), Compact(),
// CompactionStep(), OnCommitted() and everything on WriteTxn: applier thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "mvcc/event_history.h"
#include "mvcc/key_index.h"
#include "mvcc/revision.h"
#include "mvccpb/kv.pb.h"
#include "storage/backend.h"

namespace etcd::mvcc {

// Meta-bucket keys owned by mvcc (8-byte big-endian values).
inline constexpr std::string_view kScheduledCompactKey = "scheduledCompactRev";
inline constexpr std::string_view kFinishedCompactKey = "finishedCompactRev";

struct KvStoreOptions {
  // Obsolete revisions deleted per CompactionStep (etcd's
  // --experimental-compaction-batch-limit).
  size_t compaction_batch_limit = 1000;
  // PUT events (WriteTxn::End) carry the key's previous version in prev_kv, which costs
  // a backend read and a parse per put of an existing key. false: PUT events never
  // carry prev_kv (DELETE events still do); a watcher that wants it reads it as etcd
  // does, with Range(key, rev = mod_revision - 1) (PrevKv below).
  bool events_prev_kv = true;
};

struct RangeOptions {
  int64_t limit = 0;        // max kvs returned; <= 0: no limit
  int64_t rev = 0;          // read revision; <= 0: the latest
  bool count_only = false;  // only `count`
  bool keys_only = false;   // kvs without values
};

struct RangeResult {
  std::vector<mvccpb::KeyValue> kvs;  // key order, at most `limit`
  int64_t count = 0;                  // live keys in range at the read revision
  int64_t rev = 0;                    // the store's revision at the time of the read (etcd's header
                                      // revision, also for a historical read)
};

struct HashKvResult {
  uint32_t hash = 0;
  int64_t compact_revision = -1;  // -1 when never compacted (etcd's HashKV)
  int64_t revision = 0;           // the revision hashed up to
  int64_t current_revision = 0;   // the store's revision (etcd's header revision)
};

class KvStore final : public EventHistory {
 public:
  // Restores the key index and the revisions from `backend` (fresh store: revision 1).
  // Resumes an unfinished compaction (HasCompactionWork()).
  static absl::StatusOr<std::unique_ptr<KvStore>> Open(storage::Backend* backend,
                                                       const KvStoreOptions& options = {});
  ~KvStore() override;

  // ---------------- any thread: committed data ----------------

  // What Put did to the key (applier thread).
  struct PutResult {
    bool existed = false;                     // the key was live before the put
    int64_t prev_lease = 0;                   // the lease of that previous version (0: none)
    std::optional<mvccpb::KeyValue> prev_kv;  // that version, only if asked for
  };

  // Live keys in [key, end) at options.rev. `end` empty: the single key; "\0": every
  // key >= key. Errors: kFutureRev (rev > CommittedRev()), kCompacted (rev < CompactRev()).
  absl::StatusOr<RangeResult> Range(std::string_view key, std::string_view end,
                                    const RangeOptions& options) const;

  absl::StatusOr<std::vector<mvccpb::Event>> EventsBetween(int64_t from_rev, int64_t to_rev,
                                                           bool prev_kv,
                                                           size_t limit) const override;
  absl::StatusOr<std::optional<mvccpb::KeyValue>> PrevKv(std::string_view key,
                                                         int64_t mod_rev) const override;
  int64_t CommittedRev() const override { return committed_rev_.load(std::memory_order_acquire); }
  int64_t CompactRev() const override;
  // etcd's FirstRev as readers see it: the compact revision, or -1 when never
  // compacted (a txn's range below it fails with kCompacted, negative revisions too).
  int64_t FirstRev() const;
  // The newest revision including applied but not yet committed writes.
  int64_t Rev() const { return current_rev_.load(std::memory_order_acquire); }
  // The newest compaction whose physical deletion is committed (0 if none): a physical
  // Compact(rev) is done when FinishedCompactRev() >= rev.
  int64_t FinishedCompactRev() const {
    return finished_compact_rev_.load(std::memory_order_acquire);
  }

  // CRC-32C of every committed key-bucket entry (Maintenance.Hash).
  absl::StatusOr<uint32_t> Hash() const;
  // Maintenance.HashKV: rev 0 = CommittedRev(). Errors: kCompacted (0 < rev <= compact
  // revision), kFutureRev (rev > CommittedRev()). Definition in docs/design/mvcc.md.
  absl::StatusOr<HashKvResult> HashKV(int64_t rev) const;

  // (key, lease) of every live key attached to a lease (lessor rebuild on restart).
  void ForEachLeasedKey(const std::function<void(const std::string& key, int64_t lease)>& fn) const;

  // ---------------- applier thread ----------------

  // One write request's transaction at revision Rev()+1. At most one open at a time;
  // End() must be called (the destructor calls it if not). Errors from the backend in
  // the middle of a transaction leave it partially applied: treat them as fatal.
  class WriteTxn {
   public:
    ~WriteTxn();
    WriteTxn(const WriteTxn&) = delete;
    WriteTxn& operator=(const WriteTxn&) = delete;

    // The revision reads in this txn see: Rev() at begin, +1 once it has written.
    int64_t Rev() const { return changed_ ? begin_rev_ + 1 : begin_rev_; }
    // FirstRev on the applier's side: includes compactions not yet committed.
    int64_t FirstRev() const { return store_->applier_compact_rev_; }
    bool HasChanges() const { return changed_; }
    // Like KvStore::Range but over applied (uncommitted) state including this txn's
    // writes; kFutureRev beyond Rev(), kCompacted below the compact revision.
    absl::StatusOr<RangeResult> Range(std::string_view key, std::string_view end,
                                      const RangeOptions& options) const;
    // Writes `key`. The result's prev_kv holds the key's previous version when it
    // existed and `want_prev_kv` is set (reading it costs a backend read).
    absl::StatusOr<PutResult> Put(std::string_view key, std::string_view value, int64_t lease,
                                  bool want_prev_kv = false);
    // Deletes the live keys in [key, end) (range rules as Range); returns their last
    // versions, in key order.
    absl::StatusOr<std::vector<mvccpb::KeyValue>> DeleteRange(std::string_view key,
                                                              std::string_view end);
    // Finishes: Rev() advances by one iff something was written. Returns the events in
    // write order (PUT: full kv; DELETE: key + mod_revision; prev_kv whenever the key
    // existed before, for a PUT only with KvStoreOptions::events_prev_kv).
    std::vector<mvccpb::Event> End();

   private:
    friend class KvStore;
    explicit WriteTxn(KvStore* store);
    KvStore* store_;
    int64_t begin_rev_;
    int64_t next_sub_ = 0;
    bool changed_ = false;
    bool ended_ = false;
    std::vector<mvccpb::Event> events_;
  };
  std::unique_ptr<WriteTxn> Write();

  // Makes revisions <= rev visible to readers; call after every Backend::Commit with
  // Rev() (also when it did not change: it completes compactions).
  void OnCommitted(int64_t rev);

  // Compacts at `rev`: kCompacted if rev <= the compact revision, kFutureRev if
  // rev > Rev(). Records it in the meta bucket (pending batch); the key index is
  // compacted by the OnCommitted() after the commit, and the physical deletion runs in
  // CompactionStep calls after that.
  absl::Status Compact(int64_t rev);
  bool HasCompactionWork() const { return job_.active; }
  // The backend's content was replaced wholesale (a Raft snapshot from the leader was
  // installed): rebuilds the key index and revisions from it, as Open does.
  absl::Status Reload();
  // Deletes up to compaction_batch_limit obsolete revisions into the pending batch; the
  // last step records the compaction as finished (visible after the next commit +
  // OnCommitted).
  absl::Status CompactionStep();

 private:
  struct CompactionJob {
    bool active = false;
    int64_t rev = 0;
    KeepSet keep;
    std::string cursor;  // next key-bucket key to examine
  };

  KvStore(storage::Backend* backend, const KvStoreOptions& options)
      : backend_(backend), options_(options) {}
  absl::Status Restore();
  // Shared Range body; `get` reads the stored kv for a revision; reads below
  // max(compact_rev_, floor) fail with kCompacted.
  using ValueGetter =
      std::function<absl::StatusOr<std::optional<std::string>>(std::string_view rev_key)>;
  absl::StatusOr<RangeResult> RangeAt(std::string_view key, std::string_view end,
                                      const RangeOptions& options, int64_t cur_rev, int64_t floor,
                                      const ValueGetter& get) const;

  storage::Backend* const backend_;
  const KvStoreOptions options_;

  mutable absl::Mutex mu_;
  KeyIndex index_ ABSL_GUARDED_BY(mu_);
  int64_t compact_rev_ ABSL_GUARDED_BY(mu_) = -1;  // -1: never compacted

  std::atomic<int64_t> current_rev_{1};
  std::atomic<int64_t> committed_rev_{1};
  std::atomic<int64_t> finished_compact_rev_{0};

  // Applier thread only.
  int64_t applier_compact_rev_ = -1;        // includes compactions not yet committed
  std::optional<int64_t> compact_pending_;  // scheduled, index not yet compacted
  CompactionJob job_;
  int64_t finish_pending_ = 0;  // compaction whose finish marker awaits a commit
  bool txn_open_ = false;
};

}  // namespace etcd::mvcc
