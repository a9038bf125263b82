// An mvcc revision {main, sub}: `main` is the store revision of a write request, `sub`
// the index of the change inside it (0, 1, ... for the keys a txn touches).
//
// Encoded as the key of the backend's key bucket (docs/design/mvcc.md):
//   8 bytes big-endian main, '_', 8 bytes big-endian sub          (17 bytes)
//   followed by 't' when the entry is a tombstone (a delete)     (18 bytes)
// so LevelDB orders entries by revision.
//
// Thread safety: plain values.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace etcd::mvcc {

struct Revision {
  int64_t main = 0;
  int64_t sub = 0;

  friend auto operator<=>(const Revision&, const Revision&) = default;
  friend bool operator==(const Revision&, const Revision&) = default;
};

inline constexpr size_t kRevisionBytes = 17;
inline constexpr size_t kTombstoneRevisionBytes = 18;
inline constexpr char kTombstoneMark = 't';

// 17-byte key for a put; with `tombstone`, 18 bytes ending in 't'.
std::string EncodeRevision(Revision rev, bool tombstone = false);
void AppendRevision(Revision rev, bool tombstone, std::string* out);
// The same encoding into `out` (room for kTombstoneRevisionBytes); returns its length.
size_t EncodeRevisionTo(Revision rev, bool tombstone, char* out);
// A revision key on the stack (no allocation).
class RevisionKey {
 public:
  explicit RevisionKey(Revision rev, bool tombstone = false)
      : len_(EncodeRevisionTo(rev, tombstone, buf_)) {}
  std::string_view view() const { return std::string_view(buf_, len_); }

 private:
  char buf_[kTombstoneRevisionBytes];
  size_t len_;
};
// The smallest encoded key of revision `main` (= EncodeRevision({main, 0})).
std::string RevisionFloor(int64_t main);

// Parses a 17- or 18-byte key; returns false when malformed.
bool DecodeRevision(std::string_view bytes, Revision* rev, bool* tombstone);

}  // namespace etcd::mvcc
