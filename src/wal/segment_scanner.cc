#include "wal/segment_scanner.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"
#include "common/status.h"

namespace etcd::wal {
namespace {

absl::Status Corrupt(const std::string& path, uint64_t offset, std::string_view what) {
  return absl::DataLossError(
      absl::StrFormat("wal: corrupt segment %s at offset %d: %s", path, offset, what));
}

bool AllZero(std::string_view data) {
  // data[0] == 0 and every byte equals the one before it (memcmp is vectorized: a
  // preallocated segment can end in megabytes of zeros).
  if (data.empty()) return true;
  return data[0] == 0 && std::memcmp(data.data(), data.data() + 1, data.size() - 1) == 0;
}

}  // namespace

size_t FindValidRecord(std::string_view data, size_t from, uint32_t salt) {
  if (data.size() < kRecordHeaderSize) return std::string_view::npos;
  RecordView rec;
  for (size_t p = from; p + kRecordHeaderSize <= data.size(); ++p) {
    // Cheap rejections first: type and padding (most garbage fails here).
    auto type = static_cast<uint8_t>(data[p + 8]);
    if (type <= static_cast<uint8_t>(RecordType::kSegmentHeader) || !IsKnownRecordType(type) ||
        data[p + 9] != 0 || data[p + 10] != 0 || data[p + 11] != 0) {
      continue;
    }
    if (ParseRecord(data, p, salt, &rec) == ParseResult::kOk) return p;
  }
  return std::string_view::npos;
}

absl::StatusOr<SegmentScan> ScanSegment(std::string_view data, const std::string& path,
                                        const ScanOptions& opts, const RecordVisitor& visit) {
  SegmentScan scan;

  // ---- the header
  RecordView rec;
  ParseResult r = ParseRecord(data, 0, 0, &rec);
  absl::StatusOr<SegmentHeader> header =
      absl::DataLossError("first record is not a segment header");
  if (r == ParseResult::kOk && rec.type == RecordType::kSegmentHeader) {
    header = DecodeSegmentHeader(rec.payload);
    if (header.status().code() == absl::StatusCode::kFailedPrecondition) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s (file %s)", header.status().message(), path));
    }
  } else if (r != ParseResult::kOk) {
    header = absl::DataLossError(Describe(r));
  }
  if (!header.ok()) {
    std::string why = absl::StrFormat("invalid segment header (%s)", header.status().message());
    if (!opts.is_last) return Corrupt(path, 0, why);
    bool torn = false;
    if (opts.expected_salt.has_value()) {
      torn = FindValidRecord(data, 0, *opts.expected_salt) == std::string_view::npos;
    } else {
      // Without the expected salt nothing after the header can be checked: accept only
      // what a crash while creating the file can leave behind.
      torn = data.size() < kRecordHeaderSize + kSegmentHeaderPayloadSize || AllZero(data);
    }
    if (!torn) return Corrupt(path, 0, why + "; valid records follow it");
    scan.torn = !data.empty();
    scan.torn_reason = why;
    return scan;
  }
  if (header->seq != opts.expected_seq || header->first_index != opts.expected_first_index) {
    return Corrupt(path, 0,
                   absl::StrFormat("segment header names sequence %d, first index %d, "
                                   "but the file name says %d, %d",
                                   header->seq, header->first_index, opts.expected_seq,
                                   opts.expected_first_index));
  }
  scan.header_valid = true;
  scan.header = *header;
  scan.salt = SaltOf(*header);
  if (opts.expected_salt.has_value() && *opts.expected_salt != scan.salt) {
    return Corrupt(path, 0,
                   "segment header does not continue the previous segment (digest chain "
                   "mismatch)");
  }
  scan.digest = scan.salt;

  // ---- the records
  uint64_t pos = rec.size;
  while (pos < data.size()) {
    r = ParseRecord(data, pos, scan.salt, &rec);
    if (r == ParseResult::kOk && rec.type == RecordType::kSegmentHeader) {
      return Corrupt(path, pos, "unexpected segment header record");
    }
    if (r != ParseResult::kOk) {
      if (!opts.is_last) return Corrupt(path, pos, Describe(r));
      if (AllZero(data.substr(pos))) {  // a preallocated (or extended, unwritten) tail
        scan.torn = true;
        scan.zero_tail = true;
        scan.torn_reason = absl::StrFormat("zeros from offset %d", pos);
        break;
      }
      size_t next = FindValidRecord(data, pos + 1, scan.salt);
      if (next != std::string_view::npos) {
        return Corrupt(
            path, pos,
            absl::StrFormat("%s, but a valid record follows at offset %d", Describe(r), next));
      }
      scan.torn = true;
      scan.torn_reason = absl::StrFormat("%s at offset %d", Describe(r), pos);
      break;
    }
    if (visit) RETURN_IF_ERROR(visit(rec, pos));
    scan.digest = FoldDigest(scan.digest, rec.crc);
    pos += rec.size;
  }
  scan.valid_end = pos;
  return scan;
}

}  // namespace etcd::wal
