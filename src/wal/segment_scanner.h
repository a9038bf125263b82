// Validates one WAL segment held in memory and reports its records in order.
//
// Rules (docs/design/wal.md, "Recovery"):
//  - the segment header must be the first record, valid, and name the same sequence
//    number and first index as the file name;
//  - every following record must parse and match its CRC (seeded with the salt);
//  - at the first record that does not, the segment is damaged at that offset. In the
//    LAST segment, when no valid record exists anywhere after that offset, the damage is
//    a torn tail (a write cut short by a crash): the scan stops there and reports
//    `torn`. Otherwise (a non-last segment, or valid records after the damage) it is
//    corruption: DataLoss naming the file and the offset.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "wal/record.h"

namespace etcd::wal {

struct ScanOptions {
  uint64_t expected_seq = 0;          // from the file name
  uint64_t expected_first_index = 0;  // from the file name
  bool is_last = false;               // damage at the end may be a torn tail
  // The salt this segment must have, when known from the previous segment (seq, first
  // index from the name, nonce and digest carried over). Lets a damaged header be told
  // apart from a torn one.
  std::optional<uint32_t> expected_salt;
};

struct SegmentScan {
  bool header_valid = false;  // false only for a torn last segment with no usable header
  SegmentHeader header;
  uint32_t salt = 0;
  uint64_t valid_end = 0;   // [0, valid_end) holds whole, valid records
  bool torn = false;        // bytes after valid_end are a torn tail to be dropped
  std::string torn_reason;  // why the byte at valid_end was rejected (when torn)
  bool zero_tail = false;   // torn, and every byte from valid_end on is zero: the
                            // unwritten rest of a preallocated segment (a clean end)
  uint32_t digest = 0;      // FoldDigest over all records after the header
};

// Called for each valid record after the header, in order, with its file offset. A
// non-OK return stops the scan and is returned. Records reported before a DataLoss
// result must be discarded by the caller.
using RecordVisitor = std::function<absl::Status(const RecordView& rec, uint64_t offset)>;

absl::StatusOr<SegmentScan> ScanSegment(std::string_view data, const std::string& path,
                                        const ScanOptions& opts, const RecordVisitor& visit);

// The first offset >= `from` at which a complete, non-header record validates with
// `salt`, or std::string_view::npos.
size_t FindValidRecord(std::string_view data, size_t from, uint32_t salt);

}  // namespace etcd::wal
