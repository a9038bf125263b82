#include "mvcc/key_index.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace etcd::mvcc {
namespace {

// Index of the newest revision with main <= at_rev in `revs`, or -1.
template <typename Revs>
int64_t NewestAtOrBefore(const Revs& revs, int64_t at_rev) {
  auto it = std::partition_point(revs.begin(), revs.end(),
                                 [at_rev](const Revision& r) { return r.main <= at_rev; });
  return static_cast<int64_t>(it - revs.begin()) - 1;
}

}  // namespace

KeyIndex::Map::iterator KeyIndex::FindOrInsert(std::string_view key) {
  auto it = keys_.lower_bound(key);
  if (it == keys_.end() || it->first != key) {
    it = keys_.emplace_hint(it, std::string(key), std::make_unique<Entry>());
  }
  return it;
}

bool KeepSetContains(const KeepSet& keep, Revision rev) {
  return std::binary_search(keep.begin(), keep.end(), rev);
}

void KeyIndex::Put(std::string_view key, Revision rev, int64_t lease) {
  auto it = FindOrInsert(key);
  Entry& e = *it->second;
  Generation& g = e.generations.back();
  if (g.revs.empty()) {
    g.created = rev;
    g.ver = 0;
  }
  g.revs.push_back(rev);
  ++g.ver;
  e.lease = lease;
}

bool KeyIndex::Tombstone(std::string_view key, Revision rev) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return false;
  Entry& e = *it->second;
  if (e.generations.back().revs.empty()) return false;
  e.generations.back().revs.push_back(rev);
  e.generations.emplace_back();
  e.lease = 0;
  return true;
}

void KeyIndex::Restore(std::string_view key, Revision created, Revision modified,
                       int64_t version, int64_t lease) {
  auto it = FindOrInsert(key);
  Entry& e = *it->second;
  Generation& g = e.generations.back();
  if (g.revs.empty()) g.created = created;
  g.revs.push_back(modified);
  g.ver = version;
  e.lease = lease;
}

std::optional<KeyIndex::Found> KeyIndex::FindAt(const Entry& e, int64_t at_rev) {
  const size_t n = e.generations.size();
  for (size_t gi = n; gi-- > 0;) {
    const Generation& g = e.generations[gi];
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

std::optional<KeyIndex::Found> KeyIndex::Get(std::string_view key, int64_t at_rev) const {
  auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return FindAt(*it->second, at_rev);
}

template <typename Fn>
void KeyIndex::ForRange(std::string_view key, std::string_view end, Fn&& fn) const {
  if (end.empty()) {
    auto it = keys_.find(key);
    if (it != keys_.end()) fn(it->first, *it->second);
    return;
  }
  const bool to_infinity = end.size() == 1 && end[0] == '\0';
  for (auto it = keys_.lower_bound(key); it != keys_.end(); ++it) {
    if (!to_infinity && std::string_view(it->first) >= end) break;
    if (!fn(it->first, *it->second)) break;
  }
}

void KeyIndex::Range(std::string_view key, std::string_view end, int64_t at_rev,
                     const RangeFn& fn) const {
  ForRange(key, end, [&](const std::string& k, const Entry& e) {
    std::optional<Found> f = FindAt(e, at_rev);
    if (!f.has_value()) return true;
    return fn(k, *f);
  });
}

int64_t KeyIndex::Count(std::string_view key, std::string_view end, int64_t at_rev) const {
  int64_t n = 0;
  ForRange(key, end, [&](const std::string&, const Entry& e) {
    if (FindAt(e, at_rev).has_value()) ++n;
    return true;
  });
  return n;
}

std::optional<Revision> KeyIndex::Before(std::string_view key, Revision rev) const {
  auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  const auto& gens = it->second->generations;
  for (size_t gi = gens.size(); gi-- > 0;) {
    const Generation& g = gens[gi];
    if (g.revs.empty() || g.revs.front() > rev) continue;
    auto r = std::lower_bound(g.revs.begin(), g.revs.end(), rev);
    if (r == g.revs.end() || *r != rev || r == g.revs.begin()) return std::nullopt;
    return *(r - 1);
  }
  return std::nullopt;
}

void KeyIndex::CompactPoint(const Entry& e, int64_t at_rev, size_t* gen, int64_t* rev_idx) {
  size_t gi = 0;
  const size_t n = e.generations.size();
  while (gi + 1 < n && e.generations[gi].revs.back().main <= at_rev) ++gi;
  *gen = gi;
  *rev_idx = NewestAtOrBefore(e.generations[gi].revs, at_rev);
}

KeepSet KeyIndex::Compact(int64_t at_rev) {
  KeepSet keep;
  for (auto it = keys_.begin(); it != keys_.end();) {
    Entry& e = *it->second;
    size_t gi = 0;
    int64_t idx = -1;
    CompactPoint(e, at_rev, &gi, &idx);
    if (gi > 0) e.generations.erase(e.generations.begin(), e.generations.begin() + gi);
    Generation& g = e.generations.front();
    if (idx >= 0) {
      if (idx > 0) g.revs.erase(g.revs.begin(), g.revs.begin() + idx);
      keep.push_back(g.revs.front());
    }
    if (e.generations.size() == 1 && e.generations.front().revs.empty()) {
      it = keys_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(keep.begin(), keep.end());
  return keep;
}

KeepSet KeyIndex::Keep(int64_t at_rev) const {
  KeepSet keep;
  for (const auto& [key, entry] : keys_) {
    const Entry& e = *entry;
    size_t gi = 0;
    int64_t idx = -1;
    CompactPoint(e, at_rev, &gi, &idx);
    if (idx >= 0) keep.push_back(e.generations[gi].revs[idx]);
  }
  std::sort(keep.begin(), keep.end());
  return keep;
}

void KeyIndex::ForEachLeasedKey(
    const std::function<void(const std::string& key, int64_t lease)>& fn) const {
  for (const auto& [key, entry] : keys_) {
    const Entry& e = *entry;
    if (e.lease != 0 && !e.generations.back().revs.empty()) fn(key, e.lease);
  }
}

}  // namespace etcd::mvcc
