// The v2 keys store (etcd --enable-v2): a tree of directories and keys with
// createdIndex/modifiedIndex, TTLs, hidden "_" keys, one-shot watchers with waitIndex
// served from the last 1000 events, and etcd's v2 JSON forms. Writes are applied in
// Raft order by the applier on every member (docs/design/v2store.md); time is passed in
// (the applier uses the time carried in the entry), so replicas stay identical.
//
// Thread safety: every public method may be called from any thread (one internal mutex).
// Watch callbacks run after the mutex is released, on the writer's thread; they must not
// block (hand off to the HTTP layer).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "v2store/v2_error.h"

namespace etcd::v2store {

// A node as the API shows it (etcd's NodeExtern).
struct NodeView {
  std::string key;
  bool dir = false;
  std::optional<std::string> value;  // absent for directories
  std::vector<NodeView> nodes;       // listed children (directories)
  bool listed_children = false;      // "nodes" present (a listed directory)
  int64_t expire_ns = 0;             // 0: permanent
  int64_t ttl = 0;                   // seconds left, rounded up
  uint64_t modified_index = 0;
  uint64_t created_index = 0;
};

struct Event {
  std::string action;  // get, set, create, update, compareAndSwap, delete, compareAndDelete, expire
  NodeView node;
  std::optional<NodeView> prev_node;
  uint64_t etcd_index = 0;  // the store's index after this event (X-Etcd-Index)
  std::string Json() const;
};

struct Outcome {
  std::optional<V2Error> error;
  Event event;
  bool ok() const { return !error.has_value(); }
};

struct WriteOptions {
  bool dir = false;
  std::string value;
  int64_t expire_ns = 0;  // 0: permanent
  bool refresh = false;   // keep the value, only reset the TTL (no watch event)
};

// "/a//b/" -> "/a/b" (etcd cleans every key with path.Clean("/" + key)).
std::string CleanPath(const std::string& key);

class Store {
 public:
  Store();
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  uint64_t Index() const;

  Outcome Get(const std::string& key, bool recursive, bool sorted, int64_t now_ns) const;
  Outcome Set(const std::string& key, const WriteOptions& opts, int64_t now_ns);
  // prevExist=false; `unique` (POST) appends a 20-digit in-order key under `key`.
  Outcome Create(const std::string& key, const WriteOptions& opts, bool unique, int64_t now_ns);
  // prevExist=true
  Outcome Update(const std::string& key, const WriteOptions& opts, int64_t now_ns);
  Outcome CompareAndSwap(const std::string& key, const std::optional<std::string>& prev_value,
                         uint64_t prev_index, const WriteOptions& opts, int64_t now_ns);
  Outcome Delete(const std::string& key, bool dir, bool recursive, int64_t now_ns);
  Outcome CompareAndDelete(const std::string& key, const std::optional<std::string>& prev_value,
                           uint64_t prev_index, int64_t now_ns);
  // True when some key or directory has a TTL (the leader then proposes SYNCs).
  bool HasExpiring() const;
  // Deletes every key whose TTL ran out at `now_ns` ("expire" events).
  std::vector<Event> DeleteExpired(int64_t now_ns);

  // A one-shot watch. If `since` > 0 and an event at or after `since` is in the history,
  // it is returned at once. Otherwise the callback is registered (its id in *id) and is
  // called once with the next matching event. `since` older than the history gives
  // errorCode 401.
  using WatchCallback = std::function<void(const Event&)>;
  Outcome Watch(const std::string& key, bool recursive, uint64_t since, WatchCallback cb,
                uint64_t* id, bool* registered);
  void CancelWatch(uint64_t id);
  size_t WatcherCount() const;

  // The whole store (tree + index) as JSON, and back (restart, snapshot install).
  std::string Save() const;
  bool Recover(const std::string& data);

 private:
  struct Node;
  struct Watcher {
    std::string path;
    bool recursive;
    uint64_t since;
    WatchCallback cb;
  };

  Node* Find(const std::string& path) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  NodeView View(const Node* n, bool recursive, bool sorted, bool list, int64_t now_ns) const;
  Outcome Write(const char* action, const std::string& key, const WriteOptions& opts,
                std::optional<bool> must_exist, int64_t now_ns) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The key a compare-and-swap/delete acts on, or null with o->error set (100, 102, 101).
  Node* CompareTarget(const std::string& path, const std::optional<std::string>& prev_value,
                      uint64_t prev_index, Outcome* o) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Outcome DeleteNode(const char* action, Node* n, int64_t now_ns)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Node* MakeDirs(const std::string& dir_path, V2Error* err) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(const Event& e, std::vector<std::pair<WatchCallback, Event>>* fire)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static bool Matches(const Watcher& w, const std::string& key, bool deleted_dir);
  V2Error Err(int code, const std::string& cause) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Fire(std::vector<std::pair<WatchCallback, Event>> fire);

  mutable absl::Mutex mu_;
  std::unique_ptr<Node> root_ ABSL_GUARDED_BY(mu_);
  uint64_t index_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<Event> history_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Watcher> watchers_ ABSL_GUARDED_BY(mu_);
  uint64_t next_watcher_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace etcd::v2store
