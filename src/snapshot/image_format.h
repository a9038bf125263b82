// The backend snapshot image: a point-in-time dump of every bucket of the LevelDB
// backend, as streamed by Maintenance.Snapshot and saved by `etcdctl snapshot save`
// (docs/design/snapshot-file.md). Layout (integers little-endian):
//
//   header   32 bytes: magic "ECPPSNAP", version u32 = 1, reserved u32 = 0,
//            consistent index u64, consistent term u64 (of the source member)
//   records  'R', bucket byte, varint key length, key, varint value length, value
//            (bucket order, then key order: LevelDB's order)
//   end      'E', record count u64, masked CRC-32C of every byte before the CRC
//   padding  zero bytes up to a multiple of 512 (etcdctl 3.4 checks that a saved
//            snapshot is n*512 + 32 bytes long)
//
// On the wire and in a saved file the image is followed by its SHA-256 (32 bytes).
//
// Thread safety: ImageEncoder is a plain value (one owner); the free functions are
// pure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace etcd::snapshot {

inline constexpr char kImageMagic[8] = {'E', 'C', 'P', 'P', 'S', 'N', 'A', 'P'};
inline constexpr uint32_t kImageVersion = 1;
inline constexpr size_t kImageHeaderBytes = 32;
inline constexpr size_t kImageAlign = 512;
inline constexpr size_t kSha256Bytes = 32;
inline constexpr char kRecordTag = 'R';
inline constexpr char kEndTag = 'E';
inline constexpr size_t kEndBytes = 1 + 8 + 4;

struct ImageMeta {
  uint64_t consistent_index = 0;
  uint64_t consistent_term = 0;
};

// Bytes one record takes in the image.
size_t RecordBytes(size_t key_len, size_t value_len);
// Total image size (padding included) for `records_bytes` of records.
uint64_t ImageBytes(uint64_t records_bytes);

// Builds an image incrementally into an output buffer the caller drains.
class ImageEncoder {
 public:
  explicit ImageEncoder(const ImageMeta& meta);
  void AddRecord(char bucket, std::string_view key, std::string_view value);
  // Appends the end record and the padding. Call once, after the last record.
  void Finish();
  // Bytes produced so far and not yet taken.
  std::string* buffer() { return &buf_; }
  uint64_t produced() const { return produced_ + buf_.size(); }
  // Moves up to `max` bytes out of the buffer.
  std::string Take(size_t max);

 private:
  void Append(std::string_view bytes);
  std::string buf_;
  uint64_t produced_ = 0;  // bytes already taken
  uint64_t records_ = 0;
  uint32_t crc_ = 0;
  bool finished_ = false;
};

// What a parsed image holds.
struct ImageSummary {
  ImageMeta meta;
  uint64_t records = 0;
  uint64_t image_bytes = 0;  // without the trailing SHA-256
  bool had_sha256 = false;
};

// Called for each record in order; return a non-OK status to stop.
using RecordFn =
    std::function<absl::Status(char bucket, std::string_view key, std::string_view value)>;

// Parses and checks `image` (without its SHA-256): magic, version, record framing, end
// record, count, CRC, padding. Corruption is DataLoss with a reason; `fn` may be null.
absl::StatusOr<ImageSummary> ParseImage(std::string_view image, const RecordFn& fn);

// Splits a saved file's bytes into image and trailing SHA-256 as etcd decides it: a
// length of n*512 + 32 has the hash, n*512 has none, anything else is corrupt.
struct SplitFile {
  std::string_view image;
  std::string_view sha256;  // empty when absent
};
absl::StatusOr<SplitFile> SplitSavedFile(std::string_view file);

// SHA-256 of `data` (32 raw bytes).
std::string Sha256(std::string_view data);

// Incremental SHA-256 (OpenSSL EVP behind a pimpl).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  std::string Final();  // 32 raw bytes; call once

 private:
  void* ctx_;
};

}  // namespace etcd::snapshot
