#include "wal/record.h"

#include "absl/strings/str_format.h"
#include "common/crc32c.h"

namespace etcd::wal {

void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  EncodeFixed32(buf, v);
  dst->append(buf, 4);
}

void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  dst->append(buf, 8);
}

uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

uint64_t DecodeFixed64(const char* p) {
  return static_cast<uint64_t>(DecodeFixed32(p)) |
         (static_cast<uint64_t>(DecodeFixed32(p + 4)) << 32);
}

bool IsKnownRecordType(uint8_t t) {
  return t >= static_cast<uint8_t>(RecordType::kSegmentHeader) &&
         t <= static_cast<uint8_t>(RecordType::kSnapshot);
}

uint32_t FoldDigest(uint32_t digest, uint32_t record_crc) {
  char buf[4];
  EncodeFixed32(buf, record_crc);
  return crc32c::Extend(digest, buf, 4);
}

namespace {

// Appends the 12-byte header with a zero CRC; the caller appends `len` payload bytes
// and then calls Seal.
size_t BeginRecord(std::string* dst, RecordType type, size_t len) {
  size_t start = dst->size();
  char hdr[kRecordHeaderSize] = {};
  EncodeFixed32(hdr + 4, static_cast<uint32_t>(len));
  hdr[8] = static_cast<char>(type);
  dst->append(hdr, kRecordHeaderSize);
  return start;
}

uint32_t Seal(std::string* dst, size_t start, uint32_t seed) {
  char* rec = dst->data() + start;
  size_t covered = dst->size() - start - 4;
  uint32_t crc = crc32c::Extend(seed, rec + 4, covered);
  EncodeFixed32(rec, crc32c::Mask(crc));
  return crc;
}

void EncodeSegmentHeaderPayload(std::string* dst, const SegmentHeader& h) {
  PutFixed32(dst, kSegmentMagic);
  PutFixed32(dst, kFormatVersion);
  PutFixed64(dst, h.seq);
  PutFixed64(dst, h.first_index);
  PutFixed64(dst, h.nonce);
  PutFixed32(dst, h.prev_digest);
  PutFixed32(dst, 0);  // reserved
}

}  // namespace

uint32_t SaltOf(const SegmentHeader& h) {
  std::string payload;
  payload.reserve(kSegmentHeaderPayloadSize);
  EncodeSegmentHeaderPayload(&payload, h);
  return crc32c::Value(payload);
}

uint32_t AppendRecord(std::string* dst, uint32_t seed, RecordType type, std::string_view payload) {
  size_t start = BeginRecord(dst, type, payload.size());
  dst->append(payload.data(), payload.size());
  return Seal(dst, start, seed);
}

uint32_t AppendSegmentHeaderRecord(std::string* dst, const SegmentHeader& h) {
  size_t start = BeginRecord(dst, RecordType::kSegmentHeader, kSegmentHeaderPayloadSize);
  EncodeSegmentHeaderPayload(dst, h);
  return Seal(dst, start, 0);
}

uint32_t AppendEntryRecord(std::string* dst, uint32_t seed, const raftpb::Entry& e) {
  const std::string& data = e.data();
  size_t start = BeginRecord(dst, RecordType::kEntry, kEntryFixedSize + data.size());
  char fixed[kEntryFixedSize];
  for (int i = 0; i < 8; ++i) fixed[i] = static_cast<char>((e.term() >> (8 * i)) & 0xff);
  for (int i = 0; i < 8; ++i) fixed[8 + i] = static_cast<char>((e.index() >> (8 * i)) & 0xff);
  fixed[16] = static_cast<char>(static_cast<uint8_t>(e.type()));
  dst->append(fixed, kEntryFixedSize);
  dst->append(data);
  return Seal(dst, start, seed);
}

uint32_t AppendHardStateRecord(std::string* dst, uint32_t seed, const raftpb::HardState& hs) {
  size_t start = BeginRecord(dst, RecordType::kHardState, kHardStateSize);
  PutFixed64(dst, hs.term());
  PutFixed64(dst, hs.vote());
  PutFixed64(dst, hs.commit());
  return Seal(dst, start, seed);
}

uint32_t AppendSnapshotRecord(std::string* dst, uint32_t seed, uint64_t index, uint64_t term) {
  size_t start = BeginRecord(dst, RecordType::kSnapshot, kSnapshotMarkerSize);
  PutFixed64(dst, index);
  PutFixed64(dst, term);
  return Seal(dst, start, seed);
}

const char* Describe(ParseResult r) {
  switch (r) {
    case ParseResult::kOk:
      return "ok";
    case ParseResult::kTruncated:
      return "record runs past the end of the file";
    case ParseResult::kBadHeader:
      return "invalid record header";
    case ParseResult::kBadCrc:
      return "record CRC mismatch";
  }
  return "unknown";
}

ParseResult ParseRecord(std::string_view data, size_t offset, uint32_t seed, RecordView* out) {
  if (offset > data.size() || data.size() - offset < kRecordHeaderSize) {
    return ParseResult::kTruncated;
  }
  const char* rec = data.data() + offset;
  uint32_t len = DecodeFixed32(rec + 4);
  auto type = static_cast<uint8_t>(rec[8]);
  if (!IsKnownRecordType(type) || rec[9] != 0 || rec[10] != 0 || rec[11] != 0 ||
      len > kMaxRecordPayload) {
    return ParseResult::kBadHeader;
  }
  if (data.size() - offset - kRecordHeaderSize < len) return ParseResult::kTruncated;
  uint32_t crc = crc32c::Extend(seed, rec + 4, kRecordHeaderSize - 4 + len);
  if (crc32c::Mask(crc) != DecodeFixed32(rec)) return ParseResult::kBadCrc;
  out->type = static_cast<RecordType>(type);
  out->payload = std::string_view(rec + kRecordHeaderSize, len);
  out->crc = crc;
  out->size = kRecordHeaderSize + len;
  return ParseResult::kOk;
}

bool DecodeEntry(std::string_view payload, raftpb::Entry* e) {
  if (payload.size() < kEntryFixedSize) return false;
  const char* p = payload.data();
  e->set_term(DecodeFixed64(p));
  e->set_index(DecodeFixed64(p + 8));
  e->set_type(static_cast<raftpb::EntryType>(static_cast<uint8_t>(p[16])));
  e->set_data(p + kEntryFixedSize, payload.size() - kEntryFixedSize);
  return true;
}

bool DecodeHardState(std::string_view payload, raftpb::HardState* hs) {
  if (payload.size() != kHardStateSize) return false;
  hs->set_term(DecodeFixed64(payload.data()));
  hs->set_vote(DecodeFixed64(payload.data() + 8));
  hs->set_commit(DecodeFixed64(payload.data() + 16));
  return true;
}

bool DecodeSnapshotMarker(std::string_view payload, uint64_t* index, uint64_t* term) {
  if (payload.size() != kSnapshotMarkerSize) return false;
  *index = DecodeFixed64(payload.data());
  *term = DecodeFixed64(payload.data() + 8);
  return true;
}

absl::StatusOr<SegmentHeader> DecodeSegmentHeader(std::string_view payload) {
  if (payload.size() < 8) return absl::DataLossError("wal: segment header too short");
  if (DecodeFixed32(payload.data()) != kSegmentMagic) {
    return absl::DataLossError("wal: bad segment magic");
  }
  uint32_t version = DecodeFixed32(payload.data() + 4);
  if (version != kFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrFormat("wal: unsupported WAL format version %d (this build reads version %d)",
                        version, kFormatVersion));
  }
  if (payload.size() != kSegmentHeaderPayloadSize) {
    return absl::DataLossError("wal: segment header has the wrong size");
  }
  SegmentHeader h;
  const char* p = payload.data() + 8;
  h.seq = DecodeFixed64(p);
  h.first_index = DecodeFixed64(p + 8);
  h.nonce = DecodeFixed64(p + 16);
  h.prev_digest = DecodeFixed32(p + 24);
  return h;
}

}  // namespace etcd::wal
