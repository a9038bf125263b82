#include "watch/watcher_index.h"

#include <algorithm>
#include <utility>

namespace etcd::mvcc {

// A treap node: one range or from-key watcher, i.e. the interval [start, end) where a
// from-key watcher's end is +infinity. Ordered by (start, seq); heap-ordered by prio.
struct WatcherIndex::Node {
  Watcher* w = nullptr;
  uint64_t prio = 0;
  // Largest end in this subtree; max_inf when some interval in it is unbounded.
  const std::string* max_end = nullptr;
  bool max_inf = false;
  std::unique_ptr<Node> left, right;

  const std::string& start() const { return w->range.key; }
  bool inf() const { return w->range.kind == KeyRange::Kind::kFromKey; }
  const std::string& end() const { return w->range.end; }
};

namespace {

// Deterministic treap priorities: a SplitMix64 hash of the watcher's unique seq.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

WatcherIndex::WatcherIndex() = default;

WatcherIndex::~WatcherIndex() {
  // Tear the tree down iteratively so a degenerate shape cannot overflow the stack.
  std::vector<std::unique_ptr<Node>> stack;
  if (root_) stack.push_back(std::move(root_));
  while (!stack.empty()) {
    std::unique_ptr<Node> n = std::move(stack.back());
    stack.pop_back();
    if (n->left) stack.push_back(std::move(n->left));
    if (n->right) stack.push_back(std::move(n->right));
  }
}

void WatcherIndex::Update(Node* n) {
  n->max_inf = n->inf();
  n->max_end = n->inf() ? nullptr : &n->end();
  for (const Node* c : {n->left.get(), n->right.get()}) {
    if (c == nullptr) continue;
    if (c->max_inf) {
      n->max_inf = true;
    } else if (!n->max_inf && (n->max_end == nullptr || *c->max_end > *n->max_end)) {
      n->max_end = c->max_end;
    }
  }
}

// Splits `t` into nodes ordered before `pivot` (left) and the rest (right); with
// `inclusive`, `pivot` itself also goes left.
void WatcherIndex::Split(std::unique_ptr<Node> t, const Node& pivot, bool inclusive,
                         std::unique_ptr<Node>* left, std::unique_ptr<Node>* right) {
  if (!t) {
    left->reset();
    right->reset();
    return;
  }
  bool goes_left;
  if (t->start() != pivot.start()) {
    goes_left = t->start() < pivot.start();
  } else {
    goes_left = inclusive ? t->w->seq <= pivot.w->seq : t->w->seq < pivot.w->seq;
  }
  if (goes_left) {
    std::unique_ptr<Node> r_left, r_right;
    Split(std::move(t->right), pivot, inclusive, &r_left, &r_right);
    t->right = std::move(r_left);
    Update(t.get());
    *left = std::move(t);
    *right = std::move(r_right);
  } else {
    std::unique_ptr<Node> l_left, l_right;
    Split(std::move(t->left), pivot, inclusive, &l_left, &l_right);
    t->left = std::move(l_right);
    Update(t.get());
    *left = std::move(l_left);
    *right = std::move(t);
  }
}

std::unique_ptr<WatcherIndex::Node> WatcherIndex::Merge(std::unique_ptr<Node> a,
                                                        std::unique_ptr<Node> b) {
  if (!a) return b;
  if (!b) return a;
  if (a->prio > b->prio) {
    a->right = Merge(std::move(a->right), std::move(b));
    Update(a.get());
    return a;
  }
  b->left = Merge(std::move(a), std::move(b->left));
  Update(b.get());
  return b;
}

void WatcherIndex::Add(Watcher* w) {
  ++size_;
  if (w->range.kind == KeyRange::Kind::kSingle) {
    auto& v = single_[w->range.key];
    const auto later = [](const Watcher* x, const Watcher* y) {
      return x->stream_seq != y->stream_seq ? x->stream_seq < y->stream_seq : x->seq < y->seq;
    };
    v.insert(std::upper_bound(v.begin(), v.end(), w, later), w);
    return;
  }
  auto n = std::make_unique<Node>();
  n->w = w;
  n->prio = Mix(w->seq);
  Update(n.get());
  std::unique_ptr<Node> l, r;
  Split(std::move(root_), *n, /*inclusive=*/false, &l, &r);
  root_ = Merge(Merge(std::move(l), std::move(n)), std::move(r));
}

void WatcherIndex::Remove(Watcher* w) {
  if (w->range.kind == KeyRange::Kind::kSingle) {
    auto it = single_.find(w->range.key);
    if (it == single_.end()) return;
    auto& v = it->second;
    auto pos = std::find(v.begin(), v.end(), w);
    if (pos == v.end()) return;
    v.erase(pos);
    if (v.empty()) single_.erase(it);
    --size_;
    return;
  }
  Node probe;
  probe.w = w;
  std::unique_ptr<Node> l, mid, r;
  Split(std::move(root_), probe, /*inclusive=*/false, &l, &r);
  Split(std::move(r), probe, /*inclusive=*/true, &mid, &r);
  if (mid) --size_;  // `mid` holds exactly `w` when it was indexed
  root_ = Merge(std::move(l), std::move(r));
}

void WatcherIndex::Query(const Node* n, std::string_view key, absl::FunctionRef<void(Watcher*)> f) {
  // Every interval in this subtree ends at or before `key`: nothing here can match.
  while (n != nullptr && (n->max_inf || key < *n->max_end)) {
    Query(n->left.get(), key, f);
    if (key < std::string_view(n->start())) return;  // right subtree starts later still
    if (n->w->range.Contains(key)) f(n->w);
    n = n->right.get();
  }
}

void WatcherIndex::ForEachMatch(std::string_view key, absl::FunctionRef<void(Watcher*)> f) const {
  auto it = single_.find(std::string(key));
  if (it != single_.end()) {
    for (Watcher* w : it->second) f(w);
  }
  Query(root_.get(), key, f);
}

}  // namespace etcd::mvcc
