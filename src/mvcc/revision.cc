#include "mvcc/revision.h"

namespace etcd::mvcc {
namespace {

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t ReadBigEndian(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

}  // namespace

void AppendRevision(Revision rev, bool tombstone, std::string* out) {
  AppendBigEndian(static_cast<uint64_t>(rev.main), out);
  out->push_back('_');
  AppendBigEndian(static_cast<uint64_t>(rev.sub), out);
  if (tombstone) out->push_back(kTombstoneMark);
}

std::string EncodeRevision(Revision rev, bool tombstone) {
  std::string out;
  out.reserve(kTombstoneRevisionBytes);
  AppendRevision(rev, tombstone, &out);
  return out;
}

std::string RevisionFloor(int64_t main) { return EncodeRevision(Revision{main, 0}); }

bool DecodeRevision(std::string_view bytes, Revision* rev, bool* tombstone) {
  if (bytes.size() == kTombstoneRevisionBytes) {
    if (bytes[kRevisionBytes] != kTombstoneMark) return false;
    *tombstone = true;
  } else if (bytes.size() == kRevisionBytes) {
    *tombstone = false;
  } else {
    return false;
  }
  if (bytes[8] != '_') return false;
  rev->main = static_cast<int64_t>(ReadBigEndian(bytes.substr(0, 8)));
  rev->sub = static_cast<int64_t>(ReadBigEndian(bytes.substr(9, 8)));
  return true;
}

}  // namespace etcd::mvcc
