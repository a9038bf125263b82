#include "mvcc/revision.h"

namespace etcd::mvcc {
namespace {

void PutBigEndian(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

uint64_t ReadBigEndian(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

}  // namespace

size_t EncodeRevisionTo(Revision rev, bool tombstone, char* out) {
  PutBigEndian(static_cast<uint64_t>(rev.main), out);
  out[8] = '_';
  PutBigEndian(static_cast<uint64_t>(rev.sub), out + 9);
  if (!tombstone) return kRevisionBytes;
  out[kRevisionBytes] = kTombstoneMark;
  return kTombstoneRevisionBytes;
}

void AppendRevision(Revision rev, bool tombstone, std::string* out) {
  char buf[kTombstoneRevisionBytes];
  out->append(buf, EncodeRevisionTo(rev, tombstone, buf));
}

std::string EncodeRevision(Revision rev, bool tombstone) {
  char buf[kTombstoneRevisionBytes];
  return std::string(buf, EncodeRevisionTo(rev, tombstone, buf));
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
