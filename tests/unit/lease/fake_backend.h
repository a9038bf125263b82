// An in-memory storage::Backend for the lease tests: a pending batch merged over a
// committed std::map, with Commit() moving the batch over. Not thread-safe (the tests
// drive it from one thread). Replace with Backend::Open on a MemEnv once useful.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "storage/backend.h"

namespace etcd::lease::testing {

class FakeBackend final : public storage::Backend {
 public:
  void Put(storage::Bucket bucket, std::string_view key, std::string_view value) override {
    pending_[Full(bucket, key)] = std::string(value);
  }
  void Delete(storage::Bucket bucket, std::string_view key) override {
    pending_[Full(bucket, key)] = std::nullopt;
  }
  absl::StatusOr<std::optional<std::string>> Get(storage::Bucket bucket,
                                                 std::string_view key) const override {
    const std::string full = Full(bucket, key);
    if (auto it = pending_.find(full); it != pending_.end()) return it->second;
    if (auto it = committed_.find(full); it != committed_.end()) {
      return std::optional<std::string>(it->second);
    }
    return std::optional<std::string>();
  }
  absl::Status Scan(storage::Bucket bucket, std::string_view from, std::string_view to,
                    const storage::ScanFn& fn) const override {
    std::map<std::string, std::string> merged = committed_;
    for (const auto& [k, v] : pending_) {
      if (v.has_value()) {
        merged[k] = *v;
      } else {
        merged.erase(k);
      }
    }
    return ScanMap(merged, bucket, from, to, fn);
  }
  absl::Status Commit(uint64_t index, uint64_t term) override {
    for (const auto& [k, v] : pending_) {
      if (v.has_value()) {
        committed_[k] = *v;
      } else {
        committed_.erase(k);
      }
    }
    pending_.clear();
    index_ = index;
    term_ = term;
    return absl::OkStatus();
  }
  absl::Status CommitSync(uint64_t index, uint64_t term) override { return Commit(index, term); }
  bool HasPending() const override { return !pending_.empty(); }

  std::unique_ptr<storage::ReadView> NewReadView() const override {
    return std::make_unique<View>(committed_);
  }
  uint64_t ConsistentIndex() const override { return index_; }
  uint64_t ConsistentTerm() const override { return term_; }
  int64_t SizeBytes() const override { return 0; }
  int64_t SizeInUseBytes() const override { return 0; }
  absl::Status Defragment() override { return absl::OkStatus(); }

  // Test helper: drops the pending batch (a crash before Commit).
  void DropPending() { pending_.clear(); }

 private:
  static std::string Full(storage::Bucket bucket, std::string_view key) {
    std::string full(1, static_cast<char>(bucket));
    full.append(key);
    return full;
  }
  static absl::Status ScanMap(const std::map<std::string, std::string>& m, storage::Bucket bucket,
                              std::string_view from, std::string_view to,
                              const storage::ScanFn& fn) {
    const std::string lo = Full(bucket, from);
    std::string hi = to.empty() ? std::string(1, static_cast<char>(bucket) + 1) : Full(bucket, to);
    for (auto it = m.lower_bound(lo); it != m.end() && it->first < hi; ++it) {
      if (!fn(std::string_view(it->first).substr(1), it->second)) break;
    }
    return absl::OkStatus();
  }

  class View final : public storage::ReadView {
   public:
    explicit View(std::map<std::string, std::string> data) : data_(std::move(data)) {}
    absl::StatusOr<std::optional<std::string>> Get(storage::Bucket bucket,
                                                   std::string_view key) const override {
      auto it = data_.find(Full(bucket, key));
      if (it == data_.end()) return std::optional<std::string>();
      return std::optional<std::string>(it->second);
    }
    absl::Status Scan(storage::Bucket bucket, std::string_view from, std::string_view to,
                      const storage::ScanFn& fn) const override {
      return ScanMap(data_, bucket, from, to, fn);
    }

   private:
    std::map<std::string, std::string> data_;
  };

  std::map<std::string, std::optional<std::string>> pending_;
  std::map<std::string, std::string> committed_;
  uint64_t index_ = 0;
  uint64_t term_ = 0;
};

}  // namespace etcd::lease::testing
