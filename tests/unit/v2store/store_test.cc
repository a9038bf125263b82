#include "v2store/store.h"

#include "gtest/gtest.h"

namespace etcd::v2store {
namespace {

constexpr int64_t kSec = 1000000000;
constexpr int64_t kNow = 1700000000 * kSec;

WriteOptions Val(const std::string& v, int64_t expire = 0) {
  WriteOptions o;
  o.value = v;
  o.expire_ns = expire;
  return o;
}
WriteOptions Dir() {
  WriteOptions o;
  o.dir = true;
  return o;
}

TEST(CleanPath, EtcdRules) {
  EXPECT_EQ(CleanPath("foo"), "/foo");
  EXPECT_EQ(CleanPath("/a//b/"), "/a/b");
  EXPECT_EQ(CleanPath("/a/./b/../c"), "/a/c");
  EXPECT_EQ(CleanPath(""), "/");
}

TEST(Store, SetCreatesThenUpdatesWithPrevNode) {
  Store s;
  auto a = s.Set("/d/k1", Val("v1"), kNow);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(
      a.event.Json(),
      R"({"action":"set","node":{"key":"/d/k1","value":"v1","modifiedIndex":1,"createdIndex":1}})");
  EXPECT_FALSE(a.event.prev_node.has_value());
  auto b = s.Set("/d/k1", Val("v2"), kNow);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(b.event.prev_node.has_value());
  EXPECT_EQ(b.event.prev_node->value, "v1");
  EXPECT_EQ(b.event.node.modified_index, 2u);
  EXPECT_EQ(s.Index(), 2u);
}

TEST(Store, EmptyRootShowsOnlyDir) {
  Store s;
  EXPECT_EQ(s.Get("/", false, false, kNow).event.Json(), R"({"action":"get","node":{"dir":true}})");
}

TEST(Store, GetMissingIs100WithCauseAndIndex) {
  Store s;
  s.Set("/a", Val("x"), kNow);
  auto g = s.Get("/nope", false, false, kNow);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error->Json(),
            R"({"errorCode":100,"message":"Key not found","cause":"/nope","index":1})");
  EXPECT_EQ(g.error->HttpStatus(), 404);
}

TEST(Store, CreateTwiceIs105) {
  Store s;
  ASSERT_TRUE(s.Create("/k", Val("a"), false, kNow).ok());
  auto c = s.Create("/k", Val("b"), false, kNow);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error->Json(),
            R"({"errorCode":105,"message":"Key already exists","cause":"/k","index":1})");
  EXPECT_EQ(c.error->HttpStatus(), 412);
}

TEST(Store, UpdateNeedsExistingKey) {
  Store s;
  EXPECT_EQ(s.Update("/k", Val("a"), kNow).error->code, kKeyNotFound);
  s.Set("/k", Val("a"), kNow);
  auto u = s.Update("/k", Val("b"), kNow);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.event.action, "update");
  EXPECT_EQ(u.event.node.created_index, 1u);
  EXPECT_EQ(u.event.node.modified_index, 2u);
}

TEST(Store, InOrderKeysAreZeroPaddedIndexes) {
  Store s;
  s.Set("/x", Val("1"), kNow);
  auto c = s.Create("/queue", Val("job"), true, kNow);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.event.node.key, "/queue/00000000000000000002");
}

TEST(Store, DirectoryListingHidesUnderscoreKeysAndNestsOnlyWhenRecursive) {
  Store s;
  s.Set("/tok/_config/size", Val("3"), kNow);
  s.Set("/tok/a", Val("1"), kNow);
  s.Set("/tok/sub/b", Val("2"), kNow);
  auto g = s.Get("/tok", false, true, kNow);
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g.event.node.nodes.size(), 2u);
  EXPECT_EQ(g.event.node.nodes[0].key, "/tok/a");
  EXPECT_EQ(g.event.node.nodes[1].key, "/tok/sub");
  EXPECT_TRUE(g.event.node.nodes[1].nodes.empty());
  auto r = s.Get("/tok", true, true, kNow);
  ASSERT_EQ(r.event.node.nodes[1].nodes.size(), 1u);
  // A hidden key can still be read directly.
  EXPECT_TRUE(s.Get("/tok/_config/size", false, false, kNow).ok());
}

TEST(Store, WritingUnderAFileIs104) {
  Store s;
  s.Set("/f", Val("x"), kNow);
  auto w = s.Set("/f/g", Val("y"), kNow);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error->code, kNotDir);
  EXPECT_EQ(w.error->cause, "/f");
  EXPECT_EQ(s.Index(), 1u);  // nothing was written
}

TEST(Store, SetOnADirectoryIs102) {
  Store s;
  s.Set("/d", Dir(), kNow);
  EXPECT_EQ(s.Set("/d", Val("x"), kNow).error->code, kNotFile);
  EXPECT_EQ(s.Set("/", Val("x"), kNow).error->code, kRootReadOnly);
  // A key may be replaced by a directory (etcd 3.4 does this on PUT dir=true).
  s.Set("/f", Val("x"), kNow);
  auto d = s.Set("/f", Dir(), kNow);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.event.Json(),
            R"({"action":"set","node":{"key":"/f","dir":true,"modifiedIndex":3,"createdIndex":3},)"
            R"("prevNode":{"key":"/f","value":"x","modifiedIndex":2,"createdIndex":2}})");
}

TEST(Store, CompareAndSwapCauses) {
  Store s;
  s.Set("/k", Val("one"), kNow);
  auto bad_value = s.CompareAndSwap("/k", std::string("two"), 0, Val("x"), kNow);
  EXPECT_EQ(bad_value.error->code, kTestFailed);
  EXPECT_EQ(bad_value.error->cause, "[two != one]");
  auto bad_index = s.CompareAndSwap("/k", std::nullopt, 7, Val("x"), kNow);
  EXPECT_EQ(bad_index.error->cause, "[7 != 1]");
  auto both = s.CompareAndSwap("/k", std::string("two"), 7, Val("x"), kNow);
  EXPECT_EQ(both.error->cause, "[two != one] [7 != 1]");
  auto ok = s.CompareAndSwap("/k", std::string("one"), 1, Val("x"), kNow);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.event.action, "compareAndSwap");
  EXPECT_EQ(*ok.event.node.value, "x");
}

TEST(Store, DeleteRules) {
  Store s;
  s.Set("/d/a", Val("1"), kNow);
  EXPECT_EQ(s.Delete("/d", false, false, kNow).error->code, kNotFile);
  EXPECT_EQ(s.Delete("/d", true, false, kNow).error->code, kDirNotEmpty);
  EXPECT_EQ(s.Delete("/", true, true, kNow).error->code, kRootReadOnly);
  auto d = s.Delete("/d/a", false, false, kNow);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.event.Json(),
            R"({"action":"delete","node":{"key":"/d/a","modifiedIndex":2,"createdIndex":1},)"
            R"("prevNode":{"key":"/d/a","value":"1","modifiedIndex":1,"createdIndex":1}})");
  EXPECT_TRUE(s.Delete("/d", true, false, kNow).ok());
}

TEST(Store, CompareAndDelete) {
  Store s;
  s.Set("/k", Val("v"), kNow);
  EXPECT_EQ(s.CompareAndDelete("/k", std::string("w"), 0, kNow).error->code, kTestFailed);
  auto d = s.CompareAndDelete("/k", std::string("v"), 0, kNow);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.event.action, "compareAndDelete");
}

TEST(Store, TtlShowsCeilingSecondsAndExpires) {
  Store s;
  s.Set("/t", Val("v", kNow + 10 * kSec), kNow);
  auto g = s.Get("/t", false, false, kNow + kSec / 2);
  EXPECT_EQ(g.event.node.ttl, 10);
  EXPECT_NE(g.event.Json().find(R"("expiration":"2023-11-14T22:13:30Z","ttl":10)"),
            std::string::npos)
      << g.event.Json();
  EXPECT_TRUE(s.HasExpiring());
  EXPECT_TRUE(s.DeleteExpired(kNow + 9 * kSec).empty());
  auto ev = s.DeleteExpired(kNow + 10 * kSec);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].action, "expire");
  EXPECT_FALSE(s.Get("/t", false, false, kNow).ok());
  EXPECT_FALSE(s.HasExpiring());
}

TEST(Store, RefreshKeepsValueAndFiresNoWatch) {
  Store s;
  s.Set("/t", Val("v", kNow + 5 * kSec), kNow);
  int fired = 0;
  uint64_t id = 0;
  bool reg = false;
  s.Watch(
      "/t", false, 0, [&](const Event&) { ++fired; }, &id, &reg);
  WriteOptions r;
  r.refresh = true;
  r.expire_ns = kNow + 60 * kSec;
  auto u = s.Update("/t", r, kNow);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(*u.event.node.value, "v");
  EXPECT_EQ(u.event.node.ttl, 60);
  EXPECT_EQ(fired, 0);
  WriteOptions missing;
  missing.refresh = true;
  EXPECT_EQ(s.Set("/none", missing, kNow).error->code, kKeyNotFound);
}

TEST(Store, WatchFromHistoryAndLive) {
  Store s;
  s.Set("/dir/a", Val("1"), kNow);  // 1
  s.Set("/other", Val("x"), kNow);  // 2
  uint64_t id = 0;
  bool reg = false;
  auto h = s.Watch("/dir", true, 1, nullptr, &id, &reg);
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(reg);
  EXPECT_EQ(h.event.node.key, "/dir/a");
  std::vector<Event> got;
  auto w = s.Watch(
      "/dir", true, 3, [&](const Event& e) { got.push_back(e); }, &id, &reg);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(reg);
  s.Set("/other", Val("y"), kNow);  // 3: not under /dir
  EXPECT_TRUE(got.empty());
  s.Set("/dir/_hidden", Val("h"), kNow);  // 4: hidden from the recursive watcher
  EXPECT_TRUE(got.empty());
  s.Create("/dir/b", Val("2"), false, kNow);  // 5
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].action, "create");
  EXPECT_EQ(s.WatcherCount(), 0u);  // one-shot
}

TEST(Store, WatchOnChildFiresWhenParentDirIsDeleted) {
  Store s;
  s.Set("/d/k", Val("1"), kNow);
  std::vector<Event> got;
  uint64_t id = 0;
  bool reg = false;
  s.Watch(
      "/d/k", false, 0, [&](const Event& e) { got.push_back(e); }, &id, &reg);
  s.Delete("/d", true, true, kNow);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].node.key, "/d");
}

TEST(Store, WatchOlderThanHistoryIs401) {
  Store s;
  for (int i = 0; i < 1100; ++i) s.Set("/k", Val(std::to_string(i)), kNow);
  uint64_t id = 0;
  bool reg = false;
  auto w = s.Watch("/k", false, 5, nullptr, &id, &reg);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error->code, kEventIndexCleared);
  EXPECT_EQ(w.error->cause, "the requested history has been cleared [101/5]");
  EXPECT_EQ(w.error->Message(), "The event in requested index is outdated and cleared");
}

TEST(Store, CancelWatch) {
  Store s;
  uint64_t id = 0;
  bool reg = false;
  s.Watch(
      "/k", false, 0, [](const Event&) {}, &id, &reg);
  EXPECT_EQ(s.WatcherCount(), 1u);
  s.CancelWatch(id);
  EXPECT_EQ(s.WatcherCount(), 0u);
}

TEST(Store, SaveAndRecover) {
  Store s;
  s.Set("/a/b", Val("1"), kNow);
  s.Set("/t", Val("v", kNow + 5 * kSec), kNow);
  s.Set("/_h", Val("hidden"), kNow);
  Store r;
  ASSERT_TRUE(r.Recover(s.Save()));
  EXPECT_EQ(r.Index(), s.Index());
  EXPECT_EQ(r.Get("/", true, true, kNow).event.Json(), s.Get("/", true, true, kNow).event.Json());
  EXPECT_TRUE(r.Get("/_h", false, false, kNow).ok());
  EXPECT_FALSE(r.Recover("not json"));
}

}  // namespace
}  // namespace etcd::v2store
