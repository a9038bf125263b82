// An in-memory storage::Backend for membership tests (pending batch + committed map),
// enough to check what the membership store writes and recovers.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "storage/backend.h"

namespace etcd::membership::testing {

class FakeBackend final : public storage::Backend {
 public:
  using Key = std::pair<char, std::string>;
  void Put(storage::Bucket b, std::string_view k, std::string_view v) override {
    pending_[{static_cast<char>(b), std::string(k)}] = std::string(v);
  }
  void Delete(storage::Bucket b, std::string_view k) override {
    pending_[{static_cast<char>(b), std::string(k)}] = std::nullopt;
  }
  absl::StatusOr<std::optional<std::string>> Get(storage::Bucket b,
                                                 std::string_view k) const override {
    Key key{static_cast<char>(b), std::string(k)};
    if (auto it = pending_.find(key); it != pending_.end()) return it->second;
    if (auto it = data_.find(key); it != data_.end()) return std::optional<std::string>(it->second);
    return std::optional<std::string>();
  }
  absl::Status Scan(storage::Bucket b, std::string_view from, std::string_view to,
                    const storage::ScanFn& fn) const override {
    std::map<std::string, std::string> merged;
    for (const auto& [k, v] : data_) {
      if (k.first == static_cast<char>(b)) merged[k.second] = v;
    }
    for (const auto& [k, v] : pending_) {
      if (k.first != static_cast<char>(b)) continue;
      if (v)
        merged[k.second] = *v;
      else
        merged.erase(k.second);
    }
    for (auto it = merged.lower_bound(std::string(from)); it != merged.end(); ++it) {
      if (!to.empty() && it->first >= to) break;
      if (!fn(it->first, it->second)) break;
    }
    return absl::OkStatus();
  }
  absl::Status Commit(uint64_t index, uint64_t term) override {
    for (auto& [k, v] : pending_) {
      if (v)
        data_[k] = *v;
      else
        data_.erase(k);
    }
    pending_.clear();
    index_ = index;
    term_ = term;
    return absl::OkStatus();
  }
  absl::Status CommitSync(uint64_t index, uint64_t term) override { return Commit(index, term); }
  bool HasPending() const override { return !pending_.empty(); }
  std::unique_ptr<storage::ReadView> NewReadView() const override { return nullptr; }
  uint64_t ConsistentIndex() const override { return index_; }
  uint64_t ConsistentTerm() const override { return term_; }
  int64_t SizeBytes() const override { return 0; }
  int64_t SizeInUseBytes() const override { return 0; }
  absl::Status Defragment() override { return absl::OkStatus(); }

 private:
  std::map<Key, std::optional<std::string>> pending_;
  std::map<Key, std::string> data_;
  uint64_t index_ = 0, term_ = 0;
};

}  // namespace etcd::membership::testing
