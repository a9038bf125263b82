// The index of synced watchers by key: which watchers does a changed key concern?
//
// Single-key watchers sit in a hash map (key -> watchers, ordered by (stream_seq, seq),
// so the watchers of one key come out in delivery order). Range and from-key watchers
// sit in an interval treap ordered by start key and augmented with the largest end in
// each subtree, so a stabbing query costs O(log n + matches) instead of a scan.
//
// Thread safety: not thread-safe; WatchableStore guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/functional/function_ref.h"
#include "watch/watcher.h"

namespace etcd::mvcc {

class WatcherIndex {
 public:
  WatcherIndex();
  ~WatcherIndex();
  WatcherIndex(const WatcherIndex&) = delete;
  WatcherIndex& operator=(const WatcherIndex&) = delete;

  // REQUIRES: `w` is not in the index; its range and seq do not change while it is.
  void Add(Watcher* w);
  // No-op if `w` is not in the index.
  void Remove(Watcher* w);
  // Calls `f` once for every indexed watcher whose range contains `key` (any order).
  void ForEachMatch(std::string_view key, absl::FunctionRef<void(Watcher*)> f) const;

  size_t size() const { return size_; }

 private:
  struct Node;
  static void Update(Node* n);
  static void Split(std::unique_ptr<Node> t, const Node& pivot, bool inclusive,
                    std::unique_ptr<Node>* left, std::unique_ptr<Node>* right);
  static std::unique_ptr<Node> Merge(std::unique_ptr<Node> a, std::unique_ptr<Node> b);
  static void Query(const Node* n, std::string_view key, absl::FunctionRef<void(Watcher*)> f);

  std::unordered_map<std::string, std::vector<Watcher*>> single_;
  std::unique_ptr<Node> root_;  // range and from-key watchers
  size_t size_ = 0;
};

}  // namespace etcd::mvcc
