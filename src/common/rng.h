// Seeded randomness, injected like time: election timeouts, lease IDs and tokens all
// draw from an Rng that the composition root seeds (tests seed it with a constant).
//
// Thread safety: not thread-safe; give each owner its own Rng.
#pragma once

#include <cstdint>

namespace etcd {

// SplitMix64: tiny, fast, good enough for timeouts and IDs (never for secrets).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n must be > 0.
  uint64_t Uniform(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

}  // namespace etcd
