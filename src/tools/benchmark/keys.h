// Keys and values as etcd's benchmark makes them: a key is `size` bytes, zero-filled,
// starting with Go's binary.PutVarint (zig-zag varint) of its index; values are
// random bytes. Pure functions (RandomBytes: of the given generator); thread-safe.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace etcd::benchmark {

// The key for `index` (>= 0). When `size` is smaller than the varint, the varint is
// cut to `size` bytes (etcd's tool would crash there).
std::string VarintKey(int64_t index, int size);
// The same key written into `*out` (its buffer reused: no allocation once it is large
// enough).
void VarintKeyTo(int64_t index, int size, std::string* out);
// Go's binary.PutVarint encoding of `v`.
std::string GoVarint(int64_t v);
std::string RandomBytes(int n, std::mt19937_64* rng);

}  // namespace etcd::benchmark
