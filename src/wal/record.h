// The WAL's record framing and payload codecs (byte layout: docs/design/wal.md).
//
//   +-----------+-----------+------+-----------+----------------------+
//   | crc (u32) | len (u32) | type | 3 x 0x00  | payload (len bytes)  |
//   +-----------+-----------+------+-----------+----------------------+
//
// All integers little-endian. crc = Mask(CRC32C seeded with the segment's salt, over
// bytes [4, 12 + len) of the record): it covers the length, the type, the padding and
// the payload. The segment header record (always at offset 0) is seeded with 0; every
// other record with the salt, the CRC32C of that header's payload, so a record copied
// from any other segment (stale disk blocks, an older WAL) never validates here.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "raftpb/raft.pb.h"

namespace etcd::wal {

enum class RecordType : uint8_t {
  kSegmentHeader = 1,  // first record of every segment (seed 0)
  kMetadata = 2,       // opaque bytes given to Wal::Create, repeated in every segment
  kEntry = 3,          // one raftpb::Entry
  kHardState = 4,      // one raftpb::HardState
  kSnapshot = 5,       // a snapshot marker {index, term}
};
bool IsKnownRecordType(uint8_t t);

inline constexpr size_t kRecordHeaderSize = 12;
// Larger lengths are never written, so a header claiming one is damaged.
inline constexpr uint32_t kMaxRecordPayload = 1u << 30;

// Segment header payload: magic, version, seq, first index, nonce, prev digest, reserved.
inline constexpr uint32_t kSegmentMagic = 0x4C415745u;  // "EWAL" on disk
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kSegmentHeaderPayloadSize = 40;
inline constexpr size_t kEntryFixedSize = 17;      // term u64, index u64, type u8, then data
inline constexpr size_t kHardStateSize = 24;       // term, vote, commit
inline constexpr size_t kSnapshotMarkerSize = 16;  // index, term

struct SegmentHeader {
  uint64_t seq = 0;
  uint64_t first_index = 0;  // index of the first entry this segment was cut for
  uint64_t nonce = 0;        // chosen at Wal::Create, carried into every later segment
  uint32_t prev_digest = 0;  // digest of the previous segment's records (0 for seq 0)
};

// The seed of every non-header record in a segment.
uint32_t SaltOf(const SegmentHeader& h);
// A segment's digest starts at its salt and folds in each record's (unmasked) CRC.
uint32_t FoldDigest(uint32_t digest, uint32_t record_crc);

// ---- encoding: each call appends one framed record to *dst and returns its unmasked
// CRC. Nothing else is allocated beyond *dst's growth.
uint32_t AppendRecord(std::string* dst, uint32_t seed, RecordType type, std::string_view payload);
uint32_t AppendSegmentHeaderRecord(std::string* dst, const SegmentHeader& h);
// REQUIRES: e.type() fits in a byte (raftpb's values do).
uint32_t AppendEntryRecord(std::string* dst, uint32_t seed, const raftpb::Entry& e);
uint32_t AppendHardStateRecord(std::string* dst, uint32_t seed, const raftpb::HardState& hs);
uint32_t AppendSnapshotRecord(std::string* dst, uint32_t seed, uint64_t index, uint64_t term);

// ---- decoding
enum class ParseResult {
  kOk,
  kTruncated,  // the header or the payload runs past the end of the data
  kBadHeader,  // unknown type, non-zero padding or an impossible length
  kBadCrc,     // complete, but the CRC does not match
};
const char* Describe(ParseResult r);

struct RecordView {
  RecordType type = RecordType::kMetadata;
  std::string_view payload;  // points into the parsed data
  uint32_t crc = 0;          // unmasked
  size_t size = 0;           // header + payload bytes
};

// Parses the record at data[offset...] with CRC seed `seed`.
ParseResult ParseRecord(std::string_view data, size_t offset, uint32_t seed, RecordView* out);

// Payload decoders: false when the payload has the wrong size for its type.
bool DecodeEntry(std::string_view payload, raftpb::Entry* e);
bool DecodeHardState(std::string_view payload, raftpb::HardState* hs);
bool DecodeSnapshotMarker(std::string_view payload, uint64_t* index, uint64_t* term);
// DataLoss for a wrong size or magic, FailedPrecondition for an unsupported version.
absl::StatusOr<SegmentHeader> DecodeSegmentHeader(std::string_view payload);

// Little-endian fixed-width helpers (shared with the snapshot file codec).
void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void EncodeFixed32(char* dst, uint32_t v);
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);

}  // namespace etcd::wal
