#include "v2store/store.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace etcd::v2store {
namespace {

constexpr size_t kHistoryCapacity = 1000;

std::string Parent(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == 0 || pos == std::string::npos) return "/";
  return path.substr(0, pos);
}

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// etcd's isHidden: a key below the watched path whose remaining path has a "_" segment.
bool IsHidden(const std::string& watch_path, const std::string& key) {
  if (watch_path.size() > key.size()) return false;
  std::string after = CleanPath(key.substr(watch_path == "/" ? 0 : watch_path.size()));
  return absl::StrContains(after, "/_");
}

// A directory went away (its watchers below it are notified).
bool IsDirRemoval(const Event& e) {
  return e.node.dir &&
         (e.action == "delete" || e.action == "expire" || e.action == "compareAndDelete");
}

std::string FormatExpiration(int64_t ns) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixNanos(ns), absl::UTCTimeZone());
}

nlohmann::ordered_json NodeJson(const NodeView& n) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!n.key.empty()) j["key"] = n.key;
  if (n.dir) j["dir"] = true;
  if (n.value.has_value()) j["value"] = *n.value;
  if (!n.nodes.empty()) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& c : n.nodes) arr.push_back(NodeJson(c));
    j["nodes"] = std::move(arr);
  }
  if (n.expire_ns != 0) {
    j["expiration"] = FormatExpiration(n.expire_ns);
    j["ttl"] = n.ttl;
  }
  if (n.modified_index != 0) j["modifiedIndex"] = n.modified_index;
  if (n.created_index != 0) j["createdIndex"] = n.created_index;
  return j;
}

}  // namespace

struct Store::Node {
  std::string path;
  bool dir = false;
  std::string value;
  uint64_t created = 0;
  uint64_t modified = 0;
  int64_t expire_ns = 0;
  std::map<std::string, std::unique_ptr<Node>> children;
  Node* parent = nullptr;
};

std::string CleanPath(const std::string& key) {
  std::vector<std::string> parts;
  for (absl::string_view s : absl::StrSplit(key, '/')) {
    if (s.empty() || s == ".") continue;
    if (s == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(s);
  }
  std::string out;
  for (const auto& p : parts) absl::StrAppend(&out, "/", p);
  return out.empty() ? "/" : out;
}

std::string Event::Json() const {
  nlohmann::ordered_json j;
  j["action"] = action;
  j["node"] = NodeJson(node);
  if (prev_node.has_value()) j["prevNode"] = NodeJson(*prev_node);
  return j.dump();
}

Store::Store() : root_(std::make_unique<Node>()) {
  root_->path = "/";
  root_->dir = true;
}

Store::~Store() = default;

uint64_t Store::Index() const {
  absl::MutexLock l(&mu_);
  return index_;
}

V2Error Store::Err(int code, const std::string& cause) const {
  return V2Error{code, cause, index_};
}

Store::Node* Store::Find(const std::string& path) const {
  Node* n = root_.get();
  if (path == "/") return n;
  for (absl::string_view seg : absl::StrSplit(path.substr(1), '/')) {
    if (!n->dir) return nullptr;
    auto it = n->children.find(std::string(seg));
    if (it == n->children.end()) return nullptr;
    n = it->second.get();
  }
  return n;
}

NodeView Store::View(const Node* n, bool recursive, bool sorted, bool list, int64_t now_ns) const {
  NodeView v;
  v.key = n == root_.get() ? "" : n->path;
  v.dir = n->dir;
  if (!n->dir) v.value = n->value;
  v.created_index = n->created;
  v.modified_index = n->modified;
  if (n->expire_ns != 0) {
    v.expire_ns = n->expire_ns;
    int64_t left = n->expire_ns - now_ns;
    int64_t ttl = left / 1000000000;
    if (left % 1000000000 > 0) ++ttl;
    v.ttl = ttl;
  }
  if (n->dir && list) {
    v.listed_children = true;
    for (const auto& [name, child] : n->children) {
      if (!name.empty() && name[0] == '_') continue;  // hidden
      v.nodes.push_back(View(child.get(), recursive, sorted, recursive, now_ns));
    }
  }
  (void)sorted;  // children are kept sorted by name: sorted and unsorted listings agree
  return v;
}

Outcome Store::Get(const std::string& key, bool recursive, bool sorted, int64_t now_ns) const {
  absl::MutexLock l(&mu_);
  std::string path = CleanPath(key);
  Outcome o;
  const Node* n = Find(path);
  if (n == nullptr) {
    o.error = Err(kKeyNotFound, path);
    return o;
  }
  o.event.action = "get";
  o.event.node = View(n, recursive, sorted, true, now_ns);
  o.event.etcd_index = index_;
  return o;
}

Store::Node* Store::MakeDirs(const std::string& dir_path, V2Error* err) {
  // Check first, create after: a failed write leaves nothing behind.
  Node* n = root_.get();
  std::vector<std::string> segs;
  if (dir_path != "/") segs = absl::StrSplit(dir_path.substr(1), '/');
  std::string prefix;
  for (const auto& seg : segs) {
    absl::StrAppend(&prefix, "/", seg);
    auto it = n->children.find(seg);
    if (it == n->children.end()) break;
    if (!it->second->dir) {
      *err = Err(kNotDir, prefix);
      return nullptr;
    }
    n = it->second.get();
  }
  n = root_.get();
  prefix.clear();
  for (const auto& seg : segs) {
    absl::StrAppend(&prefix, "/", seg);
    auto& slot = n->children[seg];
    if (!slot) {
      slot = std::make_unique<Node>();
      slot->path = prefix;
      slot->dir = true;
      slot->created = slot->modified = index_ + 1;
      slot->parent = n;
    }
    n = slot.get();
  }
  return n;
}

Outcome Store::Write(const char* action, const std::string& key, const WriteOptions& opts,
                     std::optional<bool> must_exist, int64_t now_ns) {
  Outcome o;
  std::string path = CleanPath(key);
  if (path == "/") {
    o.error = Err(kRootReadOnly, "/");
    return o;
  }
  Node* existing = Find(path);
  if (must_exist == true && existing == nullptr) {
    o.error = Err(kKeyNotFound, path);
    return o;
  }
  if (must_exist == false && existing != nullptr) {
    o.error = Err(kNodeExist, path);
    return o;
  }
  if (opts.refresh && existing == nullptr) {
    o.error = Err(kKeyNotFound, path);
    return o;
  }
  std::vector<std::pair<WatchCallback, Event>> fire;
  if (existing != nullptr) {
    // A directory may only get a TTL change (an update without a value); a key may be
    // replaced by a directory (set dir=true), as etcd does.
    bool dir_ttl_update = existing->dir && must_exist == true && opts.value.empty();
    if (existing->dir && !dir_ttl_update) {
      o.error = Err(kNotFile, path);
      return o;
    }
    o.event.prev_node = View(existing, false, false, false, now_ns);
    ++index_;
    if (!existing->dir && opts.dir && !opts.refresh) {
      existing->dir = true;
      existing->value.clear();
    } else if (!opts.refresh && !existing->dir) {
      existing->value = opts.value;
    }
    existing->modified = index_;
    existing->expire_ns = opts.expire_ns;
    if (std::string(action) == "set" && !opts.refresh) existing->created = index_;
    o.event.action = action;
    o.event.node = View(existing, false, false, false, now_ns);
    o.event.etcd_index = index_;
    if (!opts.refresh) Record(o.event, &fire);
  } else {
    V2Error err;
    Node* parent = MakeDirs(Parent(path), &err);
    if (parent == nullptr) {
      o.error = err;
      return o;
    }
    ++index_;
    auto node = std::make_unique<Node>();
    node->path = path;
    node->dir = opts.dir;
    if (!opts.dir) node->value = opts.value;
    node->created = node->modified = index_;
    node->expire_ns = opts.expire_ns;
    node->parent = parent;
    Node* raw = node.get();
    parent->children[BaseName(path)] = std::move(node);
    o.event.action = action;
    o.event.node = View(raw, false, false, false, now_ns);
    o.event.etcd_index = index_;
    Record(o.event, &fire);
  }
  mu_.Unlock();
  Fire(std::move(fire));
  mu_.Lock();
  return o;
}

Outcome Store::Set(const std::string& key, const WriteOptions& opts, int64_t now_ns) {
  absl::MutexLock l(&mu_);
  return Write("set", key, opts, std::nullopt, now_ns);
}

Outcome Store::Create(const std::string& key, const WriteOptions& opts, bool unique,
                      int64_t now_ns) {
  absl::MutexLock l(&mu_);
  std::string path = CleanPath(key);
  if (unique) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(index_ + 1));
    path = (path == "/" ? "" : path) + "/" + buf;
  }
  return Write("create", path, opts, false, now_ns);
}

Outcome Store::Update(const std::string& key, const WriteOptions& opts, int64_t now_ns) {
  absl::MutexLock l(&mu_);
  return Write("update", key, opts, true, now_ns);
}

namespace {
std::string CompareFailCause(const std::optional<std::string>& prev_value, uint64_t prev_index,
                             const std::string& value, uint64_t index, bool value_ok,
                             bool index_ok) {
  if (!value_ok && !index_ok) {
    return absl::StrCat("[", prev_value.value_or(""), " != ", value, "] [", prev_index,
                        " != ", index, "]");
  }
  if (!value_ok) return absl::StrCat("[", prev_value.value_or(""), " != ", value, "]");
  return absl::StrCat("[", prev_index, " != ", index, "]");
}
}  // namespace

Store::Node* Store::CompareTarget(const std::string& path,
                                  const std::optional<std::string>& prev_value, uint64_t prev_index,
                                  Outcome* o) {
  Node* n = Find(path);
  if (n == nullptr) {
    o->error = Err(kKeyNotFound, path);
    return nullptr;
  }
  if (n->dir) {
    o->error = Err(kNotFile, path);
    return nullptr;
  }
  bool value_ok = !prev_value.has_value() || *prev_value == n->value;
  bool index_ok = prev_index == 0 || prev_index == n->modified;
  if (!value_ok || !index_ok) {
    o->error = Err(kTestFailed, CompareFailCause(prev_value, prev_index, n->value, n->modified,
                                                 value_ok, index_ok));
    return nullptr;
  }
  return n;
}

Outcome Store::CompareAndSwap(const std::string& key, const std::optional<std::string>& prev_value,
                              uint64_t prev_index, const WriteOptions& opts, int64_t now_ns) {
  absl::MutexLock l(&mu_);
  Outcome o;
  std::string path = CleanPath(key);
  if (path == "/") {
    o.error = Err(kRootReadOnly, "/");
    return o;
  }
  Node* n = CompareTarget(path, prev_value, prev_index, &o);
  if (n == nullptr) return o;
  std::vector<std::pair<WatchCallback, Event>> fire;
  o.event.prev_node = View(n, false, false, false, now_ns);
  ++index_;
  if (!opts.refresh) n->value = opts.value;
  n->modified = index_;
  n->expire_ns = opts.expire_ns;
  o.event.action = "compareAndSwap";
  o.event.node = View(n, false, false, false, now_ns);
  o.event.etcd_index = index_;
  if (!opts.refresh) Record(o.event, &fire);
  mu_.Unlock();
  Fire(std::move(fire));
  mu_.Lock();
  return o;
}

Outcome Store::DeleteNode(const char* action, Node* n, int64_t now_ns) {
  Outcome o;
  std::vector<std::pair<WatchCallback, Event>> fire;
  o.event.prev_node = View(n, false, false, false, now_ns);
  ++index_;
  NodeView v;
  v.key = n->path;
  v.dir = n->dir;
  v.created_index = n->created;
  v.modified_index = index_;
  o.event.action = action;
  o.event.node = v;
  o.event.etcd_index = index_;
  Node* parent = n->parent;
  parent->children.erase(BaseName(n->path));
  Record(o.event, &fire);
  mu_.Unlock();
  Fire(std::move(fire));
  mu_.Lock();
  return o;
}

Outcome Store::Delete(const std::string& key, bool dir, bool recursive, int64_t now_ns) {
  absl::MutexLock l(&mu_);
  Outcome o;
  std::string path = CleanPath(key);
  if (path == "/") {
    o.error = Err(kRootReadOnly, "/");
    return o;
  }
  Node* n = Find(path);
  if (n == nullptr) {
    o.error = Err(kKeyNotFound, path);
    return o;
  }
  if (recursive) dir = true;
  if (n->dir) {
    if (!dir) {
      o.error = Err(kNotFile, path);
      return o;
    }
    if (!n->children.empty() && !recursive) {
      o.error = Err(kDirNotEmpty, path);
      return o;
    }
  }
  return DeleteNode("delete", n, now_ns);
}

Outcome Store::CompareAndDelete(const std::string& key,
                                const std::optional<std::string>& prev_value, uint64_t prev_index,
                                int64_t now_ns) {
  absl::MutexLock l(&mu_);
  Outcome o;
  std::string path = CleanPath(key);
  Node* n = CompareTarget(path, prev_value, prev_index, &o);
  if (n == nullptr) return o;
  return DeleteNode("compareAndDelete", n, now_ns);
}

bool Store::HasExpiring() const {
  absl::MutexLock l(&mu_);
  std::vector<const Node*> stack{root_.get()};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (n->expire_ns != 0) return true;
    for (const auto& [name, child] : n->children) stack.push_back(child.get());
  }
  return false;
}

std::vector<Event> Store::DeleteExpired(int64_t now_ns) {
  absl::MutexLock l(&mu_);
  std::vector<Event> out;
  for (;;) {
    // Find the expired node with the smallest path (parents before children).
    Node* victim = nullptr;
    std::vector<Node*> stack{root_.get()};
    while (!stack.empty() && victim == nullptr) {
      Node* n = stack.back();
      stack.pop_back();
      if (n != root_.get() && n->expire_ns != 0 && n->expire_ns <= now_ns) {
        victim = n;
        break;
      }
      for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) {
        stack.push_back(it->second.get());
      }
    }
    if (victim == nullptr) break;
    out.push_back(DeleteNode("expire", victim, now_ns).event);
  }
  return out;
}

bool Store::Matches(const Watcher& w, const std::string& key, bool deleted_dir) {
  if (key == w.path) return true;
  if (w.recursive) {
    std::string prefix = w.path == "/" ? "/" : w.path + "/";
    if (absl::StartsWith(key, prefix) && !IsHidden(w.path, key)) return true;
  }
  // A deleted or expired directory notifies the watchers below it.
  if (deleted_dir && absl::StartsWith(w.path, key + "/")) return true;
  return false;
}

void Store::Record(const Event& e, std::vector<std::pair<WatchCallback, Event>>* fire) {
  history_.push_back(e);
  if (history_.size() > kHistoryCapacity) history_.pop_front();
  bool deleted_dir = IsDirRemoval(e);
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    if (e.node.modified_index >= it->second.since && Matches(it->second, e.node.key, deleted_dir)) {
      fire->emplace_back(std::move(it->second.cb), e);
      it = watchers_.erase(it);
    } else {
      ++it;
    }
  }
}

void Store::Fire(std::vector<std::pair<WatchCallback, Event>> fire) {
  for (auto& [cb, e] : fire) cb(e);
}

Outcome Store::Watch(const std::string& key, bool recursive, uint64_t since, WatchCallback cb,
                     uint64_t* id, bool* registered) {
  absl::MutexLock l(&mu_);
  Outcome o;
  *registered = false;
  Watcher w{CleanPath(key), recursive, since, std::move(cb)};
  if (since > 0 && since <= index_) {
    if (!history_.empty() && since < history_.front().node.modified_index) {
      o.error = Err(kEventIndexCleared,
                    absl::StrCat("the requested history has been cleared [",
                                 history_.front().node.modified_index, "/", since, "]"));
      return o;
    }
    for (const auto& e : history_) {
      bool deleted_dir = IsDirRemoval(e);
      if (e.node.modified_index >= since && Matches(w, e.node.key, deleted_dir)) {
        o.event = e;
        return o;
      }
    }
  }
  if (since == 0) w.since = index_ + 1;
  *id = next_watcher_++;
  watchers_.emplace(*id, std::move(w));
  *registered = true;
  return o;
}

void Store::CancelWatch(uint64_t id) {
  absl::MutexLock l(&mu_);
  watchers_.erase(id);
}

size_t Store::WatcherCount() const {
  absl::MutexLock l(&mu_);
  return watchers_.size();
}

std::string Store::Save() const {
  absl::MutexLock l(&mu_);
  std::function<nlohmann::json(const Node*)> save = [&](const Node* n) {
    nlohmann::json j;
    j["p"] = n->path;
    j["d"] = n->dir;
    if (!n->dir) j["v"] = n->value;
    j["c"] = n->created;
    j["m"] = n->modified;
    if (n->expire_ns != 0) j["e"] = n->expire_ns;
    if (n->dir) {
      auto arr = nlohmann::json::array();
      for (const auto& [name, child] : n->children) arr.push_back(save(child.get()));
      j["n"] = std::move(arr);
    }
    return j;
  };
  nlohmann::json j;
  j["index"] = index_;
  j["root"] = save(root_.get());
  return j.dump();
}

bool Store::Recover(const std::string& data) {
  nlohmann::json j = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("root") || !j.contains("index")) {
    return false;
  }
  std::function<std::unique_ptr<Node>(const nlohmann::json&, Node*)> load =
      [&](const nlohmann::json& o, Node* parent) -> std::unique_ptr<Node> {
    if (!o.is_object()) return nullptr;
    auto n = std::make_unique<Node>();
    n->path = o.value("p", std::string("/"));
    n->dir = o.value("d", false);
    n->value = o.value("v", std::string());
    n->created = o.value("c", uint64_t{0});
    n->modified = o.value("m", uint64_t{0});
    n->expire_ns = o.value("e", int64_t{0});
    n->parent = parent;
    if (o.contains("n") && o["n"].is_array()) {
      for (const auto& c : o["n"]) {
        auto child = load(c, n.get());
        if (!child) return nullptr;
        std::string name = child->path.substr(child->path.rfind('/') + 1);
        n->children[name] = std::move(child);
      }
    }
    return n;
  };
  auto root = load(j["root"], nullptr);
  if (!root || !j["index"].is_number_unsigned()) return false;
  absl::MutexLock l(&mu_);
  root_ = std::move(root);
  index_ = j["index"].get<uint64_t>();
  history_.clear();
  return true;
}

}  // namespace etcd::v2store
