#include "common/crc32c.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace etcd::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

// table[k][b]: the CRC contribution of byte b followed by k zero bytes.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ kPoly : (c >> 1);
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));  // one unaligned load
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

using ExtendFn = uint32_t (*)(uint32_t, const char*, size_t);

ExtendFn Choose() {
  return internal::HasHardwareCrc() ? &internal::ExtendHardware : &internal::ExtendPortable;
}

}  // namespace

namespace internal {

uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint32_t c = ~init_crc;
  while (n >= 8) {
    uint64_t w = LoadLE64(p) ^ c;
    c = kTables[7][w & 0xff] ^ kTables[6][(w >> 8) & 0xff] ^ kTables[5][(w >> 16) & 0xff] ^
        kTables[4][(w >> 24) & 0xff] ^ kTables[3][(w >> 32) & 0xff] ^ kTables[2][(w >> 40) & 0xff] ^
        kTables[1][(w >> 48) & 0xff] ^ kTables[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = kTables[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    --n;
  }
  return ~c;
}

#if defined(__x86_64__)
bool HasHardwareCrc() { return __builtin_cpu_supports("sse4.2"); }

namespace {

// The hardware path runs three independent CRC streams over three adjacent blocks (the
// crc32 instruction has a latency of 3 cycles but a throughput of 1), then merges them.
// The raw CRC register is affine in its input: crc(s, X || Y) = Z(crc(s, X)) ^ crc(0, Y)
// where Z advances a register over |Y| zero bytes. Z is linear, so it is tabulated per
// register byte for the one block size used.
constexpr size_t kBlock = 256;

struct ShiftTable {
  uint32_t t[4][256];
};

const ShiftTable& BlockShift() {
  static const ShiftTable table = [] {
    ShiftTable st{};
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t v = b << (8 * k);
        for (size_t i = 0; i < kBlock; ++i) v = kTables[0][v & 0xff] ^ (v >> 8);
        st.t[k][b] = v;
      }
    }
    return st;
  }();
  return table;
}

inline uint32_t ShiftBlock(const ShiftTable& st, uint32_t v) {
  return st.t[0][v & 0xff] ^ st.t[1][(v >> 8) & 0xff] ^ st.t[2][(v >> 16) & 0xff] ^
         st.t[3][v >> 24];
}

}  // namespace

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t init_crc, const char* data,
                                                          size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint64_t c = ~init_crc & 0xffffffffu;
  if (n >= 3 * kBlock) {
    const ShiftTable& st = BlockShift();
    while (n >= 3 * kBlock) {
      uint64_t c1 = 0, c2 = 0;
      for (size_t i = 0; i < kBlock; i += 8) {
        c = _mm_crc32_u64(c, LoadLE64(p + i));
        c1 = _mm_crc32_u64(c1, LoadLE64(p + kBlock + i));
        c2 = _mm_crc32_u64(c2, LoadLE64(p + 2 * kBlock + i));
      }
      uint32_t merged = ShiftBlock(st, static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(c1);
      c = ShiftBlock(st, merged) ^ static_cast<uint32_t>(c2);
      p += 3 * kBlock;
      n -= 3 * kBlock;
    }
  }
  while (n >= 8) {
    c = _mm_crc32_u64(c, LoadLE64(p));
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    --n;
  }
  return ~c32;
}
#else
bool HasHardwareCrc() { return false; }
uint32_t ExtendHardware(uint32_t init_crc, const char* data, size_t n) {
  return ExtendPortable(init_crc, data, n);
}
#endif

}  // namespace internal

uint32_t Extend(uint32_t init_crc, const char* data, size_t n) {
  // A function-local static: safe even when called from another file's static init.
  static const ExtendFn extend = Choose();
  return extend(init_crc, data, n);
}

}  // namespace etcd::crc32c
