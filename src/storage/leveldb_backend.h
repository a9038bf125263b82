// storage::Backend over LevelDB (the contract is storage/backend.h; the on-disk layout
// is docs/design/backend.md).
//
// Layout: every LevelDB key is <bucket byte> + <bucket-local key>. The meta bucket holds
// the consistent index and term (8-byte big-endian) under kConsistentIndexKey and
// kConsistentTermKey; Commit writes them in the same WriteBatch as the data.
//
// The pending batch is an ordered overlay (full key -> value, or nullopt for a delete)
// that Get/Scan merge over the database, so the applier reads its own writes before
// they are committed.
//
// Thread safety: Put/Delete/Get/Scan/Commit/CommitSync/HasPending are applier-thread
// only (external serialization, as the contract says). NewReadView, SizeBytes,
// SizeInUseBytes, ConsistentIndex, ConsistentTerm and Defragment may be called from any
// thread: they touch only the leveldb::DB (itself thread-safe) and atomics.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/filter_policy.h"
#include "leveldb/write_batch.h"
#include "storage/backend.h"

namespace etcd::storage {

// Meta-bucket keys owned by the backend.
inline constexpr std::string_view kConsistentIndexKey = "consistent_index";
inline constexpr std::string_view kConsistentTermKey = "consistent_term";

// 8-byte big-endian encoding used for every integer stored by the backend and mvcc.
std::string EncodeUint64(uint64_t v);
// Returns false when `bytes` is not exactly 8 bytes.
bool DecodeUint64(std::string_view bytes, uint64_t* v);

// Maps a leveldb::Status to an absl::Status (corruption -> DataLoss, else Internal).
absl::Status FromLevelDb(const leveldb::Status& s);

class LevelDbBackend final : public Backend {
 public:
  static absl::StatusOr<std::unique_ptr<LevelDbBackend>> OpenDb(Env* env, const std::string& dir,
                                                                const BackendOptions& options);
  ~LevelDbBackend() override;

  void Put(Bucket bucket, std::string_view key, std::string_view value) override;
  void PutOwned(Bucket bucket, std::string_view key, std::string value) override;
  void Delete(Bucket bucket, std::string_view key) override;
  absl::StatusOr<std::optional<std::string>> Get(Bucket bucket,
                                                 std::string_view key) const override;
  absl::StatusOr<bool> GetWith(Bucket bucket, std::string_view key,
                               const std::function<void(std::string_view)>& fn) const override;
  absl::Status Scan(Bucket bucket, std::string_view from, std::string_view to,
                    const ScanFn& fn) const override;
  absl::Status Commit(uint64_t consistent_index, uint64_t term) override;
  absl::Status CommitSync(uint64_t consistent_index, uint64_t term) override;
  bool HasPending() const override { return !pending_.empty(); }

  std::unique_ptr<ReadView> NewReadView() const override;
  uint64_t ConsistentIndex() const override {
    return consistent_index_.load(std::memory_order_acquire);
  }
  uint64_t ConsistentTerm() const override {
    return consistent_term_.load(std::memory_order_acquire);
  }
  int64_t SizeBytes() const override;
  int64_t SizeInUseBytes() const override;
  absl::Status Defragment() override;

  // Number of pending (uncommitted) puts and deletes (tests, metrics).
  size_t PendingCount() const { return pending_.size(); }

 private:
  LevelDbBackend(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  absl::Status DoCommit(uint64_t consistent_index, uint64_t term, bool sync);

  Env* env_;
  std::string dir_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
  // Copies of pending keys and values, in 64 KiB blocks kept from commit to commit.
  class ByteArena {
   public:
    // A copy of prefix + s that stays put until Reset.
    std::string_view Copy(std::string_view prefix, std::string_view s);
    // Forgets every copy; keeps the first few blocks for the next batch.
    void Reset();

   private:
    static constexpr size_t kBlock = 64 << 10;
    std::vector<std::unique_ptr<char[]>> blocks_;
    std::vector<std::unique_ptr<char[]>> large_;  // one per copy bigger than kBlock / 4
    size_t current_ = 0;                          // the block being filled
    size_t used_ = 0;                             // bytes used in it
  };

  // Applier thread only. Pending writes: bucket byte + key -> value (nullopt: delete).
  // Keys and values point into arena_ or owned_ until the commit that writes them.
  std::map<std::string_view, std::optional<std::string_view>, std::less<>> pending_;
  ByteArena arena_;
  std::deque<std::string> owned_;             // PutOwned values (a deque never moves its elements)
  std::optional<leveldb::WriteBatch> batch_;  // Commit's batch, kept for its buffer
  mutable std::string scratch_;               // GetWith's read buffer
  std::atomic<uint64_t> consistent_index_{0};
  std::atomic<uint64_t> consistent_term_{0};
};

}  // namespace etcd::storage
