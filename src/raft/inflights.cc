#include "raft/inflights.h"

#include <algorithm>

#include "raft/util.h"

namespace etcd::raft {

void Inflights::Add(uint64_t inflight) {
  if (Full()) Panic(nullptr, "cannot add into a Full inflights");
  size_t next = start_ + count_;
  if (next >= size_) next -= size_;
  if (next >= buffer_.size()) {
    // Grow geometrically, never beyond size_.
    size_t want = std::min(size_, std::max<size_t>(buffer_.size() * 2, 1));
    buffer_.resize(want);
  }
  buffer_[next] = inflight;
  ++count_;
}

void Inflights::FreeLE(uint64_t to) {
  if (count_ == 0 || to < buffer_[start_]) return;  // out of the left side of the window
  size_t idx = start_;
  size_t i = 0;
  for (; i < count_; ++i) {
    if (to < buffer_[idx]) break;  // found the first larger inflight
    if (++idx >= size_) idx -= size_;
  }
  count_ -= i;
  start_ = idx;
  if (count_ == 0) start_ = 0;  // keep the ring compact when empty
}

void Inflights::FreeFirstOne() {
  if (count_ == 0) return;
  FreeLE(buffer_[start_]);
}

}  // namespace etcd::raft
