#include "mvcc/key_index.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <tuple>
#include <utility>

namespace etcd::mvcc {

// The header of a key's heap block. Layout:
//   simple node:  Node | [int64 lease, iff kHasLease] | key bytes
//   general node: Node | key bytes
struct KeyIndex::Node {
  static constexpr uint32_t kGeneral = 1;   // `history` is set
  static constexpr uint32_t kHasLease = 2;  // simple node with a lease
  static constexpr int kSubShift = 2;       // simple node: sub in the remaining bits
  static constexpr int64_t kMaxSub = (int64_t{1} << (32 - kSubShift)) - 1;

  uint32_t key_len;
  uint32_t bits;
  union {
    int64_t main;      // simple: the revision of the key's only put
    History* history;  // general
  };

  bool general() const { return (bits & kGeneral) != 0; }
  bool has_lease() const { return (bits & kHasLease) != 0; }
  Revision rev() const { return Revision{main, static_cast<int64_t>(bits >> kSubShift)}; }
  char* tail() { return reinterpret_cast<char*>(this + 1); }
  const char* tail() const { return reinterpret_cast<const char*>(this + 1); }
  int64_t lease() const {
    if (!has_lease()) return 0;
    int64_t l;
    std::memcpy(&l, tail(), sizeof(l));
    return l;
  }
  const char* key() const { return tail() + (has_lease() ? sizeof(int64_t) : 0); }
};

namespace {

// Index of the newest revision with main <= at_rev in `revs`, or -1.
template <typename Revs>
int64_t NewestAtOrBefore(const Revs& revs, int64_t at_rev) {
  // Reads at the latest revision (most of them) need no search.
  if (!revs.empty() && revs.back().main <= at_rev) return static_cast<int64_t>(revs.size()) - 1;
  auto it = std::partition_point(revs.begin(), revs.end(),
                                 [at_rev](const Revision& r) { return r.main <= at_rev; });
  return static_cast<int64_t>(it - revs.begin()) - 1;
}

}  // namespace

bool KeepSetContains(const KeepSet& keep, Revision rev) {
  return std::binary_search(keep.begin(), keep.end(), rev);
}

// ---------------------------------------------------------------------------
// Nodes and slots

std::string_view KeyIndex::KeyOf(const Node* n) { return std::string_view(n->key(), n->key_len); }

KeyIndex::Probe KeyIndex::MakeProbe(std::string_view key) {
  // The first 8 bytes, big-endian, zero-padded: Prefix(a) < Prefix(b) implies a < b, and
  // a < b implies Prefix(a) <= Prefix(b), so equal prefixes fall back to the full keys.
  unsigned char buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(buf, key.data(), std::min<size_t>(key.size(), 8));
  uint64_t p = 0;
  for (unsigned char c : buf) p = (p << 8) | c;
  return Probe{p, key};
}

bool KeyIndex::SlotLess::operator()(const Slot& a, const Slot& b) const {
  if (a.prefix != b.prefix) return a.prefix < b.prefix;
  return KeyOf(a.node) < KeyOf(b.node);
}
bool KeyIndex::SlotLess::operator()(const Slot& a, const Probe& b) const {
  if (a.prefix != b.prefix) return a.prefix < b.prefix;
  return KeyOf(a.node) < b.key;
}
bool KeyIndex::SlotLess::operator()(const Probe& a, const Slot& b) const {
  if (a.prefix != b.prefix) return a.prefix < b.prefix;
  return a.key < KeyOf(b.node);
}

bool KeyIndex::Matches(const Slot& slot, const Probe& probe) {
  return slot.prefix == probe.prefix && KeyOf(slot.node) == probe.key;
}

KeyIndex::Node* KeyIndex::NewSimple(std::string_view key, Revision rev, int64_t lease) {
  const size_t extra = lease != 0 ? sizeof(int64_t) : 0;
  static_assert(sizeof(Node) == 16);
  void* mem = ::operator new(sizeof(Node) + extra + key.size());
  Node* n = new (mem) Node;
  n->key_len = static_cast<uint32_t>(key.size());
  n->bits =
      (static_cast<uint32_t>(rev.sub) << Node::kSubShift) | (lease != 0 ? Node::kHasLease : 0);
  n->main = rev.main;
  if (lease != 0) std::memcpy(n->tail(), &lease, sizeof(lease));
  if (!key.empty()) std::memcpy(n->tail() + extra, key.data(), key.size());
  return n;
}

KeyIndex::Node* KeyIndex::NewGeneral(std::string_view key, History* h) {
  void* mem = ::operator new(sizeof(Node) + key.size());
  Node* n = new (mem) Node;
  n->key_len = static_cast<uint32_t>(key.size());
  n->bits = Node::kGeneral;
  n->history = h;
  if (!key.empty()) std::memcpy(n->tail(), key.data(), key.size());
  return n;
}

void KeyIndex::FreeNode(Node* n) {
  if (n->general()) delete n->history;
  n->~Node();
  ::operator delete(n);
}

KeyIndex::History& KeyIndex::MakeGeneral(const Slot& slot) {
  Node* n = slot.node;
  if (n->general()) return *n->history;
  auto h = std::make_unique<History>();
  Generation& g = h->generations.back();
  g.created = n->rev();
  g.revs.push_back(n->rev());
  g.ver = 1;
  h->lease = n->lease();
  History* raw = h.get();
  Node* general = NewGeneral(KeyOf(n), h.release());
  FreeNode(n);
  slot.node = general;
  return *raw;
}

void KeyIndex::Clear() {
  for (const Slot& s : keys_) FreeNode(s.node);
  keys_.clear();
}

KeyIndex::~KeyIndex() { Clear(); }

KeyIndex::KeyIndex(KeyIndex&& other) noexcept : keys_(std::move(other.keys_)) {
  other.keys_.clear();
}

KeyIndex& KeyIndex::operator=(KeyIndex&& other) noexcept {
  if (this != &other) {
    Clear();
    keys_ = std::move(other.keys_);
    other.keys_.clear();
  }
  return *this;
}

// ---------------------------------------------------------------------------
// Updates

void KeyIndex::Put(std::string_view key, Revision rev, int64_t lease) {
  const Probe p = MakeProbe(key);
  auto it = keys_.lower_bound(p);
  if (it == keys_.end() || !Matches(*it, p)) {
    Node* n;
    if (rev.sub >= 0 && rev.sub <= Node::kMaxSub) {
      n = NewSimple(key, rev, lease);
    } else {
      auto h = std::make_unique<History>();
      Generation& g = h->generations.back();
      g.created = rev;
      g.revs.push_back(rev);
      g.ver = 1;
      h->lease = lease;
      n = NewGeneral(key, h.release());
    }
    keys_.insert(it, Slot{p.prefix, n});
    return;
  }
  History& h = MakeGeneral(*it);
  Generation& g = h.generations.back();
  if (g.revs.empty()) {
    g.created = rev;
    g.ver = 0;
  }
  g.revs.push_back(rev);
  ++g.ver;
  h.lease = lease;
}

bool KeyIndex::Tombstone(std::string_view key, Revision rev) {
  const Probe p = MakeProbe(key);
  auto it = keys_.find(p);
  if (it == keys_.end()) return false;
  if (it->node->general() && it->node->history->generations.back().revs.empty()) return false;
  History& h = MakeGeneral(*it);
  h.generations.back().revs.push_back(rev);
  h.generations.emplace_back();
  h.lease = 0;
  return true;
}

void KeyIndex::Restore(std::string_view key, Revision created, Revision modified, int64_t version,
                       int64_t lease) {
  const Probe p = MakeProbe(key);
  auto it = keys_.lower_bound(p);
  if (it == keys_.end() || !Matches(*it, p)) {
    if (created.main == modified.main && version == 1 && modified.sub >= 0 &&
        modified.sub <= Node::kMaxSub) {
      keys_.insert(it, Slot{p.prefix, NewSimple(key, modified, lease)});
      return;
    }
    auto h = std::make_unique<History>();
    Generation& g = h->generations.back();
    g.created = created;
    g.revs.push_back(modified);
    g.ver = version;
    h->lease = lease;
    keys_.insert(it, Slot{p.prefix, NewGeneral(key, h.release())});
    return;
  }
  History& h = MakeGeneral(*it);
  Generation& g = h.generations.back();
  if (g.revs.empty()) g.created = created;
  g.revs.push_back(modified);
  g.ver = version;
  h.lease = lease;
}

// ---------------------------------------------------------------------------
// Reads

std::optional<KeyIndex::Found> KeyIndex::FindAtHistory(const History& h, int64_t at_rev) {
  const size_t n = h.generations.size();
  for (size_t gi = n; gi-- > 0;) {
    const Generation& g = h.generations[gi];
    if (g.revs.empty() || g.revs.front().main > at_rev) continue;
    const int64_t idx = NewestAtOrBefore(g.revs, at_rev);
    const int64_t last = static_cast<int64_t>(g.revs.size()) - 1;
    const bool closed = gi + 1 != n;
    if (closed && idx == last) return std::nullopt;  // the tombstone
    const int64_t newest_put = closed ? last - 1 : last;
    return Found{g.revs[idx], g.created, g.ver - (newest_put - idx)};
  }
  return std::nullopt;
}

std::optional<KeyIndex::Found> KeyIndex::FindAt(const Node* n, int64_t at_rev) {
  if (n->general()) return FindAtHistory(*n->history, at_rev);
  if (n->main > at_rev) return std::nullopt;
  return Found{n->rev(), n->rev(), 1};
}

std::optional<KeyIndex::Found> KeyIndex::Get(std::string_view key, int64_t at_rev) const {
  auto it = keys_.find(MakeProbe(key));
  if (it == keys_.end()) return std::nullopt;
  return FindAt(it->node, at_rev);
}

std::optional<KeyIndex::Found> KeyIndex::Latest(std::string_view key, int64_t* lease) const {
  auto it = keys_.find(MakeProbe(key));
  if (it == keys_.end()) return std::nullopt;
  const Node* n = it->node;
  if (!n->general()) {
    *lease = n->lease();
    return Found{n->rev(), n->rev(), 1};
  }
  const History& h = *n->history;
  const Generation& g = h.generations.back();  // the open one
  if (g.revs.empty()) return std::nullopt;     // deleted
  *lease = h.lease;
  return Found{g.revs.back(), g.created, g.ver};
}

template <typename Fn>
void KeyIndex::ForRange(std::string_view key, std::string_view end, Fn&& fn) const {
  if (end.empty()) {
    auto it = keys_.find(MakeProbe(key));
    if (it != keys_.end()) fn(it->node);
    return;
  }
  const bool to_infinity = end.size() == 1 && end[0] == '\0';
  for (auto it = keys_.lower_bound(MakeProbe(key)); it != keys_.end(); ++it) {
    if (!to_infinity && KeyOf(it->node) >= end) break;
    if (!fn(it->node)) break;
  }
}

void KeyIndex::Range(std::string_view key, std::string_view end, int64_t at_rev,
                     const RangeFn& fn) const {
  ForRange(key, end, [&](const Node* n) {
    std::optional<Found> f = FindAt(n, at_rev);
    if (!f.has_value()) return true;
    return fn(KeyOf(n), *f);
  });
}

int64_t KeyIndex::Count(std::string_view key, std::string_view end, int64_t at_rev) const {
  int64_t count = 0;
  ForRange(key, end, [&](const Node* n) {
    if (n->general() ? FindAtHistory(*n->history, at_rev).has_value() : n->main <= at_rev) {
      ++count;
    }
    return true;
  });
  return count;
}

std::optional<Revision> KeyIndex::Before(std::string_view key, Revision rev) const {
  auto it = keys_.find(MakeProbe(key));
  if (it == keys_.end()) return std::nullopt;
  // A simple node's only revision is a creation.
  if (!it->node->general()) return std::nullopt;
  const auto& gens = it->node->history->generations;
  for (size_t gi = gens.size(); gi-- > 0;) {
    const Generation& g = gens[gi];
    if (g.revs.empty() || g.revs.front() > rev) continue;
    auto r = std::lower_bound(g.revs.begin(), g.revs.end(), rev);
    if (r == g.revs.end() || *r != rev || r == g.revs.begin()) return std::nullopt;
    return *(r - 1);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Compaction

void KeyIndex::CompactPoint(const History& h, int64_t at_rev, size_t* gen, int64_t* rev_idx) {
  size_t gi = 0;
  const size_t n = h.generations.size();
  while (gi + 1 < n && h.generations[gi].revs.back().main <= at_rev) ++gi;
  *gen = gi;
  *rev_idx = NewestAtOrBefore(h.generations[gi].revs, at_rev);
}

std::optional<Revision> KeyIndex::KeptAt(const Node* n, int64_t at_rev) {
  if (!n->general()) {
    if (n->main <= at_rev) return n->rev();
    return std::nullopt;
  }
  const History& h = *n->history;
  size_t gi = 0;
  int64_t idx = -1;
  CompactPoint(h, at_rev, &gi, &idx);
  if (idx >= 0) return h.generations[gi].revs[idx];
  return std::nullopt;
}

KeepSet KeyIndex::Compact(int64_t at_rev) {
  KeepSet keep;
  for (auto it = keys_.begin(); it != keys_.end();) {
    Node* n = it->node;
    if (!n->general()) {
      if (n->main <= at_rev) keep.push_back(n->rev());
      ++it;
      continue;
    }
    History& h = *n->history;
    size_t gi = 0;
    int64_t idx = -1;
    CompactPoint(h, at_rev, &gi, &idx);
    if (gi > 0) h.generations.erase(h.generations.begin(), h.generations.begin() + gi);
    Generation& g = h.generations.front();
    if (idx >= 0) {
      if (idx > 0) g.revs.erase(g.revs.begin(), g.revs.begin() + idx);
      keep.push_back(g.revs.front());
    }
    if (h.generations.size() == 1 && g.revs.empty()) {
      FreeNode(n);
      it = keys_.erase(it);
      continue;
    }
    // Back to a simple node when only a single creating put is left.
    if (h.generations.size() == 1 && g.revs.size() == 1 && g.ver == 1 &&
        g.created.main == g.revs[0].main && g.revs[0].sub >= 0 && g.revs[0].sub <= Node::kMaxSub) {
      it->node = NewSimple(KeyOf(n), g.revs[0], h.lease);
      FreeNode(n);
    }
    ++it;
  }
  std::sort(keep.begin(), keep.end());
  return keep;
}

KeepSet KeyIndex::Keep(int64_t at_rev) const {
  KeepSet keep;
  for (const Slot& s : keys_) {
    if (std::optional<Revision> r = KeptAt(s.node, at_rev)) keep.push_back(*r);
  }
  std::sort(keep.begin(), keep.end());
  return keep;
}

void KeyIndex::ForEachLeasedKey(
    const std::function<void(std::string_view key, int64_t lease)>& fn) const {
  for (const Slot& s : keys_) {
    const Node* n = s.node;
    if (!n->general()) {
      if (n->has_lease()) fn(KeyOf(n), n->lease());
      continue;
    }
    const History& h = *n->history;
    if (h.lease != 0 && !h.generations.back().revs.empty()) fn(KeyOf(n), h.lease);
  }
}

}  // namespace etcd::mvcc
