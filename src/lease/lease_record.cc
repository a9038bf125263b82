#include "lease/lease_record.h"

#include "absl/strings/str_cat.h"

namespace etcd::lease {
namespace {

// Protobuf wire types used here.
constexpr uint32_t kWireVarint = 0;
constexpr uint32_t kWireFixed64 = 1;
constexpr uint32_t kWireLengthDelimited = 2;
constexpr uint32_t kWireFixed32 = 5;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint at *pos; false on truncation or a varint longer than 10 bytes.
bool GetVarint(std::string_view in, size_t* pos, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *pos < in.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in[(*pos)++]);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

void PutInt64Field(std::string* out, uint32_t field, int64_t v) {
  if (v == 0) return;  // proto3 default values are not encoded
  PutVarint(out, (static_cast<uint64_t>(field) << 3) | kWireVarint);
  PutVarint(out, static_cast<uint64_t>(v));
}

absl::Status Malformed(std::string_view what) {
  return absl::DataLossError("lease record: " + std::string(what));
}

}  // namespace

std::string EncodeLeaseKey(int64_t id) {
  std::string key(8, '\0');
  const auto u = static_cast<uint64_t>(id);
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(u >> (56 - 8 * i));
  return key;
}

std::optional<int64_t> DecodeLeaseKey(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  uint64_t u = 0;
  for (char c : key) u = (u << 8) | static_cast<uint8_t>(c);
  return static_cast<int64_t>(u);
}

std::string EncodeLeaseRecord(const LeaseRecord& record) {
  std::string out;
  PutInt64Field(&out, 1, record.id);
  PutInt64Field(&out, 2, record.ttl);
  PutInt64Field(&out, 3, record.remaining_ttl);
  return out;
}

absl::StatusOr<LeaseRecord> DecodeLeaseRecord(std::string_view value) {
  LeaseRecord record;
  size_t pos = 0;
  while (pos < value.size()) {
    uint64_t tag = 0;
    if (!GetVarint(value, &pos, &tag)) return Malformed("truncated tag");
    const uint64_t field = tag >> 3;
    const auto wire = static_cast<uint32_t>(tag & 7);
    if (field == 0) return Malformed("field number 0");
    switch (wire) {
      case kWireVarint: {
        uint64_t v = 0;
        if (!GetVarint(value, &pos, &v)) return Malformed("truncated varint");
        if (field == 1) record.id = static_cast<int64_t>(v);
        if (field == 2) record.ttl = static_cast<int64_t>(v);
        if (field == 3) record.remaining_ttl = static_cast<int64_t>(v);
        break;
      }
      case kWireFixed64:
        if (value.size() - pos < 8) return Malformed("truncated fixed64");
        pos += 8;
        break;
      case kWireFixed32:
        if (value.size() - pos < 4) return Malformed("truncated fixed32");
        pos += 4;
        break;
      case kWireLengthDelimited: {
        uint64_t len = 0;
        if (!GetVarint(value, &pos, &len)) return Malformed("truncated length");
        if (value.size() - pos < len) return Malformed("truncated bytes field");
        pos += len;
        break;
      }
      default:
        return Malformed(absl::StrCat("unsupported wire type ", wire));
    }
  }
  return record;
}

}  // namespace etcd::lease
