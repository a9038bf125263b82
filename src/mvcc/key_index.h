// The in-memory key index: key -> generations of revisions (docs/design/mvcc.md).
//
// A generation is the life of a key from a creation to its deletion: the revisions of
// its puts in order, closed by the tombstone revision of the delete. Every key has at
// least one generation; the last one is "open" (possibly empty, after a delete). In a
// closed generation the last revision is the tombstone.
//
// Compaction at revision C keeps, per key, only the newest revision <= C of the
// generation alive at C (if that revision is a put) and everything newer; generations
// that ended (tombstone) at or before C are dropped, and a key with nothing left is
// removed. The kept revisions <= C are the "keep set": the backend entries that must
// survive the physical compaction.
//
// Thread safety: none; mvcc::KvStore guards it with its mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/inlined_vector.h"
#include "mvcc/revision.h"

namespace etcd::mvcc {

// Revisions kept by a compaction, sorted ascending.
using KeepSet = std::vector<Revision>;
bool KeepSetContains(const KeepSet& keep, Revision rev);

class KeyIndex {
 public:
  // The state of a key at some revision.
  struct Found {
    Revision modified;   // the newest revision <= the read revision
    Revision created;    // creation revision of its generation
    int64_t version = 0;  // version at `modified`
  };
  // Visitor for Range: return false to stop.
  using RangeFn = std::function<bool(const std::string& key, const Found& found)>;

  // A put of `key` at `rev` (rev newer than anything indexed for it). `lease` is
  // remembered for the newest put only (ForEachLeasedKey).
  void Put(std::string_view key, Revision rev, int64_t lease);
  // A delete of a live key at `rev`; returns false (and does nothing) if the key is not
  // live at its newest revision.
  bool Tombstone(std::string_view key, Revision rev);
  // Rebuilding from the backend (revision order): a put whose stored kv says
  // create_revision=created and version=version.
  void Restore(std::string_view key, Revision created, Revision modified, int64_t version,
               int64_t lease);

  // The key as of revision `at_rev` (main), or nullopt if absent/deleted then.
  std::optional<Found> Get(std::string_view key, int64_t at_rev) const;
  // Live keys at `at_rev` in [key, end), in key order. `end` empty: only `key`;
  // `end` == "\0": every key >= `key`.
  void Range(std::string_view key, std::string_view end, int64_t at_rev,
             const RangeFn& fn) const;
  // Number of live keys at `at_rev` in [key, end) (same range rules).
  int64_t Count(std::string_view key, std::string_view end, int64_t at_rev) const;
  // The revision of `key` just before `rev` in the same generation (the previous version
  // of a put or the deleted version of a tombstone); nullopt for a creation, or when
  // `rev` is not indexed (compacted).
  std::optional<Revision> Before(std::string_view key, Revision rev) const;

  // Compacts at `at_rev` (see above) and returns the keep set.
  KeepSet Compact(int64_t at_rev);
  // The keep set a compaction at `at_rev` would produce, without compacting.
  KeepSet Keep(int64_t at_rev) const;

  // Every key whose newest revision is a put with a lease.
  void ForEachLeasedKey(const std::function<void(const std::string& key, int64_t lease)>& fn)
      const;
  // Total keys indexed (live or with history).
  size_t size() const { return keys_.size(); }

 private:
  // Inline storage for the common case (one generation, one revision) keeps a key's
  // history in one allocation (its Entry) besides a long key's string.
  struct Generation {
    int64_t ver = 0;  // version of the newest put in `revs`
    Revision created;
    absl::InlinedVector<Revision, 1> revs;
  };
  struct Entry {
    Entry() : generations(1) {}
    absl::InlinedVector<Generation, 1> generations;  // never empty; back() is open
    int64_t lease = 0;                                // lease of the newest put if live
  };

  static std::optional<Found> FindAt(const Entry& e, int64_t at_rev);
  // The index of the first generation not entirely at or before `at_rev`, and inside it
  // the index of the newest revision <= at_rev (or -1).
  static void CompactPoint(const Entry& e, int64_t at_rev, size_t* gen, int64_t* rev_idx);
  template <typename Fn>
  void ForRange(std::string_view key, std::string_view end, Fn&& fn) const;

  // Entries live out of line: a 96-byte slot would leave absl's 256-byte nodes with
  // 3 slots (a deep tree, more compares and node overhead); a 40-byte slot gives 6.
  using Map = absl::btree_map<std::string, std::unique_ptr<Entry>, std::less<>>;
  Map::iterator FindOrInsert(std::string_view key);

  Map keys_;
};

}  // namespace etcd::mvcc
