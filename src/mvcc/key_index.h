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

#include "absl/container/btree_set.h"
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
    Revision modified;    // the newest revision <= the read revision
    Revision created;     // creation revision of its generation (only .main is meaningful)
    int64_t version = 0;  // version at `modified`
  };
  // Visitor for Range: return false to stop. `key` is valid only during the call.
  using RangeFn = std::function<bool(std::string_view key, const Found& found)>;

  KeyIndex() = default;
  ~KeyIndex();
  KeyIndex(KeyIndex&& other) noexcept;
  KeyIndex& operator=(KeyIndex&& other) noexcept;
  KeyIndex(const KeyIndex&) = delete;
  KeyIndex& operator=(const KeyIndex&) = delete;

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
  // The key's newest revision if the key is live (what Get at any revision above every
  // indexed one returns), and in *lease the lease of that put (0: none).
  std::optional<Found> Latest(std::string_view key, int64_t* lease) const;
  // Live keys at `at_rev` in [key, end), in key order. `end` empty: only `key`;
  // `end` == "\0": every key >= `key`.
  void Range(std::string_view key, std::string_view end, int64_t at_rev, const RangeFn& fn) const;
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
  void ForEachLeasedKey(const std::function<void(std::string_view key, int64_t lease)>& fn) const;
  // Total keys indexed (live or with history).
  size_t size() const { return keys_.size(); }

 private:
  // Memory layout (docs/design/mvcc.md, "Key index"): each key is one heap block, a
  // Node header followed by the key bytes. A key whose whole history is one put (one
  // open generation, version 1: the common case) keeps that revision in the header
  // ("simple" node, no further allocation); any other history lives in a History block
  // the header points to ("general" node). The ordered set holds 16-byte slots: the
  // key's first 8 bytes (big-endian, zero-padded: most comparisons end there) and the
  // node pointer.
  struct Generation {
    int64_t ver = 0;  // version of the newest put in `revs`
    Revision created;
    absl::InlinedVector<Revision, 1> revs;
  };
  struct History {
    History() : generations(1) {}
    absl::InlinedVector<Generation, 1> generations;  // never empty; back() is open
    int64_t lease = 0;                               // lease of the newest put if live
  };
  struct Node;
  struct Slot {
    uint64_t prefix;
    mutable Node* node;  // replaced (same key) when a node changes layout
  };
  // A lookup key with its prefix computed once.
  struct Probe {
    uint64_t prefix;
    std::string_view key;
  };
  struct SlotLess {
    using is_transparent = void;
    bool operator()(const Slot& a, const Slot& b) const;
    bool operator()(const Slot& a, const Probe& b) const;
    bool operator()(const Probe& a, const Slot& b) const;
  };
  using Set = absl::btree_set<Slot, SlotLess>;

  static std::string_view KeyOf(const Node* n);
  static Probe MakeProbe(std::string_view key);
  static bool Matches(const Slot& slot, const Probe& probe);
  static Node* NewSimple(std::string_view key, Revision rev, int64_t lease);
  static Node* NewGeneral(std::string_view key, History* h);
  static void FreeNode(Node* n);
  // The node's history, converting a simple node into a general one (replaces
  // slot.node).
  static History& MakeGeneral(const Slot& slot);

  static std::optional<Found> FindAt(const Node* n, int64_t at_rev);
  static std::optional<Found> FindAtHistory(const History& h, int64_t at_rev);
  // The index of the first generation not entirely at or before `at_rev`, and inside it
  // the index of the newest revision <= at_rev (or -1).
  static void CompactPoint(const History& h, int64_t at_rev, size_t* gen, int64_t* rev_idx);
  // The revision a compaction at `at_rev` keeps for the node, if any.
  static std::optional<Revision> KeptAt(const Node* n, int64_t at_rev);
  template <typename Fn>
  void ForRange(std::string_view key, std::string_view end, Fn&& fn) const;
  void Clear();

  Set keys_;
};

}  // namespace etcd::mvcc
