#include "mvcc/kv_store.h"

#include <algorithm>
#include <utility>

#include "common/crc32c.h"
#include "common/errors.h"
#include "storage/leveldb_backend.h"

namespace etcd::mvcc {
namespace {

using storage::Bucket;

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError("mvcc: " + std::string(what));
}

absl::StatusOr<int64_t> ReadMetaInt(const storage::Backend& b, std::string_view key) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, b.Get(Bucket::kMeta, key));
  if (!v.has_value()) return int64_t{-1};
  uint64_t out = 0;
  if (!storage::DecodeUint64(*v, &out)) return Corrupt("malformed meta " + std::string(key));
  return static_cast<int64_t>(out);
}

// The fields of a stored mvccpb.KeyValue that restoring the index needs, read straight
// from the wire bytes (no copy of the value; Open stays fast with many keys).
struct KvMeta {
  std::string_view key;
  int64_t create_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
};

bool ReadVarint(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    const uint8_t b = static_cast<uint8_t>(*(*p)++);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool ParseKvMeta(std::string_view in, KvMeta* out) {
  *out = KvMeta{};
  const char* p = in.data();
  const char* end = p + in.size();
  while (p < end) {
    uint64_t tag = 0;
    if (!ReadVarint(&p, end, &tag)) return false;
    const uint64_t field = tag >> 3;
    switch (tag & 7) {
      case 0: {  // varint
        uint64_t v = 0;
        if (!ReadVarint(&p, end, &v)) return false;
        if (field == 2) out->create_revision = static_cast<int64_t>(v);
        if (field == 4) out->version = static_cast<int64_t>(v);
        if (field == 6) out->lease = static_cast<int64_t>(v);
        break;
      }
      case 2: {  // length-delimited
        uint64_t len = 0;
        if (!ReadVarint(&p, end, &len) || len > static_cast<uint64_t>(end - p)) return false;
        if (field == 1) out->key = std::string_view(p, len);
        p += len;
        break;
      }
      case 1:  // fixed64
        if (end - p < 8) return false;
        p += 8;
        break;
      case 5:  // fixed32
        if (end - p < 4) return false;
        p += 4;
        break;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// Open / restore

absl::StatusOr<std::unique_ptr<KvStore>> KvStore::Open(storage::Backend* backend,
                                                       const KvStoreOptions& options) {
  std::unique_ptr<KvStore> s(new KvStore(backend, options));
  RETURN_IF_ERROR(s->Restore());
  return s;
}

KvStore::~KvStore() = default;

absl::Status KvStore::Reload() {
  job_ = CompactionJob{};
  return Restore();
}

absl::Status KvStore::Restore() {
  ASSIGN_OR_RETURN(int64_t scheduled, ReadMetaInt(*backend_, kScheduledCompactKey));
  ASSIGN_OR_RETURN(int64_t finished, ReadMetaInt(*backend_, kFinishedCompactKey));

  KeyIndex index;
  int64_t last_rev = 1;
  absl::Status bad;
  KvMeta kv;
  RETURN_IF_ERROR(backend_->Scan(Bucket::kKey, "", "", [&](std::string_view k, std::string_view v) {
    Revision rev;
    bool tombstone = false;
    if (!DecodeRevision(k, &rev, &tombstone) || !ParseKvMeta(v, &kv)) {
      bad = Corrupt("malformed key-bucket entry");
      return false;
    }
    if (tombstone) {
      index.Tombstone(kv.key, rev);
    } else {
      index.Restore(kv.key, Revision{kv.create_revision, 0}, rev, kv.version, kv.lease);
    }
    last_rev = std::max(last_rev, rev.main);
    return true;
  }));
  RETURN_IF_ERROR(bad);

  if (scheduled >= 0) {
    index.Compact(scheduled);
    last_rev = std::max(last_rev, scheduled);
    if (finished < scheduled) {
      job_.active = true;
      job_.rev = scheduled;
      job_.keep = index.Keep(scheduled);
      job_.cursor.clear();
    }
  }
  {
    absl::MutexLock l(&mu_);
    index_ = std::move(index);
    compact_rev_ = scheduled;
  }
  applier_compact_rev_ = scheduled;
  current_rev_.store(last_rev, std::memory_order_release);
  committed_rev_.store(last_rev, std::memory_order_release);
  finished_compact_rev_.store(std::max<int64_t>(finished, 0), std::memory_order_release);
  return absl::OkStatus();
}

int64_t KvStore::CompactRev() const {
  absl::ReaderMutexLock l(&mu_);
  return std::max<int64_t>(compact_rev_, 0);
}

int64_t KvStore::FirstRev() const {
  absl::ReaderMutexLock l(&mu_);
  return compact_rev_;
}

// ---------------------------------------------------------------------------
// Reads

absl::StatusOr<RangeResult> KvStore::RangeAt(std::string_view key, std::string_view end,
                                             const RangeOptions& options, int64_t cur_rev,
                                             int64_t floor, const ValueGetter& get) const {
  const int64_t at = options.rev <= 0 ? cur_rev : options.rev;
  if (at > cur_rev) return errors::Make(errors::Err::kFutureRev);
  RangeResult result;
  result.rev = cur_rev;
  std::vector<std::pair<std::string, Revision>> hits;
  {
    absl::ReaderMutexLock l(&mu_);
    if (at < std::max(compact_rev_, floor)) return errors::Make(errors::Err::kCompacted);
    if (options.count_only) {
      result.count = index_.Count(key, end, at);
      return result;
    }
    const size_t limit =
        options.limit > 0 ? static_cast<size_t>(options.limit) : static_cast<size_t>(-1);
    int64_t count = 0;
    index_.Range(key, end, at, [&](std::string_view k, const KeyIndex::Found& f) {
      ++count;
      if (hits.size() < limit) hits.emplace_back(k, f.modified);
      return true;
    });
    result.count = count;
  }
  result.kvs.reserve(hits.size());
  for (const auto& [k, rev] : hits) {
    ASSIGN_OR_RETURN(std::optional<std::string> raw, get(RevisionKey(rev).view()));
    if (!raw.has_value()) return Corrupt("indexed revision missing from the backend");
    mvccpb::KeyValue& kv = result.kvs.emplace_back();
    if (!kv.ParseFromString(*raw)) return Corrupt("malformed kv");
    if (options.keys_only) kv.clear_value();
  }
  return result;
}

absl::StatusOr<RangeResult> KvStore::Range(std::string_view key, std::string_view end,
                                           const RangeOptions& options) const {
  for (int attempt = 0;; ++attempt) {
    const int64_t cur = CommittedRev();
    std::unique_ptr<storage::ReadView> view = backend_->NewReadView();
    absl::StatusOr<RangeResult> r =
        RangeAt(key, end, options, cur, -1,
                [&view](std::string_view rev_key) { return view->Get(Bucket::kKey, rev_key); });
    // A read of the latest revision raced with a compaction published after it loaded
    // CommittedRev(): CommittedRev() >= CompactRev() now, so reading again succeeds.
    if (options.rev <= 0 && attempt < 8 && errors::Is(r.status(), errors::Err::kCompacted)) {
      continue;
    }
    return r;
  }
}

absl::StatusOr<std::vector<mvccpb::Event>> KvStore::EventsBetween(int64_t from_rev, int64_t to_rev,
                                                                  bool prev_kv,
                                                                  size_t limit) const {
  const int64_t cur = CommittedRev();
  std::unique_ptr<storage::ReadView> view = backend_->NewReadView();
  {
    absl::ReaderMutexLock l(&mu_);
    if (compact_rev_ >= 0 && from_rev < compact_rev_) {
      return errors::Make(errors::Err::kCompacted);
    }
  }
  from_rev = std::max<int64_t>(from_rev, 1);
  to_rev = std::min(to_rev, cur);
  std::vector<mvccpb::Event> out;
  if (from_rev > to_rev) return out;

  std::vector<mvccpb::Event> current;  // the events of one revision
  int64_t current_rev = 0;
  bool full = false;
  auto flush = [&]() {
    if (current.empty()) return;
    if (limit > 0 && !out.empty() && out.size() + current.size() > limit) {
      full = true;
      return;
    }
    for (auto& e : current) out.push_back(std::move(e));
    current.clear();
  };
  absl::Status bad;
  RETURN_IF_ERROR(
      view->Scan(Bucket::kKey, RevisionFloor(from_rev), RevisionFloor(to_rev + 1),
                 [&](std::string_view k, std::string_view v) {
                   Revision rev;
                   bool tombstone = false;
                   mvccpb::Event ev;
                   if (!DecodeRevision(k, &rev, &tombstone) ||
                       !ev.mutable_kv()->ParseFromArray(v.data(), static_cast<int>(v.size()))) {
                     bad = Corrupt("malformed key-bucket entry");
                     return false;
                   }
                   if (rev.main != current_rev) {
                     flush();
                     if (full) return false;
                     current_rev = rev.main;
                   }
                   if (tombstone) {
                     ev.set_type(mvccpb::Event::DELETE);
                     mvccpb::KeyValue* kv = ev.mutable_kv();
                     std::string key = std::move(*kv->mutable_key());
                     kv->Clear();
                     kv->set_key(std::move(key));
                     kv->set_mod_revision(rev.main);
                   } else {
                     ev.set_type(mvccpb::Event::PUT);
                   }
                   // Stash the sub revision in prev_kv's mod_revision until prev lookup below.
                   if (prev_kv) ev.mutable_prev_kv()->set_mod_revision(rev.sub);
                   current.push_back(std::move(ev));
                   return true;
                 }));
  RETURN_IF_ERROR(bad);
  if (!full) flush();

  if (prev_kv) {
    std::vector<std::optional<Revision>> prev(out.size());
    {
      absl::ReaderMutexLock l(&mu_);
      for (size_t i = 0; i < out.size(); ++i) {
        const Revision rev{out[i].kv().mod_revision(), out[i].prev_kv().mod_revision()};
        prev[i] = index_.Before(out[i].kv().key(), rev);
      }
    }
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].clear_prev_kv();
      if (!prev[i].has_value()) continue;
      ASSIGN_OR_RETURN(std::optional<std::string> raw,
                       view->Get(Bucket::kKey, RevisionKey(*prev[i]).view()));
      if (!raw.has_value()) continue;  // compacted meanwhile
      if (!out[i].mutable_prev_kv()->ParseFromString(*raw)) return Corrupt("malformed kv");
    }
  }
  return out;
}

absl::StatusOr<std::optional<mvccpb::KeyValue>> KvStore::PrevKv(std::string_view key,
                                                                int64_t mod_rev) const {
  std::optional<mvccpb::KeyValue> out;
  if (mod_rev <= 1) return out;
  absl::StatusOr<RangeResult> r = Range(key, "", RangeOptions{.rev = mod_rev - 1});
  if (!r.ok()) {
    if (errors::Is(r.status(), errors::Err::kCompacted)) return out;
    return r.status();
  }
  if (!r->kvs.empty()) out = std::move(r->kvs.front());
  return out;
}

absl::StatusOr<uint32_t> KvStore::Hash() const {
  std::unique_ptr<storage::ReadView> view = backend_->NewReadView();
  uint32_t crc = crc32c::Extend(0, "key");
  RETURN_IF_ERROR(view->Scan(Bucket::kKey, "", "", [&](std::string_view k, std::string_view v) {
    crc = crc32c::Extend(crc, k);
    crc = crc32c::Extend(crc, v);
    return true;
  }));
  return crc;
}

absl::StatusOr<HashKvResult> KvStore::HashKV(int64_t rev) const {
  int64_t cur = 0;
  std::unique_ptr<storage::ReadView> view;
  HashKvResult result;
  KeepSet keep;
  for (int attempt = 0;; ++attempt) {
    cur = CommittedRev();
    view = backend_->NewReadView();
    absl::ReaderMutexLock l(&mu_);
    result.compact_revision = compact_rev_;
    if (rev > 0 && compact_rev_ >= 0 && rev <= compact_rev_) {
      return errors::Make(errors::Err::kCompacted);
    }
    if (rev > cur) return errors::Make(errors::Err::kFutureRev);
    if (rev <= 0 && cur < compact_rev_ && attempt < 8) continue;  // raced a compaction
    if (compact_rev_ >= 0) keep = index_.Keep(compact_rev_);
    break;
  }
  if (rev <= 0) rev = cur;
  result.revision = rev;
  result.current_revision = cur;
  const int64_t compact = result.compact_revision;
  uint32_t crc = crc32c::Extend(0, "key");
  RETURN_IF_ERROR(view->Scan(Bucket::kKey, "", RevisionFloor(rev + 1),
                             [&](std::string_view k, std::string_view v) {
                               Revision r;
                               bool tombstone = false;
                               if (!DecodeRevision(k, &r, &tombstone)) return true;
                               if (r.main <= compact && !KeepSetContains(keep, r)) return true;
                               crc = crc32c::Extend(crc, k);
                               crc = crc32c::Extend(crc, v);
                               return true;
                             }));
  result.hash = crc;
  return result;
}

void KvStore::ForEachLeasedKey(
    const std::function<void(const std::string& key, int64_t lease)>& fn) const {
  absl::ReaderMutexLock l(&mu_);
  index_.ForEachLeasedKey(
      [&](std::string_view key, int64_t lease) { fn(std::string(key), lease); });
}

// ---------------------------------------------------------------------------
// Writes

std::unique_ptr<KvStore::WriteTxn> KvStore::Write() {
  return std::unique_ptr<WriteTxn>(new WriteTxn(this));
}

KvStore::WriteTxn::WriteTxn(KvStore* store) : store_(store), begin_rev_(store->Rev()) {
  store_->txn_open_ = true;
}

KvStore::WriteTxn::~WriteTxn() {
  if (!ended_) End();
}

absl::StatusOr<RangeResult> KvStore::WriteTxn::Range(std::string_view key, std::string_view end,
                                                     const RangeOptions& options) const {
  storage::Backend* b = store_->backend_;
  return store_->RangeAt(key, end, options, Rev(), FirstRev(),
                         [b](std::string_view rev_key) { return b->Get(Bucket::kKey, rev_key); });
}

absl::StatusOr<KvStore::PutResult> KvStore::WriteTxn::Put(std::string_view key,
                                                          std::string_view value, int64_t lease,
                                                          bool want_prev_kv) {
  const int64_t rev = begin_rev_ + 1;
  PutResult result;
  std::optional<KeyIndex::Found> found;
  {
    absl::ReaderMutexLock l(&store_->mu_);
    found = store_->index_.Latest(key, &result.prev_lease);
  }
  mvccpb::Event ev;
  ev.set_type(mvccpb::Event::PUT);
  mvccpb::KeyValue* kv = ev.mutable_kv();
  kv->set_key(key.data(), key.size());
  kv->set_mod_revision(rev);
  kv->set_value(value.data(), value.size());
  kv->set_lease(lease);
  if (found.has_value()) {
    result.existed = true;
    kv->set_create_revision(found->created.main);
    kv->set_version(found->version + 1);
    const bool for_event = store_->options_.events_prev_kv;
    if (for_event || want_prev_kv) {
      mvccpb::KeyValue* prev = for_event ? ev.mutable_prev_kv() : &result.prev_kv.emplace();
      bool parsed = false;
      ASSIGN_OR_RETURN(bool present,
                       store_->backend_->GetWith(Bucket::kKey, RevisionKey(found->modified).view(),
                                                 [prev, &parsed](std::string_view raw) {
                                                   parsed = prev->ParseFromArray(
                                                       raw.data(), static_cast<int>(raw.size()));
                                                 }));
      if (!present) return Corrupt("indexed revision missing from the backend");
      if (!parsed) return Corrupt("malformed kv");
      if (for_event && want_prev_kv) result.prev_kv = *prev;
    }
  } else {
    kv->set_create_revision(rev);
    kv->set_version(1);
  }
  const Revision r{rev, next_sub_++};
  store_->backend_->PutOwned(Bucket::kKey, RevisionKey(r).view(), kv->SerializeAsString());
  {
    absl::MutexLock l(&store_->mu_);
    store_->index_.Put(key, r, lease);
  }
  changed_ = true;
  events_.push_back(std::move(ev));
  return result;
}

absl::StatusOr<std::vector<mvccpb::KeyValue>> KvStore::WriteTxn::DeleteRange(std::string_view key,
                                                                             std::string_view end) {
  const int64_t rev = begin_rev_ + 1;
  std::vector<std::pair<std::string, Revision>> live;
  {
    absl::ReaderMutexLock l(&store_->mu_);
    store_->index_.Range(key, end, rev, [&](std::string_view k, const KeyIndex::Found& f) {
      live.emplace_back(k, f.modified);
      return true;
    });
  }
  std::vector<mvccpb::KeyValue> deleted;
  deleted.reserve(live.size());
  for (const auto& [k, modified] : live) {
    ASSIGN_OR_RETURN(std::optional<std::string> raw,
                     store_->backend_->Get(Bucket::kKey, RevisionKey(modified).view()));
    if (!raw.has_value()) return Corrupt("indexed revision missing from the backend");
    mvccpb::Event ev;
    ev.set_type(mvccpb::Event::DELETE);
    if (!ev.mutable_prev_kv()->ParseFromString(*raw)) return Corrupt("malformed kv");
    ev.mutable_kv()->set_key(k);
    ev.mutable_kv()->set_mod_revision(rev);
    const Revision r{rev, next_sub_++};
    store_->backend_->Put(Bucket::kKey, EncodeRevision(r, /*tombstone=*/true),
                          ev.kv().SerializeAsString());
    {
      absl::MutexLock l(&store_->mu_);
      store_->index_.Tombstone(k, r);
    }
    changed_ = true;
    deleted.push_back(ev.prev_kv());
    events_.push_back(std::move(ev));
  }
  return deleted;
}

std::vector<mvccpb::Event> KvStore::WriteTxn::End() {
  if (ended_) return {};
  ended_ = true;
  store_->txn_open_ = false;
  if (changed_) store_->current_rev_.store(begin_rev_ + 1, std::memory_order_release);
  return std::move(events_);
}

void KvStore::OnCommitted(int64_t rev) {
  const int64_t committed = std::min(rev, Rev());
  if (committed > committed_rev_.load(std::memory_order_relaxed)) {
    committed_rev_.store(committed, std::memory_order_release);
  }
  if (compact_pending_.has_value() && *compact_pending_ <= CommittedRev()) {
    const int64_t at = *compact_pending_;
    compact_pending_.reset();
    KeepSet keep;
    {
      absl::MutexLock l(&mu_);
      keep = index_.Compact(at);
      compact_rev_ = at;
    }
    job_.active = true;
    job_.rev = at;
    job_.keep = std::move(keep);
    job_.cursor.clear();
  }
  if (finish_pending_ > 0 && !backend_->HasPending()) {
    if (finish_pending_ > finished_compact_rev_.load(std::memory_order_relaxed)) {
      finished_compact_rev_.store(finish_pending_, std::memory_order_release);
    }
    finish_pending_ = 0;
  }
}

// ---------------------------------------------------------------------------
// Compaction

absl::Status KvStore::Compact(int64_t rev) {
  if (rev <= applier_compact_rev_) return errors::Make(errors::Err::kCompacted);
  if (rev > Rev()) return errors::Make(errors::Err::kFutureRev);
  backend_->Put(Bucket::kMeta, kScheduledCompactKey, storage::EncodeUint64(rev));
  applier_compact_rev_ = rev;
  compact_pending_ = rev;
  return absl::OkStatus();
}

absl::Status KvStore::CompactionStep() {
  if (!job_.active) return absl::OkStatus();
  const size_t limit = std::max<size_t>(options_.compaction_batch_limit, 1);
  std::vector<std::string> doomed;
  std::string next_cursor;
  bool more = false;
  absl::Status bad;
  RETURN_IF_ERROR(backend_->Scan(Bucket::kKey, job_.cursor, RevisionFloor(job_.rev + 1),
                                 [&](std::string_view k, std::string_view) {
                                   Revision r;
                                   bool tombstone = false;
                                   if (!DecodeRevision(k, &r, &tombstone)) {
                                     bad = Corrupt("malformed key-bucket key");
                                     return false;
                                   }
                                   if (KeepSetContains(job_.keep, r)) return true;
                                   if (doomed.size() >= limit) {
                                     next_cursor.assign(k);
                                     more = true;
                                     return false;
                                   }
                                   doomed.emplace_back(k);
                                   return true;
                                 }));
  RETURN_IF_ERROR(bad);
  for (const std::string& k : doomed) backend_->Delete(Bucket::kKey, k);
  if (more) {
    job_.cursor = std::move(next_cursor);
    return absl::OkStatus();
  }
  backend_->Put(Bucket::kMeta, kFinishedCompactKey, storage::EncodeUint64(job_.rev));
  finish_pending_ = job_.rev;
  job_ = CompactionJob{};
  return absl::OkStatus();
}

}  // namespace etcd::mvcc
