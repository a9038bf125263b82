#include "watch/watchable_store.h"

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "watch/fake_event_history.h"

namespace etcd::mvcc {
namespace {

using etcdserverpb::WatchCreateRequest;
using etcdserverpb::WatchResponse;
using testing::FakeEventHistory;

// A client of one stream: counts wakes and drains responses.
struct Client {
  std::atomic<int> wakes{0};
  std::unique_ptr<WatchStream> stream;

  explicit Client(WatchableStore* store) {
    stream = store->NewStream([this] { ++wakes; });
  }
  std::vector<WatchResponse> Drain() {
    std::vector<WatchResponse> out;
    WatchResponse r;
    while (stream->Next(&r)) out.push_back(r);
    return out;
  }
  WatchResponse One() {
    auto v = Drain();
    EXPECT_EQ(v.size(), 1u);
    return v.empty() ? WatchResponse() : v[0];
  }
};

WatchCreateRequest Req(const std::string& key, const std::string& end = "", int64_t start = 0) {
  WatchCreateRequest r;
  r.set_key(key);
  r.set_range_end(end);
  r.set_start_revision(start);
  return r;
}

class WatchableStoreTest : public ::testing::Test {
 protected:
  WatchableStoreTest() { Reset(WatchOptions{}); }
  void Reset(WatchOptions o) {
    store_.reset();
    o.progress_notify_interval =
        o.progress_notify_interval.count() ? o.progress_notify_interval : std::chrono::seconds(1);
    store_ = std::make_unique<WatchableStore>(&hist_, &clock_, o);
  }
  void Apply(std::vector<mvccpb::Event> evs) {
    store_->Notify(hist_.CommittedRev(), std::move(evs));
  }
  void Put(const std::string& k, const std::string& v) { Apply(hist_.Put(k, v)); }
  void Del(const std::string& k) { Apply(hist_.Delete(k)); }

  FakeEventHistory hist_;
  FakeClock clock_;
  std::unique_ptr<WatchableStore> store_;
};

// §3.1: created ack, IDs from 0, header.revision = current revision.
TEST_F(WatchableStoreTest, CreateAckCarriesIdAndCurrentRevision) {
  Put("a", "1");
  Put("a", "2");  // store at rev 3
  Client c(store_.get());
  c.stream->Create(Req("a"));
  c.stream->Create(Req("b"));
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_TRUE(rs[0].created());
  EXPECT_FALSE(rs[0].canceled());
  EXPECT_EQ(rs[0].watch_id(), 0);
  EXPECT_EQ(rs[0].header().revision(), 3);
  EXPECT_EQ(rs[1].watch_id(), 1);
  EXPECT_GE(c.wakes.load(), 1);
}

// IDs are per stream: a second stream starts at 0 again; explicit IDs are skipped by
// the automatic ones.
TEST_F(WatchableStoreTest, AutoIdsArePerStreamAndSkipExplicitOnes) {
  Client c1(store_.get()), c2(store_.get());
  auto r = Req("k");
  r.set_watch_id(1);
  c1.stream->Create(r);
  c1.stream->Create(Req("k"));
  c1.stream->Create(Req("k"));
  c2.stream->Create(Req("k"));
  auto rs = c1.Drain();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].watch_id(), 1);
  EXPECT_EQ(rs[1].watch_id(), 0);
  EXPECT_EQ(rs[2].watch_id(), 2);
  EXPECT_EQ(c2.One().watch_id(), 0);
}

// §3.2 / §3.3: start_revision 0 gets only future events; one response per Notify.
TEST_F(WatchableStoreTest, FutureEventsFromNotify) {
  Put("a", "old");
  Client c(store_.get());
  c.stream->Create(Req("a"));
  c.Drain();
  // Drained after each write: a response still waiting would take the next events
  // (EventsJoinAWaitingResponse).
  Put("a", "new");
  auto rs = c.Drain();
  Put("b", "x");
  Del("a");
  for (auto& r : c.Drain()) rs.push_back(r);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].watch_id(), 0);
  EXPECT_EQ(rs[0].header().revision(), 3);
  ASSERT_EQ(rs[0].events_size(), 1);
  EXPECT_EQ(rs[0].events(0).type(), mvccpb::Event::PUT);
  EXPECT_EQ(rs[0].events(0).kv().value(), "new");
  EXPECT_EQ(rs[0].events(0).kv().version(), 2);
  EXPECT_FALSE(rs[0].events(0).has_prev_kv());  // not asked for
  ASSERT_EQ(rs[1].events_size(), 1);
  EXPECT_EQ(rs[1].events(0).type(), mvccpb::Event::DELETE);
  EXPECT_EQ(rs[1].events(0).kv().key(), "a");
  EXPECT_EQ(rs[1].events(0).kv().mod_revision(), 5);
  EXPECT_TRUE(rs[1].events(0).kv().value().empty());
  EXPECT_EQ(rs[1].header().revision(), 5);
}

// §3.3 prev_kv.
TEST_F(WatchableStoreTest, PrevKvOnlyWhenAsked) {
  Put("a", "1");
  Client c(store_.get());
  auto r = Req("a");
  r.set_prev_kv(true);
  c.stream->Create(r);
  c.Drain();
  std::vector<WatchResponse> rs;
  auto drain = [&] {
    for (auto& x : c.Drain()) rs.push_back(x);
  };
  Put("a", "2");
  drain();
  Del("a");
  drain();
  Put("a", "3");  // a creation: no previous version
  drain();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].events(0).prev_kv().value(), "1");
  EXPECT_EQ(rs[1].events(0).prev_kv().value(), "2");
  EXPECT_FALSE(rs[2].events(0).has_prev_kv());
}

// Range conventions: single key, [key, end), "\0" = from key, empty key = "\0".
TEST_F(WatchableStoreTest, RangeConventions) {
  Client c(store_.get());
  c.stream->Create(Req("b"));                        // 0: single key
  c.stream->Create(Req("b", "c"));                   // 1: prefix b
  c.stream->Create(Req("b", std::string(1, '\0')));  // 2: >= b
  c.stream->Create(Req("", std::string(1, '\0')));   // 3: everything
  c.stream->Create(Req("a", "b"));                   // 4: [a, b)
  c.Drain();
  std::map<int64_t, std::vector<std::string>> got;
  for (const char* k : {"a", "b", "b/x", "c", "zz"}) {
    Put(k, "v");
    for (const auto& r : c.Drain()) {
      for (const auto& e : r.events()) got[r.watch_id()].push_back(e.kv().key());
    }
  }
  EXPECT_EQ(got[0], (std::vector<std::string>{"b"}));
  EXPECT_EQ(got[1], (std::vector<std::string>{"b", "b/x"}));
  EXPECT_EQ(got[2], (std::vector<std::string>{"b", "b/x", "c", "zz"}));
  EXPECT_EQ(got[3], (std::vector<std::string>{"a", "b", "b/x", "c", "zz"}));
  EXPECT_EQ(got[4], (std::vector<std::string>{"a"}));
}

// §3.4 filters.
TEST_F(WatchableStoreTest, FiltersDropPutsOrDeletes) {
  Client c(store_.get());
  auto noput = Req("w", "x");
  noput.add_filters(WatchCreateRequest::NOPUT);
  auto nodel = Req("w", "x");
  nodel.add_filters(WatchCreateRequest::NODELETE);
  c.stream->Create(noput);
  c.stream->Create(nodel);
  c.Drain();
  Put("w1", "v");
  Del("w1");
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].watch_id(), 1);
  EXPECT_EQ(rs[0].events(0).type(), mvccpb::Event::PUT);
  EXPECT_EQ(rs[1].watch_id(), 0);
  EXPECT_EQ(rs[1].events(0).type(), mvccpb::Event::DELETE);
}

// All events of one revision for a watcher go in one response (a txn).
TEST_F(WatchableStoreTest, OneResponsePerRevisionPerWatcher) {
  Put("p/old", "v");
  Client c(store_.get());
  c.stream->Create(Req("p/", "p0"));
  c.Drain();
  Apply(hist_.Txn({{"p/a", "1"}, {"p/b", "2"}, {"q", "3"}}, {"p/old"}));
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 1u);
  ASSERT_EQ(rs[0].events_size(), 3);
  EXPECT_EQ(rs[0].events(0).kv().key(), "p/a");
  EXPECT_EQ(rs[0].events(2).type(), mvccpb::Event::DELETE);
}

// A future start_revision skips events below it.
TEST_F(WatchableStoreTest, FutureStartRevisionSkipsEarlierEvents) {
  Client c(store_.get());
  c.stream->Create(Req("a", "", 4));  // store at 1
  c.Drain();
  Put("a", "2");
  Put("a", "3");
  Put("a", "4");
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].events(0).kv().mod_revision(), 4);
}

// §3.2 history replay: events since start_revision, then live events, no gap, no dup.
TEST_F(WatchableStoreTest, HistoryReplayThenLive) {
  Put("a", "1");  // 2
  Put("b", "x");  // 3
  Put("a", "2");  // 4
  Client c(store_.get());
  c.stream->Create(Req("a", "", 2));
  auto ack = c.One();
  EXPECT_TRUE(ack.created());
  EXPECT_EQ(ack.header().revision(), 4);
  EXPECT_EQ(store_->UnsyncedCount(), 1u);
  store_->SyncUntilIdle();
  EXPECT_EQ(store_->UnsyncedCount(), 0u);
  EXPECT_EQ(store_->SyncedCount(), 1u);
  auto rs = c.Drain();  // the replay, before a live event could join it
  Put("a", "3");        // 5
  for (auto& x : c.Drain()) rs.push_back(x);
  ASSERT_EQ(rs.size(), 2u);
  ASSERT_EQ(rs[0].events_size(), 2);
  EXPECT_EQ(rs[0].events(0).kv().mod_revision(), 2);
  EXPECT_EQ(rs[0].events(1).kv().mod_revision(), 4);
  EXPECT_EQ(rs[0].header().revision(), 4);
  ASSERT_EQ(rs[1].events_size(), 1);
  EXPECT_EQ(rs[1].events(0).kv().mod_revision(), 5);
}

// start_revision == current replays the current revision.
TEST_F(WatchableStoreTest, StartAtCurrentRevisionReplaysIt) {
  Put("a", "1");
  Client c(store_.get());
  c.stream->Create(Req("a", "", 2));
  store_->SyncUntilIdle();
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[1].events(0).kv().mod_revision(), 2);
}

// The race the design is about: revisions committed while the syncer reads history
// without the lock are neither lost nor delivered twice.
TEST_F(WatchableStoreTest, NotifyDuringCatchUpReadIsNotLostOrDuplicated) {
  for (int i = 0; i < 5; ++i) Put("k", std::to_string(i));  // revs 2..6
  Client c(store_.get());
  c.stream->Create(Req("k", "", 2));
  c.Drain();
  int interleaved = 0;
  hist_.on_read = [&] {
    if (interleaved++ < 2) Put("k", "during" + std::to_string(interleaved));
  };
  store_->SyncUntilIdle();
  hist_.on_read = nullptr;
  Put("k", "after");
  std::vector<int64_t> revs;
  for (const auto& r : c.Drain()) {
    for (const auto& e : r.events()) revs.push_back(e.kv().mod_revision());
  }
  std::vector<int64_t> want;
  for (int64_t r = 2; r <= 9; ++r) want.push_back(r);
  EXPECT_EQ(revs, want);
}

// Catch-up in bounded batches, whichever way the history cuts them; revisions with
// several events (txns) are never split, and a revision bigger than the limit still
// comes through.
TEST_F(WatchableStoreTest, CatchUpBatchesNeverLoseRevisions) {
  for (bool overshoot : {false, true}) {
    SCOPED_TRACE(overshoot);
    hist_.overshoot_limit = overshoot;
    WatchOptions o;
    o.sync_batch_events = 4;
    Reset(o);
    int64_t first = hist_.CommittedRev() + 1;
    for (int i = 0; i < 12; ++i) {
      std::vector<std::pair<std::string, std::string>> puts;
      for (int j = 0; j <= i % 6; ++j) puts.push_back({"t/" + std::to_string(j), "v"});
      Apply(hist_.Txn(puts));  // 1..6 events per revision
    }
    Client c(store_.get());
    c.stream->Create(Req("t/", "t0", first));
    store_->SyncUntilIdle();
    std::vector<int64_t> revs;
    size_t events = 0;
    for (const auto& r : c.Drain()) {
      for (const auto& e : r.events()) {
        if (revs.empty() || revs.back() != e.kv().mod_revision()) {
          revs.push_back(e.kv().mod_revision());
        }
        ++events;
      }
    }
    ASSERT_EQ(revs.size(), 12u);
    for (size_t i = 0; i < revs.size(); ++i) EXPECT_EQ(revs[i], first + static_cast<int64_t>(i));
    EXPECT_EQ(events, 2u * (1 + 2 + 3 + 4 + 5 + 6));
    EXPECT_EQ(store_->SyncedCount(), 1u);
  }
}

// Catch-up in bounded batches.
TEST_F(WatchableStoreTest, CatchUpInBoundedBatches) {
  WatchOptions o;
  o.sync_batch_events = 3;
  Reset(o);
  for (int i = 0; i < 10; ++i) Put("k", std::to_string(i));  // revs 2..11
  Client c(store_.get());
  c.stream->Create(Req("k", "", 1));
  c.Drain();
  int rounds = 0;
  while (store_->SyncOnce()) ++rounds;
  EXPECT_GE(rounds, 4);
  std::vector<int64_t> revs;
  for (const auto& r : c.Drain()) {
    EXPECT_LE(r.events_size(), 3);
    for (const auto& e : r.events()) revs.push_back(e.kv().mod_revision());
  }
  ASSERT_EQ(revs.size(), 10u);
  for (size_t i = 0; i < revs.size(); ++i) EXPECT_EQ(revs[i], static_cast<int64_t>(i) + 2);
}

// §3.2 compacted start revision: created, then canceled with compact_revision and
// header revision 0; the ID is gone afterwards.
TEST_F(WatchableStoreTest, CompactedStartRevisionIsCanceled) {
  for (int i = 0; i < 5; ++i) Put("k", "v");  // revs 2..6
  hist_.Compact(4);
  store_->OnCompacted(4);
  Client c(store_.get());
  c.stream->Create(Req("k", "", 3));
  store_->SyncUntilIdle();
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_TRUE(rs[0].created());
  EXPECT_EQ(rs[0].header().revision(), 6);
  EXPECT_EQ(rs[1].watch_id(), 0);
  EXPECT_TRUE(rs[1].canceled());
  EXPECT_FALSE(rs[1].created());
  EXPECT_EQ(rs[1].compact_revision(), 4);
  EXPECT_TRUE(rs[1].cancel_reason().empty());
  EXPECT_TRUE(rs[1].has_header());
  EXPECT_EQ(rs[1].header().revision(), 0);
  EXPECT_EQ(c.stream->WatcherCount(), 0u);
  c.stream->Cancel(0);  // already gone: no reply
  EXPECT_TRUE(c.Drain().empty());
}

// Starting exactly at the compact revision is allowed (etcd replays what survived).
TEST_F(WatchableStoreTest, StartAtCompactRevisionIsAllowed) {
  for (int i = 0; i < 5; ++i) Put("k", std::to_string(i));  // revs 2..6
  hist_.Compact(4);
  for (bool serve : {true, false}) {
    SCOPED_TRACE(serve);
    hist_.serve_compact_rev = serve;
    Client c(store_.get());
    c.stream->Create(Req("k", "", 4));
    store_->SyncUntilIdle();
    auto rs = c.Drain();
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_FALSE(rs[1].canceled());
    EXPECT_EQ(rs[1].events(0).kv().mod_revision(), serve ? 4 : 5);
    EXPECT_EQ(rs[1].events(rs[1].events_size() - 1).kv().mod_revision(), 6);
  }
}

// A compaction that lands while a watcher is still catching up cancels it.
TEST_F(WatchableStoreTest, CompactionOvertakingACatchUpCancels) {
  WatchOptions o;
  o.sync_batch_events = 2;
  Reset(o);
  for (int i = 0; i < 8; ++i) Put("k", "v");  // revs 2..9
  Client c(store_.get());
  c.stream->Create(Req("k", "", 2));
  ASSERT_TRUE(store_->SyncOnce());  // revs 2..3
  hist_.Compact(7);
  store_->OnCompacted(7);
  store_->SyncUntilIdle();
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[1].events_size(), 2);
  EXPECT_TRUE(rs[2].canceled());
  EXPECT_EQ(rs[2].compact_revision(), 7);
  EXPECT_EQ(store_->UnsyncedCount(), 0u);
}

// §3.5 duplicate explicit watch_id.
TEST_F(WatchableStoreTest, DuplicateWatchIdIsRefused) {
  Client c(store_.get());
  auto r = Req("k");
  r.set_watch_id(7);
  c.stream->Create(r);
  c.stream->Create(r);
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].watch_id(), 7);
  EXPECT_EQ(rs[1].watch_id(), -1);
  EXPECT_TRUE(rs[1].created());
  EXPECT_TRUE(rs[1].canceled());
  EXPECT_EQ(rs[1].cancel_reason(), "mvcc: duplicate watch ID provided on the WatchStream");
  EXPECT_EQ(rs[1].header().revision(), 1);
  EXPECT_EQ(c.stream->WatcherCount(), 1u);
}

// §3.6 empty range.
TEST_F(WatchableStoreTest, EmptyRangeIsRefused) {
  Client c(store_.get());
  c.stream->Create(Req("b", "a"));
  c.stream->Create(Req("b", "b"));
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  for (const auto& r : rs) {
    EXPECT_EQ(r.watch_id(), -1);
    EXPECT_TRUE(r.created());
    EXPECT_TRUE(r.canceled());
    EXPECT_EQ(r.cancel_reason(), "mvcc: watcher range is empty");
  }
  EXPECT_EQ(c.stream->WatcherCount(), 0u);
}

// §3.11: a refused create (the service's permission check) answers like etcd.
TEST_F(WatchableStoreTest, RefuseCreate) {
  Client c(store_.get());
  c.stream->RefuseCreate("etcdserver: permission denied");
  auto r = c.One();
  EXPECT_EQ(r.watch_id(), -1);
  EXPECT_TRUE(r.created());
  EXPECT_TRUE(r.canceled());
  EXPECT_EQ(r.cancel_reason(), "etcdserver: permission denied");
  EXPECT_EQ(r.header().revision(), 1);
  EXPECT_EQ(c.stream->WatcherCount(), 0u);
}

// §3.7 cancel.
TEST_F(WatchableStoreTest, CancelRepliesAndStopsEvents) {
  Client c(store_.get());
  auto r = Req("k");
  r.set_watch_id(7);
  c.stream->Create(r);
  c.stream->Create(Req("k"));
  c.Drain();
  c.stream->Cancel(7);
  auto cancel = c.One();
  EXPECT_EQ(cancel.watch_id(), 7);
  EXPECT_TRUE(cancel.canceled());
  EXPECT_FALSE(cancel.created());
  EXPECT_EQ(cancel.header().revision(), 1);
  c.stream->Cancel(7);    // unknown now
  c.stream->Cancel(123);  // never existed
  EXPECT_TRUE(c.Drain().empty());
  Put("k", "v");
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].watch_id(), 0);
  c.stream->Cancel(0);
  c.Drain();
  EXPECT_EQ(store_->SyncedCount(), 0u);
  // The ID may be reused.
  c.stream->Create(r);
  EXPECT_EQ(c.One().watch_id(), 7);
}

// Cancelling a watcher that is still catching up.
TEST_F(WatchableStoreTest, CancelWhileUnsynced) {
  Put("k", "v");
  Client c(store_.get());
  c.stream->Create(Req("k", "", 1));
  c.stream->Cancel(0);
  store_->SyncUntilIdle();
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_TRUE(rs[1].canceled());
  EXPECT_EQ(store_->UnsyncedCount(), 0u);
}

// §3.8 progress notify: event-less response with the watcher's ID at each interval
// (plus jitter up to 10%), skipped when events were sent since the last tick.
TEST_F(WatchableStoreTest, ProgressNotifyAtInterval) {
  Client c(store_.get());
  auto r = Req("k");
  r.set_progress_notify(true);
  r.set_watch_id(3);
  c.stream->Create(r);
  c.stream->Create(Req("other"));  // no progress_notify: never reported
  c.Drain();
  store_->PollProgress();
  EXPECT_TRUE(c.Drain().empty());
  clock_.Advance(std::chrono::milliseconds(999));
  store_->PollProgress();
  EXPECT_TRUE(c.Drain().empty());
  clock_.Advance(std::chrono::milliseconds(101));  // 1.1 s: past interval + max jitter
  store_->PollProgress();
  auto p = c.One();
  EXPECT_EQ(p.watch_id(), 3);
  EXPECT_EQ(p.events_size(), 0);
  EXPECT_FALSE(p.created());
  EXPECT_EQ(p.header().revision(), 1);
  store_->PollProgress();  // not due again yet
  EXPECT_TRUE(c.Drain().empty());

  // An event in the period suppresses the next notification.
  Put("k", "v");
  c.Drain();
  clock_.Advance(std::chrono::milliseconds(1100));
  store_->PollProgress();
  EXPECT_TRUE(c.Drain().empty());
  clock_.Advance(std::chrono::milliseconds(1100));
  store_->PollProgress();
  p = c.One();
  EXPECT_EQ(p.watch_id(), 3);
  EXPECT_EQ(p.header().revision(), 2);
}

TEST_F(WatchableStoreTest, ProgressNotifyDefaultIsTenMinutes) {
  WatchOptions o;
  o.progress_notify_interval = std::chrono::minutes(10);
  Reset(o);
  Client c(store_.get());
  auto r = Req("k");
  r.set_progress_notify(true);
  c.stream->Create(r);
  c.Drain();
  clock_.Advance(std::chrono::minutes(9));
  store_->PollProgress();
  EXPECT_TRUE(c.Drain().empty());
  clock_.Advance(std::chrono::minutes(2));
  store_->PollProgress();
  EXPECT_EQ(c.Drain().size(), 1u);
}

// Unsynced watchers get no progress notification.
TEST_F(WatchableStoreTest, ProgressNotifySkipsUnsyncedWatchers) {
  Put("k", "v");
  Client c(store_.get());
  auto r = Req("k", "", 1);
  r.set_progress_notify(true);
  c.stream->Create(r);
  c.Drain();
  clock_.Advance(std::chrono::seconds(2));
  store_->PollProgress();
  EXPECT_TRUE(c.Drain().empty());
}

// §3.9 progress_request: {watch_id:-1, header.revision: current}, at once when synced.
TEST_F(WatchableStoreTest, ProgressRequestAnswersAtOnceWhenSynced) {
  Put("a", "1");
  Client c(store_.get());
  c.stream->Create(Req("k"));
  c.Drain();
  c.stream->RequestProgress();
  auto p = c.One();
  EXPECT_EQ(p.watch_id(), -1);
  EXPECT_EQ(p.header().revision(), 2);
  EXPECT_EQ(p.events_size(), 0);
  EXPECT_FALSE(p.created());
  EXPECT_FALSE(p.canceled());
  // Also on a stream with no watchers.
  Client empty(store_.get());
  empty.stream->RequestProgress();
  EXPECT_EQ(empty.One().watch_id(), -1);
}

// ...and only after the catch-up when a watcher is behind, so the revision it reports
// never runs ahead of the events delivered.
TEST_F(WatchableStoreTest, ProgressRequestWaitsForCatchUp) {
  Put("k", "1");
  Put("k", "2");
  Client c(store_.get());
  c.stream->Create(Req("k", "", 2));
  c.Drain();
  c.stream->RequestProgress();
  EXPECT_TRUE(c.Drain().empty());
  store_->SyncUntilIdle();
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].events_size(), 2);
  EXPECT_EQ(rs[1].watch_id(), -1);
  EXPECT_EQ(rs[1].header().revision(), 3);
}

// §3.10 fragmentation.
TEST_F(WatchableStoreTest, FragmentsLargeResponsesWhenAsked) {
  WatchOptions o;
  o.fragment_threshold_bytes = 2000;
  Reset(o);
  std::vector<std::pair<std::string, std::string>> puts;
  for (int i = 0; i < 8; ++i) puts.push_back({"f/" + std::to_string(i), std::string(300, 'y')});
  Apply(hist_.Txn(puts));
  Client c(store_.get());
  auto frag = Req("f/", "f0");
  frag.set_fragment(true);
  frag.set_prev_kv(true);
  c.stream->Create(frag);
  auto whole = Req("f/", "f0");
  whole.set_prev_kv(true);
  c.stream->Create(whole);
  c.Drain();
  std::vector<std::string> dels;
  for (auto& p : puts) dels.push_back(p.first);
  Apply(hist_.Txn({}, dels));
  auto rs = c.Drain();
  ASSERT_GE(rs.size(), 3u);
  int events0 = 0;
  size_t i = 0;
  for (; i < rs.size() && rs[i].watch_id() == 0; ++i) {
    events0 += rs[i].events_size();
    EXPECT_EQ(rs[i].header().revision(), 3);
    bool last = i + 1 == rs.size() || rs[i + 1].watch_id() != 0;
    EXPECT_EQ(rs[i].fragment(), !last);
    EXPECT_LT(rs[i].ByteSizeLong(), 2000u + 400u);
  }
  EXPECT_GE(i, 2u);
  EXPECT_EQ(events0, 8);
  ASSERT_EQ(rs.size(), i + 1);
  EXPECT_EQ(rs[i].watch_id(), 1);
  EXPECT_EQ(rs[i].events_size(), 8);
  EXPECT_FALSE(rs[i].fragment());
}

// Slow consumer: Notify never waits; the watcher falls back to history and still gets
// every revision exactly once, in order.
TEST_F(WatchableStoreTest, SlowConsumerCatchesUpExactlyOnce) {
  WatchOptions o;
  o.max_pending_responses = 4;
  o.coalesce_events = false;  // one response per revision: the buffer fills up
  o.sync_batch_events = 7;
  Reset(o);
  Client slow(store_.get()), fast(store_.get());
  slow.stream->Create(Req("k"));
  fast.stream->Create(Req("k"));
  slow.Drain();
  fast.Drain();
  std::vector<int64_t> fast_revs, slow_revs;
  auto collect = [](Client& c, std::vector<int64_t>* revs) {
    for (const auto& r : c.Drain()) {
      for (const auto& e : r.events()) revs->push_back(e.kv().mod_revision());
    }
  };
  for (int i = 0; i < 50; ++i) {
    Put("k", std::to_string(i));  // the slow client does not read
    collect(fast, &fast_revs);
  }
  EXPECT_EQ(slow.stream->Pending(), 4u);
  EXPECT_EQ(store_->UnsyncedCount(), 1u);
  EXPECT_EQ(store_->SyncedCount(), 1u);
  WatchStats st = store_->Stats();
  EXPECT_EQ(st.streams, 2u);
  EXPECT_EQ(st.watchers, 2u);
  EXPECT_EQ(st.slow_watchers, 1u);
  EXPECT_EQ(st.events_sent, 54u);  // 50 to the fast one, 4 to the slow one
  EXPECT_EQ(st.pending_responses, 4u);
  // While full, the syncer does not read for it.
  int reads = hist_.reads();
  EXPECT_FALSE(store_->SyncOnce());
  EXPECT_EQ(hist_.reads(), reads);
  // The client drains a little at a time, the applier keeps writing.
  for (int i = 0; i < 100 && store_->UnsyncedCount() > 0; ++i) {
    WatchResponse r;
    if (slow.stream->Next(&r)) {
      for (const auto& e : r.events()) slow_revs.push_back(e.kv().mod_revision());
    }
    if (i % 3 == 0) Put("k", "more");
    store_->SyncOnce();
    collect(fast, &fast_revs);
  }
  EXPECT_EQ(store_->UnsyncedCount(), 0u);
  collect(slow, &slow_revs);  // back in the synced set: live events again
  Put("k", "last");
  EXPECT_EQ(store_->UnsyncedCount(), 0u);
  collect(slow, &slow_revs);
  collect(fast, &fast_revs);
  std::vector<int64_t> want;
  for (int64_t r = 2; r <= hist_.CommittedRev(); ++r) want.push_back(r);
  EXPECT_EQ(slow_revs, want);
  EXPECT_EQ(fast_revs, want);
}

// Control responses are never refused, even with a full buffer.
TEST_F(WatchableStoreTest, ControlResponsesBypassTheBufferLimit) {
  WatchOptions o;
  o.max_pending_responses = 1;
  Reset(o);
  Client c(store_.get());
  for (int i = 0; i < 5; ++i) c.stream->Create(Req("k"));
  c.stream->Cancel(2);
  c.stream->RequestProgress();
  EXPECT_EQ(c.Drain().size(), 7u);
}

// Many watchers on one stream and many streams; the index finds only the matching ones.
TEST_F(WatchableStoreTest, ManyWatchers) {
  Client c(store_.get());
  for (int i = 0; i < 2000; ++i) {
    std::string k = "key/" + std::to_string(i);
    if (i % 2 == 0) {
      c.stream->Create(Req(k));
    } else {
      c.stream->Create(Req(k, k + "\xff"));
    }
  }
  std::vector<std::unique_ptr<Client>> others;
  for (int i = 0; i < 50; ++i) {
    others.push_back(std::make_unique<Client>(store_.get()));
    others.back()->stream->Create(Req("key/", "key0"));
  }
  EXPECT_EQ(c.Drain().size(), 2000u);
  EXPECT_EQ(store_->SyncedCount(), 2050u);
  Put("key/10", "v");  // watchers 10 (single) and 1 (prefix key/1 .. "key/1\xff")
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].watch_id(), 1);
  EXPECT_EQ(rs[1].watch_id(), 10);
  for (auto& o : others) {
    o->Drain();
    EXPECT_EQ(o->stream->Pending(), 0u);
  }
  Put("key/11", "v");  // range watchers 1 and 11
  rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].watch_id(), 1);
  EXPECT_EQ(rs[1].watch_id(), 11);
}

// Close removes every watcher and no wake runs afterwards.
TEST_F(WatchableStoreTest, CloseRemovesWatchersAndStopsWakes) {
  Put("k", "v");
  Client c(store_.get());
  c.stream->Create(Req("k"));
  c.stream->Create(Req("k", "", 1));
  c.stream->Close();
  EXPECT_EQ(store_->SyncedCount(), 0u);
  EXPECT_EQ(store_->UnsyncedCount(), 0u);
  int wakes = c.wakes.load();
  Put("k", "v2");
  store_->SyncUntilIdle();
  c.stream->Create(Req("k"));
  c.stream->RequestProgress();
  EXPECT_EQ(c.wakes.load(), wakes);
  WatchResponse r;
  EXPECT_FALSE(c.stream->Next(&r));
  c.stream.reset();  // destructor after Close is fine
}

// After a snapshot install every watcher resyncs from the new history.
TEST_F(WatchableStoreTest, RestoreResyncsWatchers) {
  Client c(store_.get());
  c.stream->Create(Req("k"));
  c.Drain();
  hist_.Put("k", "from-snapshot");  // rev 2, applied by a snapshot, not by Notify
  store_->OnRestore(hist_.CommittedRev());
  EXPECT_EQ(store_->UnsyncedCount(), 1u);
  store_->SyncUntilIdle();
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].events(0).kv().value(), "from-snapshot");
  EXPECT_EQ(store_->SyncedCount(), 1u);
}

// A failed history read is retried later; nothing is lost.
TEST_F(WatchableStoreTest, HistoryReadFailureIsRetried) {
  Put("k", "v");
  Client c(store_.get());
  c.stream->Create(Req("k", "", 1));
  c.Drain();
  hist_.fail_reads = 1;
  EXPECT_FALSE(store_->SyncOnce());
  EXPECT_EQ(store_->UnsyncedCount(), 1u);
  store_->SyncUntilIdle();
  EXPECT_EQ(c.One().events_size(), 1);
}

// The background syncer (Start/Stop) delivers a catch-up without any test hook.
TEST_F(WatchableStoreTest, BackgroundSyncerCatchesUp) {
  Put("k", "v");
  absl::Notification got;
  std::unique_ptr<WatchStream> s;
  std::atomic<bool> ready{false};
  s = store_->NewStream([&] {
    if (ready.load() && !got.HasBeenNotified()) got.Notify();
  });
  s->Create(Req("k", "", 1));
  WatchResponse ack;
  ASSERT_TRUE(s->Next(&ack));
  ready = true;
  store_->Start();
  ASSERT_TRUE(got.WaitForNotificationWithTimeout(absl::Seconds(30)));
  WatchResponse r;
  ASSERT_TRUE(s->Next(&r));
  EXPECT_EQ(r.events_size(), 1);
  s->Close();
  store_->Stop();
}

// With Start(), the applier's Notify does not run the wake (the gRPC write) itself.
TEST_F(WatchableStoreTest, NotifyWakesRunOffTheApplierThread) {
  absl::Notification woke;
  std::atomic<bool> armed{false};
  std::thread::id wake_thread;
  auto s = store_->NewStream([&] {
    if (armed.load() && !woke.HasBeenNotified()) {
      wake_thread = std::this_thread::get_id();
      woke.Notify();
    }
  });
  s->Create(Req("k"));
  WatchResponse r;
  ASSERT_TRUE(s->Next(&r));
  store_->Start();
  armed = true;
  Put("k", "v");
  ASSERT_TRUE(woke.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_NE(wake_thread, std::this_thread::get_id());
  ASSERT_TRUE(s->Next(&r));
  EXPECT_EQ(r.events_size(), 1);
  s->Close();
  store_->Stop();
  // After Stop, wakes run inline again.
  auto s2 = store_->NewStream([&] { wake_thread = std::this_thread::get_id(); });
  s2->Create(Req("k"));
  EXPECT_EQ(wake_thread, std::this_thread::get_id());
}

// Threads for real: an applier writing, the background syncer, consumers draining at
// their own pace with tiny buffers. Every watcher still sees each revision exactly once,
// in order.
class WatchableStoreConcurrencyTest : public WatchableStoreTest,
                                      public ::testing::WithParamInterface<bool> {};

TEST_P(WatchableStoreConcurrencyTest, ConcurrentApplierSyncerAndConsumers) {
  WatchOptions o;
  o.max_pending_responses = 3;
  o.coalesce_events = GetParam();
  o.sync_batch_events = 16;
  o.syncer_poll_interval = std::chrono::milliseconds(1);
  Reset(o);
  for (int i = 0; i < 50; ++i) Put(i % 2 ? "k" : "p/x", "pre");  // revs 2..51
  constexpr int kWrites = 1500;
  constexpr int kStreams = 4;
  const int64_t last = 51 + kWrites;
  std::vector<std::unique_ptr<WatchStream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(store_->NewStream(nullptr));
    streams[i]->Create(Req("k"));                           // 0: live only
    streams[i]->Create(Req("p/", "p0", 1 + i));             // 1: history replay, then live
    streams[i]->Create(Req("", std::string(1, '\0'), 40));  // 2: everything from 40
  }
  store_->Start();
  std::thread applier([&] {
    for (int i = 0; i < kWrites; ++i) Put(i % 2 ? "k" : "p/x", std::to_string(i));
  });
  std::vector<std::map<int64_t, std::vector<int64_t>>> seen(kStreams);
  std::vector<std::thread> consumers;
  for (int i = 0; i < kStreams; ++i) {
    consumers.emplace_back([&, i] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      WatchResponse r;
      auto done = [&] {
        for (int64_t id = 0; id < 3; ++id) {
          auto& v = seen[i][id];
          if (v.empty() || v.back() < last - 1) return false;
        }
        return !seen[i][2].empty() && seen[i][2].back() == last;
      };
      while (!done() && std::chrono::steady_clock::now() < deadline) {
        if (!streams[i]->Next(&r)) {
          std::this_thread::yield();
          continue;
        }
        for (const auto& e : r.events()) seen[i][r.watch_id()].push_back(e.kv().mod_revision());
      }
    });
  }
  applier.join();
  for (auto& t : consumers) t.join();
  store_->Stop();
  for (int i = 0; i < kStreams; ++i) {
    SCOPED_TRACE(i);
    std::vector<int64_t> want_k, want_p, want_all;
    for (int64_t r = 2; r <= last; ++r) {
      bool is_k = r <= 51 ? (r - 2) % 2 == 1 : (r - 52) % 2 == 1;
      if (is_k && r > 51) want_k.push_back(r);
      if (!is_k && r >= 1 + i) want_p.push_back(r);
      if (r >= 40) want_all.push_back(r);
    }
    EXPECT_EQ(seen[i][0], want_k);
    EXPECT_EQ(seen[i][1], want_p);
    EXPECT_EQ(seen[i][2], want_all);
  }
  for (auto& s : streams) s->Close();
}

INSTANTIATE_TEST_SUITE_P(Coalescing, WatchableStoreConcurrencyTest, ::testing::Bool());

// Events for a watcher whose previous response still waits join it: one response, every
// revision in order, header.revision the newest.
TEST_F(WatchableStoreTest, EventsJoinAWaitingResponse) {
  Client c(store_.get()), other(store_.get());
  c.stream->Create(Req("k"));
  c.stream->Create(Req("p/", "p0"));
  other.stream->Create(Req("k"));
  c.Drain();
  other.Drain();
  Put("k", "1");
  other.Drain();  // the other stream keeps up: one response each time
  Put("p/a", "2");
  Apply(hist_.Txn({{"k", "3"}, {"p/b", "3"}}, {}));
  Put("k", "4");
  auto others = other.Drain();  // revisions 4 and 5 joined while waiting
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].events_size(), 2);
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].watch_id(), 0);
  ASSERT_EQ(rs[0].events_size(), 3);
  EXPECT_EQ(rs[0].events(0).kv().mod_revision(), 2);
  EXPECT_EQ(rs[0].events(1).kv().mod_revision(), 4);
  EXPECT_EQ(rs[0].events(2).kv().mod_revision(), 5);
  EXPECT_EQ(rs[0].header().revision(), 5);
  EXPECT_EQ(rs[1].watch_id(), 1);
  ASSERT_EQ(rs[1].events_size(), 2);
  EXPECT_EQ(rs[1].events(0).kv().mod_revision(), 3);
  EXPECT_EQ(rs[1].events(1).kv().mod_revision(), 4);
  EXPECT_EQ(store_->UnsyncedCount(), 0u);
  EXPECT_EQ(store_->Stats().events_sent, 5u + 3u);
  // Once the writer took the response, the next events start a new one.
  Put("k", "5");
  ASSERT_EQ(c.One().events_size(), 1);
}

// No event moves ahead of a progress answer queued before it.
TEST_F(WatchableStoreTest, EventsNeverOvertakeAProgressAnswer) {
  Client c(store_.get());
  c.stream->Create(Req("k"));
  c.Drain();
  Put("k", "1");
  c.stream->RequestProgress();
  Put("k", "2");
  Put("k", "3");
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 3u);
  ASSERT_EQ(rs[0].events_size(), 1);
  EXPECT_EQ(rs[0].events(0).kv().mod_revision(), 2);
  EXPECT_EQ(rs[1].watch_id(), -1);
  EXPECT_EQ(rs[1].events_size(), 0);
  EXPECT_EQ(rs[1].header().revision(), 2);
  ASSERT_EQ(rs[2].events_size(), 2);
  EXPECT_EQ(rs[2].events(1).kv().mod_revision(), 4);
}

// A coalesced response of a `fragment` watcher stays under the fragment threshold.
TEST_F(WatchableStoreTest, CoalescingRespectsTheFragmentThreshold) {
  WatchOptions o;
  o.fragment_threshold_bytes = 1000;
  Reset(o);
  Client c(store_.get());
  auto r = Req("k");
  r.set_fragment(true);
  c.stream->Create(r);
  c.Drain();
  for (int i = 0; i < 20; ++i) Put("k", std::string(100, 'v'));
  auto rs = c.Drain();
  EXPECT_GT(rs.size(), 2u);
  int64_t next = 2;
  for (const auto& resp : rs) {
    EXPECT_LT(resp.ByteSizeLong(), 1000u);
    EXPECT_FALSE(resp.fragment());
    for (const auto& e : resp.events()) EXPECT_EQ(e.kv().mod_revision(), next++);
  }
  EXPECT_EQ(next, 22);
}

// Coalescing keeps more watchers than max_pending_responses on one stream synced.
TEST_F(WatchableStoreTest, ManyLaggingWatchersOnOneStreamStaySynced) {
  WatchOptions o;
  o.max_pending_responses = 4;
  Reset(o);
  Client c(store_.get());
  for (int i = 0; i < 10; ++i) c.stream->Create(Req("k"));
  c.Drain();
  for (int i = 0; i < 30; ++i) Put("k", std::to_string(i));
  EXPECT_EQ(store_->UnsyncedCount(), 0u);
  auto rs = c.Drain();
  ASSERT_EQ(rs.size(), 10u);
  for (const auto& resp : rs) EXPECT_EQ(resp.events_size(), 30);
}

// Write pacing with real threads: each consumer drains its stream only when woken (as
// the gRPC writer does), so a lost or never-run paced wake would strand events. Every
// watcher still gets every revision once, in order.
TEST_F(WatchableStoreTest, PacedWakesDeliverEverything) {
  WatchOptions o;
  o.write_batch_interval = std::chrono::microseconds(300);
  o.pace_min_responses = 1;  // pace every stream
  o.syncer_poll_interval = std::chrono::milliseconds(1);
  Reset(o);
  constexpr int kStreams = 4, kWatchers = 20, kWrites = 3000;
  struct Consumer {
    absl::Mutex mu;
    bool woken ABSL_GUARDED_BY(mu) = false;
    std::unique_ptr<WatchStream> stream;
    std::map<int64_t, std::vector<int64_t>> seen;
  };
  std::vector<std::unique_ptr<Consumer>> cs;
  for (int i = 0; i < kStreams; ++i) {
    auto c = std::make_unique<Consumer>();
    Consumer* raw = c.get();
    c->stream = store_->NewStream([raw] {
      absl::MutexLock l(&raw->mu);
      raw->woken = true;
    });
    for (int w = 0; w < kWatchers; ++w) c->stream->Create(Req("k"));
    cs.push_back(std::move(c));
  }
  store_->Start();
  const int64_t first = hist_.CommittedRev() + 1;
  const int64_t last = first + kWrites - 1;
  std::thread applier([&] {
    for (int i = 0; i < kWrites; ++i) {
      Put("k", std::to_string(i));
    }
  });
  std::vector<std::thread> consumers;
  for (auto& cp : cs) {
    consumers.emplace_back([&, c = cp.get()] {
      const absl::Time deadline = absl::Now() + absl::Seconds(30);
      auto done = [&] {
        if (c->seen.size() < static_cast<size_t>(kWatchers)) return false;
        for (auto& [id, v] : c->seen) {
          if (v.empty() || v.back() != last) return false;
        }
        return true;
      };
      WatchResponse r;
      while (!done() && absl::Now() < deadline) {
        {
          absl::MutexLock l(&c->mu);
          auto woken = [c]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu) { return c->woken; };
          if (!c->mu.AwaitWithDeadline(absl::Condition(&woken), deadline)) break;
          c->woken = false;
        }
        while (c->stream->Next(&r)) {
          for (const auto& e : r.events()) c->seen[r.watch_id()].push_back(e.kv().mod_revision());
        }
      }
    });
  }
  applier.join();
  for (auto& t : consumers) t.join();
  std::vector<int64_t> want;
  for (int64_t r = first; r <= last; ++r) want.push_back(r);
  for (auto& c : cs) {
    ASSERT_EQ(c->seen.size(), static_cast<size_t>(kWatchers));
    for (auto& [id, v] : c->seen) EXPECT_EQ(v, want) << "watch " << id;
    c->stream->Close();
  }
  store_->Stop();
}

// A stream with few watchers concerned is never paced: with an interval far longer than
// the test's deadline, back-to-back events still arrive at once.
TEST_F(WatchableStoreTest, FewWatchersAreNotPaced) {
  WatchOptions o;
  o.write_batch_interval = std::chrono::seconds(600);
  o.pace_min_responses = 32;
  Reset(o);
  absl::Mutex mu;
  int wakes = 0;
  auto stream = store_->NewStream([&] {
    absl::MutexLock l(&mu);
    ++wakes;
  });
  stream->Create(Req("k"));
  store_->Start();
  WatchResponse r;
  ASSERT_TRUE(stream->Next(&r));  // the created ack
  for (int i = 0; i < 3; ++i) {
    const int before = [&] {
      absl::MutexLock l(&mu);
      return wakes;
    }();
    Put("k", std::to_string(i));
    {
      absl::MutexLock l(&mu);
      auto woken = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return wakes > before; };
      ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&woken), absl::Seconds(30))) << i;
    }
    ASSERT_TRUE(stream->Next(&r));
    EXPECT_EQ(r.events_size(), 1);
  }
  stream->Close();
  store_->Stop();
}

}  // namespace
}  // namespace etcd::mvcc
