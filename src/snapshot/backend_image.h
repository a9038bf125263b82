// Streams a backend read view (a LevelDB snapshot) as a snapshot image followed by its
// SHA-256 (image_format.h), in chunks. Open() scans the view once to learn the exact
// size (etcd's remaining_bytes needs it up front); Next() scans it a second time,
// resuming each bucket scan after the last key it emitted. Both passes read the same
// immutable view, so the image is a consistent point-in-time copy while writes go on.
//
// Thread safety: one owner. Open() and Next() read the disk: call them off latency-
// sensitive threads (the Maintenance service runs them on its own producer thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "snapshot/image_format.h"
#include "storage/backend.h"

namespace etcd::snapshot {

// Every bucket, in byte (LevelDB) order.
const std::string& AllBuckets();

class BackendImageReader {
 public:
  // Takes ownership of `view`; `batch_bytes`: how much of the image one scan step
  // produces before yielding (memory bound).
  static absl::StatusOr<std::unique_ptr<BackendImageReader>> Open(
      std::unique_ptr<storage::ReadView> view, size_t batch_bytes = 1 << 20);

  // Image bytes, without the 32-byte SHA-256 that follows them.
  uint64_t ImageBytes() const { return image_bytes_; }
  const ImageMeta& meta() const { return meta_; }

  // Up to `max` next bytes (image, then the SHA-256); empty when everything was read.
  // Internal (DataLoss) if the view changed size between the passes, which would mean
  // the view is not a snapshot.
  absl::StatusOr<std::string> Next(size_t max);

 private:
  BackendImageReader(std::unique_ptr<storage::ReadView> view, size_t batch_bytes)
      : view_(std::move(view)), batch_bytes_(batch_bytes) {}
  absl::Status Fill();

  std::unique_ptr<storage::ReadView> view_;
  const size_t batch_bytes_;
  ImageMeta meta_;
  uint64_t image_bytes_ = 0;
  std::unique_ptr<ImageEncoder> enc_;
  Sha256Hasher sha_;
  size_t bucket_idx_ = 0;          // next bucket to scan
  std::string resume_key_;         // scan the current bucket from here
  bool resume_exclusive_ = false;  // resume_key_ itself was already emitted
  bool image_done_ = false;
  std::string sha_tail_;  // the SHA-256, once the image is out
  bool sha_computed_ = false;
};

}  // namespace etcd::snapshot
