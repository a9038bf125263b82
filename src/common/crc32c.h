// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of WAL records, snapshot
// files and the MVCC hashes (docs/design/wal.md, docs/design/mvcc.md). Uses the SSE4.2 `crc32`
// instruction when the CPU has it (checked once at start-up) and a slicing-by-8 table otherwise;
// both give identical results.
//
// Thread safety: all functions are pure and safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace etcd::crc32c {

// Returns the CRC-32C of `init_crc`'s message followed by data[0, n). `init_crc` is a
// previous result of Extend/Value (0 for an empty message).
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);

inline uint32_t Extend(uint32_t init_crc, std::string_view s) {
  return Extend(init_crc, s.data(), s.size());
}

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// A CRC stored next to the data it covers is masked, so that the CRC of a string that
// itself contains embedded CRCs stays well distributed.
inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// Test seams: the two implementations behind Extend.
namespace internal {
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);
// REQUIRES: HasHardwareCrc().
uint32_t ExtendHardware(uint32_t init_crc, const char* data, size_t n);
bool HasHardwareCrc();
}  // namespace internal

}  // namespace etcd::crc32c
