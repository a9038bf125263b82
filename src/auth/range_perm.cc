#include "auth/range_perm.h"

namespace etcd::auth {

std::string KeySuccessor(std::string_view key) {
  std::string s(key);
  s.push_back('\0');
  return s;
}

namespace {

bool IsOpenEnd(std::string_view range_end) { return range_end.size() == 1 && range_end[0] == '\0'; }

// a < b for interval ends, where nullopt is +infinity.
bool EndLess(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a.has_value()) return false;
  if (!b.has_value()) return true;
  return *a < *b;
}

}  // namespace

void KeyRangeSet::AddPermission(std::string_view key, std::string_view range_end) {
  if (range_end.empty()) {
    Add(std::string(key), KeySuccessor(key));
  } else if (IsOpenEnd(range_end)) {
    Add(std::string(key), std::nullopt);
  } else {
    Add(std::string(key), std::string(range_end));
  }
}

void KeyRangeSet::Add(std::string begin, std::optional<std::string> end) {
  if (end.has_value() && *end <= begin) return;
  // The first interval that could touch [begin, end): the last one starting at or
  // before begin, if it reaches begin.
  auto it = intervals_.upper_bound(begin);
  if (it != intervals_.begin()) {
    auto prev = std::prev(it);
    if (!prev->second.has_value() || *prev->second >= begin) it = prev;
  }
  // Absorb every interval that overlaps or touches.
  while (it != intervals_.end() && (!end.has_value() || it->first <= *end)) {
    if (it->first < begin) begin = it->first;
    if (EndLess(end, it->second)) end = it->second;
    it = intervals_.erase(it);
  }
  intervals_.emplace(std::move(begin), std::move(end));
}

bool KeyRangeSet::CoversInterval(std::string_view begin,
                                 const std::optional<std::string>& end) const {
  auto it = intervals_.upper_bound(begin);
  if (it == intervals_.begin()) return false;
  --it;  // the interval starting at or before begin
  if (it->second.has_value() && *it->second <= begin) return false;
  return !EndLess(it->second, end);
}

bool KeyRangeSet::ContainsKey(std::string_view key) const {
  return CoversInterval(key, KeySuccessor(key));
}

bool KeyRangeSet::Covers(std::string_view key, std::string_view range_end) const {
  if (range_end.empty()) return ContainsKey(key);
  if (IsOpenEnd(range_end)) return CoversInterval(key, std::nullopt);
  // An inverted or empty range selects no key; etcd's interval check then degenerates
  // to the start key.
  if (range_end <= key) return ContainsKey(key);
  return CoversInterval(key, std::string(range_end));
}

UnifiedPerms MergePermissions(const std::vector<const authpb::Role*>& roles) {
  UnifiedPerms out;
  for (const authpb::Role* role : roles) {
    for (const auto& p : role->keypermission()) {
      if (p.permtype() == authpb::Permission::READ ||
          p.permtype() == authpb::Permission::READWRITE) {
        out.read.AddPermission(p.key(), p.range_end());
      }
      if (p.permtype() == authpb::Permission::WRITE ||
          p.permtype() == authpb::Permission::READWRITE) {
        out.write.AddPermission(p.key(), p.range_end());
      }
    }
  }
  return out;
}

}  // namespace etcd::auth
