// CRC-32C (Castagnoli), the checksum behind KvStore::Hash/HashKV (docs/design/mvcc.md).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace etcd::mvcc {

// Extends `crc` (the value returned for the data so far; 0 to start) with `data`.
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace etcd::mvcc
