#include "storage/leveldb_backend.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "leveldb/iterator.h"
#include "leveldb/options.h"
#include "leveldb/write_batch.h"

namespace etcd::storage {
namespace {

std::string FullKey(Bucket bucket, std::string_view key) {
  std::string out;
  out.reserve(key.size() + 1);
  out.push_back(static_cast<char>(bucket));
  out.append(key);
  return out;
}

constexpr size_t kMaxRetainedBatch = 16u << 20;

// bucket+key in a stack buffer when it fits (lookups need no allocation).
class KeyBuf {
 public:
  KeyBuf(Bucket bucket, std::string_view key) {
    if (key.size() < sizeof(small_)) {
      small_[0] = static_cast<char>(bucket);
      std::memcpy(small_ + 1, key.data(), key.size());
      view_ = std::string_view(small_, key.size() + 1);
    } else {
      large_ = FullKey(bucket, key);
      view_ = large_;
    }
  }
  std::string_view view() const { return view_; }
  leveldb::Slice slice() const { return leveldb::Slice(view_.data(), view_.size()); }

 private:
  char small_[64];
  std::string large_;
  std::string_view view_;
};

// The exclusive upper bound of a scan: bucket+to, or the first key after the bucket.
std::string ScanEnd(Bucket bucket, std::string_view to) {
  if (!to.empty()) return FullKey(bucket, to);
  return std::string(1, static_cast<char>(static_cast<unsigned char>(bucket) + 1));
}

std::string_view ToView(const leveldb::Slice& s) { return std::string_view(s.data(), s.size()); }

class LevelDbReadView final : public ReadView {
 public:
  LevelDbReadView(leveldb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~LevelDbReadView() override { db_->ReleaseSnapshot(snapshot_); }

  absl::StatusOr<std::optional<std::string>> Get(Bucket bucket,
                                                 std::string_view key) const override {
    leveldb::ReadOptions ro;
    ro.snapshot = snapshot_;
    std::string value;
    leveldb::Status s = db_->Get(ro, KeyBuf(bucket, key).slice(), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromLevelDb(s);
    return std::optional<std::string>(std::move(value));
  }

  absl::Status Scan(Bucket bucket, std::string_view from, std::string_view to,
                    const ScanFn& fn) const override {
    leveldb::ReadOptions ro;
    ro.snapshot = snapshot_;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
    const std::string end = ScanEnd(bucket, to);
    for (it->Seek(FullKey(bucket, from)); it->Valid(); it->Next()) {
      std::string_view k = ToView(it->key());
      if (k >= end) break;
      if (!fn(k.substr(1), ToView(it->value()))) break;
    }
    return FromLevelDb(it->status());
  }

 private:
  leveldb::DB* db_;
  const leveldb::Snapshot* snapshot_;
};

// True when `dir` holds no database yet: absent, or no CURRENT file and no log or table
// (only LevelDB's own LOG/LOCK files may be left by an earlier attempt).
bool IsNewDatabase(Env* env, const std::string& dir) {
  std::vector<std::string> children;
  if (!env->GetChildren(dir, &children).ok()) return true;
  for (const std::string& c : children) {
    if (c == "." || c == ".." || c == "LOG" || c == "LOG.old" || c == "LOCK") continue;
    return false;
  }
  return true;
}

}  // namespace

std::string EncodeUint64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

bool DecodeUint64(std::string_view bytes, uint64_t* v) {
  if (bytes.size() != 8) return false;
  uint64_t r = 0;
  for (char c : bytes) r = (r << 8) | static_cast<unsigned char>(c);
  *v = r;
  return true;
}

absl::Status FromLevelDb(const leveldb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsCorruption()) return absl::DataLossError("leveldb: " + s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError("leveldb: " + s.ToString());
  return absl::InternalError("leveldb: " + s.ToString());
}

absl::StatusOr<std::unique_ptr<Backend>> Backend::Open(Env* env, const std::string& dir,
                                                       const BackendOptions& options) {
  ASSIGN_OR_RETURN(auto b, LevelDbBackend::OpenDb(env, dir, options));
  return std::unique_ptr<Backend>(std::move(b));
}

absl::StatusOr<std::unique_ptr<LevelDbBackend>> LevelDbBackend::OpenDb(
    Env* env, const std::string& dir, const BackendOptions& options) {
  std::unique_ptr<LevelDbBackend> b(new LevelDbBackend(env, dir));
  b->cache_.reset(leveldb::NewLRUCache(options.block_cache_bytes));
  b->filter_.reset(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options lo;
  lo.env = env;
  lo.create_if_missing = options.create_if_missing;
  lo.block_cache = b->cache_.get();
  lo.write_buffer_size = options.write_buffer_bytes;
  lo.filter_policy = b->filter_.get();
  lo.compression = leveldb::kSnappyCompression;
  // Never reuse_logs when opening an existing database: after a torn log tail LevelDB
  // would append new records behind the torn bytes and drop them at the next recovery
  // (synced data lost; reproduced with FaultEnv). Reopening rewrites the last log into a
  // table instead. Creating a new database is the exception: there is no log to reuse,
  // and reuse_logs then also keeps the MANIFEST that creation just wrote and synced
  // instead of writing and syncing a second one (3 of the 6 fsyncs of a fresh start).
  lo.reuse_logs = options.create_if_missing && IsNewDatabase(env, dir);
  leveldb::DB* db = nullptr;
  RETURN_IF_ERROR(FromLevelDb(leveldb::DB::Open(lo, dir, &db)));
  b->db_.reset(db);

  for (auto [key, target] : {std::pair{kConsistentIndexKey, &b->consistent_index_},
                             std::pair{kConsistentTermKey, &b->consistent_term_}}) {
    std::string value;
    leveldb::Status s = db->Get(leveldb::ReadOptions(), FullKey(Bucket::kMeta, key), &value);
    if (s.IsNotFound()) continue;
    RETURN_IF_ERROR(FromLevelDb(s));
    uint64_t v = 0;
    if (!DecodeUint64(value, &v)) {
      return absl::DataLossError("backend: malformed meta key " + std::string(key));
    }
    target->store(v, std::memory_order_release);
  }
  return b;
}

LevelDbBackend::~LevelDbBackend() {
  db_.reset();  // before the cache and filter it uses
}

std::string_view LevelDbBackend::ByteArena::Copy(std::string_view prefix, std::string_view s) {
  const size_t n = prefix.size() + s.size();
  char* out;
  if (n > kBlock / 4) {
    large_.emplace_back(new char[n]);
    out = large_.back().get();
  } else {
    if (blocks_.empty() || used_ + n > kBlock) {  // on to the next block
      const size_t next = blocks_.empty() ? 0 : current_ + 1;
      if (next == blocks_.size()) blocks_.emplace_back(new char[kBlock]);
      current_ = next;
      used_ = 0;
    }
    out = blocks_[current_].get() + used_;
    used_ += n;
  }
  if (!prefix.empty()) std::memcpy(out, prefix.data(), prefix.size());
  if (!s.empty()) std::memcpy(out + prefix.size(), s.data(), s.size());
  return std::string_view(out, n);
}

void LevelDbBackend::ByteArena::Reset() {
  constexpr size_t kKeep = 4;  // 256 KiB
  if (blocks_.size() > kKeep) blocks_.resize(kKeep);
  large_.clear();
  current_ = 0;
  used_ = 0;
}

void LevelDbBackend::Put(Bucket bucket, std::string_view key, std::string_view value) {
  const char b = static_cast<char>(bucket);
  pending_.insert_or_assign(arena_.Copy(std::string_view(&b, 1), key),
                            std::optional<std::string_view>(arena_.Copy({}, value)));
}

void LevelDbBackend::PutOwned(Bucket bucket, std::string_view key, std::string value) {
  const char b = static_cast<char>(bucket);
  std::string_view v;
  if (value.size() < sizeof(std::string)) {
    v = arena_.Copy({}, value);  // a short string lives inside its object: copy it
  } else {
    v = owned_.emplace_back(std::move(value));
  }
  pending_.insert_or_assign(arena_.Copy(std::string_view(&b, 1), key),
                            std::optional<std::string_view>(v));
}

void LevelDbBackend::Delete(Bucket bucket, std::string_view key) {
  const char b = static_cast<char>(bucket);
  pending_.insert_or_assign(arena_.Copy(std::string_view(&b, 1), key),
                            std::optional<std::string_view>());
}

absl::StatusOr<std::optional<std::string>> LevelDbBackend::Get(Bucket bucket,
                                                               std::string_view key) const {
  const KeyBuf full(bucket, key);
  auto it = pending_.find(full.view());
  if (it != pending_.end()) {
    if (!it->second.has_value()) return std::optional<std::string>();
    return std::optional<std::string>(std::string(*it->second));
  }
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), full.slice(), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromLevelDb(s);
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<bool> LevelDbBackend::GetWith(
    Bucket bucket, std::string_view key, const std::function<void(std::string_view)>& fn) const {
  const KeyBuf full(bucket, key);
  auto it = pending_.find(full.view());
  if (it != pending_.end()) {
    if (!it->second.has_value()) return false;
    fn(*it->second);
    return true;
  }
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), full.slice(), &scratch_);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromLevelDb(s);
  fn(scratch_);
  if (scratch_.capacity() > (1u << 20)) std::string().swap(scratch_);
  return true;
}

absl::Status LevelDbBackend::Scan(Bucket bucket, std::string_view from, std::string_view to,
                                  const ScanFn& fn) const {
  const std::string start = FullKey(bucket, from);
  const std::string end = ScanEnd(bucket, to);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(start);
  auto ov = pending_.lower_bound(std::string_view(start));
  while (true) {
    const bool db_ok = it->Valid() && ToView(it->key()) < end;
    const bool ov_ok = ov != pending_.end() && ov->first < std::string_view(end);
    if (!db_ok && !ov_ok) break;
    if (ov_ok && (!db_ok || std::string_view(ov->first) <= ToView(it->key()))) {
      if (db_ok && std::string_view(ov->first) == ToView(it->key())) it->Next();
      const auto& entry = *ov;
      ++ov;
      if (entry.second.has_value() && !fn(std::string_view(entry.first).substr(1), *entry.second)) {
        break;
      }
      continue;
    }
    if (!fn(ToView(it->key()).substr(1), ToView(it->value()))) break;
    it->Next();
  }
  return FromLevelDb(it->status());
}

absl::Status LevelDbBackend::Commit(uint64_t consistent_index, uint64_t term) {
  return DoCommit(consistent_index, term, /*sync=*/false);
}

absl::Status LevelDbBackend::CommitSync(uint64_t consistent_index, uint64_t term) {
  return DoCommit(consistent_index, term, /*sync=*/true);
}

absl::Status LevelDbBackend::DoCommit(uint64_t consistent_index, uint64_t term, bool sync) {
  // The batch's buffer is reused (no fresh pages per commit) unless a huge commit grew
  // it past kMaxRetainedBatch.
  if (!batch_.has_value()) batch_.emplace();
  leveldb::WriteBatch& batch = *batch_;
  for (const auto& [key, value] : pending_) {
    if (value.has_value()) {
      batch.Put(leveldb::Slice(key.data(), key.size()),
                leveldb::Slice(value->data(), value->size()));
    } else {
      batch.Delete(leveldb::Slice(key.data(), key.size()));
    }
  }
  batch.Put(FullKey(Bucket::kMeta, kConsistentIndexKey), EncodeUint64(consistent_index));
  batch.Put(FullKey(Bucket::kMeta, kConsistentTermKey), EncodeUint64(term));
  leveldb::WriteOptions wo;
  wo.sync = sync;
  leveldb::Status ws = db_->Write(wo, &batch);
  if (batch.ApproximateSize() > kMaxRetainedBatch) {
    batch_.reset();
  } else {
    batch.Clear();
  }
  RETURN_IF_ERROR(FromLevelDb(ws));
  pending_.clear();
  owned_.clear();
  arena_.Reset();
  consistent_index_.store(consistent_index, std::memory_order_release);
  consistent_term_.store(term, std::memory_order_release);
  return absl::OkStatus();
}

std::unique_ptr<ReadView> LevelDbBackend::NewReadView() const {
  return std::make_unique<LevelDbReadView>(db_.get());
}

int64_t LevelDbBackend::SizeBytes() const {
  std::vector<std::string> children;
  if (!env_->GetChildren(dir_, &children).ok()) return 0;
  int64_t total = 0;
  for (const std::string& name : children) {
    uint64_t size = 0;
    if (env_->GetFileSize(dir_ + "/" + name, &size).ok()) total += static_cast<int64_t>(size);
  }
  return total;
}

int64_t LevelDbBackend::SizeInUseBytes() const {
  // Live data = what the table files hold for our key range plus what is still only in
  // the write-ahead log (the memtable): GetApproximateSizes sees table files only, so a
  // fresh store would otherwise report 0 (etcd never reports 0 in use).
  leveldb::Range all(leveldb::Slice("\x00", 1), leveldb::Slice("\xff\xff", 2));
  uint64_t size = 0;
  db_->GetApproximateSizes(&all, 1, &size);
  std::vector<std::string> children;
  if (env_->GetChildren(dir_, &children).ok()) {
    for (const std::string& name : children) {
      uint64_t log_size = 0;
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0 &&
          env_->GetFileSize(dir_ + "/" + name, &log_size).ok()) {
        size += log_size;
      }
    }
  }
  return std::min<int64_t>(static_cast<int64_t>(size), SizeBytes());
}

absl::Status LevelDbBackend::Defragment() {
  db_->CompactRange(nullptr, nullptr);
  return absl::OkStatus();
}

}  // namespace etcd::storage
