#include "tools/benchmark/keys.h"

#include <algorithm>
#include <cstring>

namespace etcd::benchmark {

std::string GoVarint(int64_t v) {
  uint64_t ux = static_cast<uint64_t>(v) << 1;
  if (v < 0) ux = ~ux;
  std::string out;
  while (ux >= 0x80) {
    out.push_back(static_cast<char>((ux & 0x7f) | 0x80));
    ux >>= 7;
  }
  out.push_back(static_cast<char>(ux));
  return out;
}

std::string VarintKey(int64_t index, int size) {
  std::string key;
  VarintKeyTo(index, size, &key);
  return key;
}

void VarintKeyTo(int64_t index, int size, std::string* out) {
  const size_t n = static_cast<size_t>(std::max(size, 0));
  if (out->size() != n) out->resize(n);
  char* p = out->data();
  std::memset(p, 0, n);
  uint64_t ux = static_cast<uint64_t>(index) << 1;
  if (index < 0) ux = ~ux;
  for (size_t i = 0; i < n; ++i) {
    const bool more = ux >= 0x80;
    p[i] = static_cast<char>(more ? (ux & 0x7f) | 0x80 : ux);
    if (!more) break;
    ux >>= 7;
  }
}

std::string RandomBytes(int n, std::mt19937_64* rng) {
  std::string out(static_cast<size_t>(std::max(n, 0)), '\0');
  for (auto& c : out) c = static_cast<char>((*rng)() & 0xff);
  return out;
}

}  // namespace etcd::benchmark
