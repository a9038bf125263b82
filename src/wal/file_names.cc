#include "wal/file_names.h"

#include "absl/strings/str_format.h"

namespace etcd::wal {
namespace {

// Parses exactly 16 lowercase hex digits.
bool ParseHex16(std::string_view s, uint64_t* out) {
  if (s.size() != 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

// "<16 hex>-<16 hex><suffix>"
bool ParsePair(std::string_view name, std::string_view suffix, uint64_t* a, uint64_t* b) {
  if (name.size() != 33 + suffix.size() || name.substr(33) != suffix || name[16] != '-') {
    return false;
  }
  uint64_t x, y;
  if (!ParseHex16(name.substr(0, 16), &x) || !ParseHex16(name.substr(17, 16), &y)) {
    return false;
  }
  *a = x;
  *b = y;
  return true;
}

}  // namespace

std::string SegmentFileName(uint64_t seq, uint64_t first_index) {
  return absl::StrFormat("%016x-%016x.wal", seq, first_index);
}

bool ParseSegmentFileName(std::string_view name, uint64_t* seq, uint64_t* first_index) {
  return ParsePair(name, kSegmentSuffix, seq, first_index);
}

std::string SnapFileName(uint64_t term, uint64_t index) {
  return absl::StrFormat("%016x-%016x.snap", term, index);
}

bool ParseSnapFileName(std::string_view name, uint64_t* term, uint64_t* index) {
  return ParsePair(name, kSnapSuffix, term, index);
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

}  // namespace etcd::wal
