#include "tools/benchmark/keys.h"

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
  if (size <= 0) return "";
  std::string key(static_cast<size_t>(size), '\0');
  const std::string v = GoVarint(index);
  key.replace(0, std::min(v.size(), key.size()), v, 0, std::min(v.size(), key.size()));
  return key;
}

std::string RandomBytes(int n, std::mt19937_64* rng) {
  std::string out(static_cast<size_t>(std::max(n, 0)), '\0');
  for (auto& c : out) c = static_cast<char>((*rng)() & 0xff);
  return out;
}

}  // namespace etcd::benchmark
