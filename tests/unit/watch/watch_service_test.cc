#include "watch/watch_service.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <thread>

#include "common/errors.h"
#include "gtest/gtest.h"
#include "watch/fake_event_history.h"
#include "watch/fake_server_api.h"
#include "watch/watchable_store.h"

namespace etcd::api {
namespace {

using etcdserverpb::WatchRequest;
using etcdserverpb::WatchResponse;
using Stream = grpc::ClientReaderWriter<WatchRequest, WatchResponse>;

WatchRequest Create(const std::string& key, const std::string& end = "", int64_t start = 0) {
  WatchRequest r;
  auto* c = r.mutable_create_request();
  c->set_key(key);
  c->set_range_end(end);
  c->set_start_revision(start);
  return r;
}

WatchRequest Cancel(int64_t id) {
  WatchRequest r;
  r.mutable_cancel_request()->set_watch_id(id);
  return r;
}

class WatchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mvcc::WatchOptions o;
    o.fragment_threshold_bytes = 2000;
    store_ = std::make_unique<mvcc::WatchableStore>(&hist_, &clock_, o);
    api_ = std::make_unique<server::testing::FakeServerApi>(store_.get());
    WatchServiceOptions so;
    so.leader_check_interval = std::chrono::milliseconds(0);  // tests call CheckLeader
    StartServer(so);
  }
  void StartServer(WatchServiceOptions so) {
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
    service_ = std::make_unique<WatchService>(api_.get(), so);
    grpc::ServerBuilder b;
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = etcdserverpb::Watch::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
    service_.reset();
    store_.reset();
  }

  std::unique_ptr<grpc::ClientContext> Ctx(bool require_leader = false) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (require_leader) ctx->AddMetadata("hasleader", "true");
    return ctx;
  }
  void Put(const std::string& k, const std::string& v) {
    auto evs = hist_.Put(k, v);
    store_->Notify(hist_.CommittedRev(), std::move(evs));
  }
  // Spins (no sleeping) until the service has `n` streams open.
  void AwaitStreams(size_t n) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (service_->ActiveStreams() != n && std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();
    }
    EXPECT_EQ(service_->ActiveStreams(), n);
  }

  mvcc::testing::FakeEventHistory hist_;
  FakeClock clock_;
  std::unique_ptr<mvcc::WatchableStore> store_;
  std::unique_ptr<server::testing::FakeServerApi> api_;
  std::unique_ptr<WatchService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<etcdserverpb::Watch::Stub> stub_;
};

TEST_F(WatchServiceTest, CreateEventsCancelWithFullHeaders) {
  Put("a", "1");  // rev 2
  auto ctx = Ctx();
  std::unique_ptr<Stream> s = stub_->Watch(ctx.get());
  ASSERT_TRUE(s->Write(Create("a")));
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  EXPECT_TRUE(r.created());
  EXPECT_EQ(r.watch_id(), 0);
  EXPECT_EQ(r.header().cluster_id(), 14443903163313418560ULL);
  EXPECT_EQ(r.header().member_id(), 11417610130673999598ULL);
  EXPECT_EQ(r.header().raft_term(), 2u);
  EXPECT_EQ(r.header().revision(), 2);

  // Each write read before the next: two revisions still waiting in the send buffer
  // may be joined into one response (watch coalescing, watchable_store_test).
  Put("a", "2");
  ASSERT_TRUE(s->Read(&r));
  ASSERT_EQ(r.events_size(), 1);
  EXPECT_EQ(r.events(0).kv().value(), "2");
  EXPECT_EQ(r.header().revision(), 3);
  Put("a", "3");
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(r.events(0).kv().value(), "3");

  ASSERT_TRUE(s->Write(Cancel(0)));
  ASSERT_TRUE(s->Read(&r));
  EXPECT_TRUE(r.canceled());
  EXPECT_EQ(r.watch_id(), 0);
  EXPECT_EQ(r.header().revision(), 4);
  ctx->TryCancel();
  EXPECT_FALSE(s->Finish().ok());
  AwaitStreams(0);
}

TEST_F(WatchServiceTest, ErrorsAndProgressRequest) {
  auto ctx = Ctx();
  auto s = stub_->Watch(ctx.get());
  WatchRequest dup = Create("k");
  dup.mutable_create_request()->set_watch_id(7);
  ASSERT_TRUE(s->Write(dup));
  ASSERT_TRUE(s->Write(dup));
  ASSERT_TRUE(s->Write(Create("b", "a")));
  ASSERT_TRUE(s->Write(WatchRequest()));  // empty request: ignored
  WatchRequest progress;
  progress.mutable_progress_request();
  ASSERT_TRUE(s->Write(progress));
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(r.watch_id(), 7);
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(r.watch_id(), -1);
  EXPECT_EQ(r.cancel_reason(), "mvcc: duplicate watch ID provided on the WatchStream");
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(r.cancel_reason(), "mvcc: watcher range is empty");
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(r.watch_id(), -1);
  EXPECT_FALSE(r.created());
  EXPECT_EQ(r.header().revision(), 1);
  EXPECT_EQ(r.header().cluster_id(), 14443903163313418560ULL);
  ctx->TryCancel();
  s->Finish();
}

TEST_F(WatchServiceTest, HistoryAndCompactedCancelHasRevisionZero) {
  for (int i = 0; i < 4; ++i) Put("k", std::to_string(i));  // revs 2..5
  hist_.Compact(4);
  store_->OnCompacted(4);
  auto ctx = Ctx();
  auto s = stub_->Watch(ctx.get());
  ASSERT_TRUE(s->Write(Create("k", "", 2)));  // compacted
  ASSERT_TRUE(s->Write(Create("k", "", 5)));  // fine
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  EXPECT_TRUE(r.created());
  ASSERT_TRUE(s->Read(&r));
  EXPECT_TRUE(r.created());
  EXPECT_EQ(r.watch_id(), 1);
  store_->SyncUntilIdle();
  ASSERT_TRUE(s->Read(&r));
  EXPECT_TRUE(r.canceled());
  EXPECT_EQ(r.watch_id(), 0);
  EXPECT_EQ(r.compact_revision(), 4);
  EXPECT_EQ(r.header().revision(), 0);
  EXPECT_EQ(r.header().member_id(), 11417610130673999598ULL);
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(r.watch_id(), 1);
  ASSERT_EQ(r.events_size(), 1);
  EXPECT_EQ(r.events(0).kv().mod_revision(), 5);
  ctx->TryCancel();
  s->Finish();
}

TEST_F(WatchServiceTest, HalfCloseKeepsDelivering) {
  auto ctx = Ctx();
  auto s = stub_->Watch(ctx.get());
  ASSERT_TRUE(s->Write(Create("k")));
  ASSERT_TRUE(s->WritesDone());
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  Put("k", "v");
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(r.events_size(), 1);
  ctx->TryCancel();
  s->Finish();
}

TEST_F(WatchServiceTest, RequireLeaderWithoutLeaderIsRefused) {
  api_->has_leader = false;
  auto ctx = Ctx(/*require_leader=*/true);
  auto s = stub_->Watch(ctx.get());
  WatchResponse r;
  EXPECT_FALSE(s->Read(&r));
  grpc::Status st = s->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "etcdserver: no leader");
}

TEST_F(WatchServiceTest, LosingTheLeaderEndsRequireLeaderStreams) {
  auto ctx = Ctx(/*require_leader=*/true);
  auto plain_ctx = Ctx();
  auto s = stub_->Watch(ctx.get());
  auto plain = stub_->Watch(plain_ctx.get());
  ASSERT_TRUE(s->Write(Create("k")));
  ASSERT_TRUE(plain->Write(Create("k")));
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  ASSERT_TRUE(plain->Read(&r));
  api_->has_leader = false;
  service_->CheckLeader();
  service_->CheckLeader();
  api_->has_leader = true;  // a blip resets the count
  service_->CheckLeader();
  api_->has_leader = false;
  service_->CheckLeader();
  service_->CheckLeader();
  Put("k", "v");
  ASSERT_TRUE(s->Read(&r));  // still open
  ASSERT_TRUE(plain->Read(&r));
  service_->CheckLeader();  // third consecutive miss
  while (s->Read(&r)) {
  }
  grpc::Status st = s->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "etcdserver: no leader");
  // The stream without "hasleader" is untouched.
  Put("k", "w");
  ASSERT_TRUE(plain->Read(&r));
  EXPECT_EQ(r.events(0).kv().value(), "w");
  plain_ctx->TryCancel();
  plain->Finish();
  AwaitStreams(0);
}

// The service's own timer ends "hasleader" streams (real gRPC alarm, short period).
TEST_F(WatchServiceTest, LeaderTimerEndsRequireLeaderStreams) {
  WatchServiceOptions so;
  so.leader_check_interval = std::chrono::milliseconds(5);
  so.no_leader_checks = 2;
  StartServer(so);
  auto ctx = Ctx(/*require_leader=*/true);
  auto s = stub_->Watch(ctx.get());
  ASSERT_TRUE(s->Write(Create("k")));
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  api_->has_leader = false;
  while (s->Read(&r)) {
  }
  grpc::Status st = s->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "etcdserver: no leader");
  AwaitStreams(0);
}

// §3.11: a create the authorizer refuses gets the permission-denied cancel; the token
// metadata reaches the authorizer.
TEST_F(WatchServiceTest, PermissionDeniedCreate) {
  WatchServiceOptions so;
  so.leader_check_interval = std::chrono::milliseconds(0);
  std::string seen_token;
  so.authorize = [&](const server::RequestContext& rc,
                     const etcdserverpb::WatchCreateRequest& req) -> absl::Status {
    seen_token = rc.token;
    if (req.key() == "secret") return errors::Make(errors::Err::kPermissionDenied);
    return absl::OkStatus();
  };
  StartServer(so);
  auto ctx = Ctx();
  ctx->AddMetadata("token", "tok123");
  auto s = stub_->Watch(ctx.get());
  ASSERT_TRUE(s->Write(Create("secret")));
  ASSERT_TRUE(s->Write(Create("open")));
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(r.watch_id(), -1);
  EXPECT_TRUE(r.created());
  EXPECT_TRUE(r.canceled());
  EXPECT_EQ(r.cancel_reason(), "etcdserver: permission denied");
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(r.watch_id(), 0);
  EXPECT_FALSE(r.canceled());
  EXPECT_EQ(seen_token, "tok123");
  ctx->TryCancel();
  s->Finish();
}

// Server shutdown with streams still open: they end, the reactors are cleaned up and
// the store has no watchers left.
TEST_F(WatchServiceTest, ShutdownEndsOpenStreams) {
  auto ctx = Ctx();
  auto s = stub_->Watch(ctx.get());
  ASSERT_TRUE(s->Write(Create("k")));
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  EXPECT_EQ(store_->SyncedCount(), 1u);
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  while (s->Read(&r)) {
  }
  EXPECT_FALSE(s->Finish().ok());
  AwaitStreams(0);
  EXPECT_EQ(store_->SyncedCount(), 0u);
}

TEST_F(WatchServiceTest, FragmentsArriveInOrder) {
  std::vector<std::pair<std::string, std::string>> puts;
  for (int i = 0; i < 8; ++i) puts.push_back({"f/" + std::to_string(i), std::string(300, 'y')});
  store_->Notify(2, hist_.Txn(puts));
  auto ctx = Ctx();
  auto s = stub_->Watch(ctx.get());
  WatchRequest c = Create("f/", "f0");
  c.mutable_create_request()->set_fragment(true);
  c.mutable_create_request()->set_prev_kv(true);
  ASSERT_TRUE(s->Write(c));
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  std::vector<std::string> dels;
  for (auto& p : puts) dels.push_back(p.first);
  store_->Notify(3, hist_.Txn({}, dels));
  int events = 0, messages = 0;
  do {
    ASSERT_TRUE(s->Read(&r));
    ++messages;
    EXPECT_EQ(r.header().revision(), 3);
    for (const auto& e : r.events()) {
      EXPECT_EQ(e.kv().key(), "f/" + std::to_string(events));
      ++events;
    }
  } while (r.fragment());
  EXPECT_EQ(events, 8);
  EXPECT_GE(messages, 2);
  ctx->TryCancel();
  s->Finish();
}

// Many responses queued while the client is not reading arrive complete and in order,
// one write at a time.
TEST_F(WatchServiceTest, ManyEventsInOrder) {
  auto ctx = Ctx();
  auto s = stub_->Watch(ctx.get());
  ASSERT_TRUE(s->Write(Create("k")));
  WatchResponse r;
  ASSERT_TRUE(s->Read(&r));
  for (int i = 0; i < 300; ++i) Put("k", std::to_string(i));
  int64_t next = 2;
  while (next <= 301) {
    store_->SyncOnce();  // a victim catches up here if its buffer overflowed
    ASSERT_TRUE(s->Read(&r));
    for (const auto& e : r.events()) EXPECT_EQ(e.kv().mod_revision(), next++);
  }
  ctx->TryCancel();
  s->Finish();
  AwaitStreams(0);
}

// The same with the store's syncer and notifier threads running, several streams, a
// client that reads while the applier writes.
TEST_F(WatchServiceTest, ManyStreamsWithBackgroundThreads) {
  store_->Start();
  constexpr int kStreams = 3;
  std::vector<std::unique_ptr<grpc::ClientContext>> ctxs;
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    ctxs.push_back(Ctx());
    streams.push_back(stub_->Watch(ctxs.back().get()));
    ASSERT_TRUE(streams.back()->Write(Create("k", "", 2)));  // history from rev 2 on
  }
  std::thread applier([&] {
    for (int i = 0; i < 400; ++i) Put("k", std::to_string(i));
  });
  for (auto& s : streams) {
    WatchResponse r;
    ASSERT_TRUE(s->Read(&r));
    EXPECT_TRUE(r.created());
    int64_t next = 2;
    while (next <= 401) {
      ASSERT_TRUE(s->Read(&r));
      for (const auto& e : r.events()) ASSERT_EQ(e.kv().mod_revision(), next++);
    }
  }
  applier.join();
  for (auto& c : ctxs) c->TryCancel();
  for (auto& s : streams) s->Finish();
  AwaitStreams(0);
  store_->Stop();
}

}  // namespace
}  // namespace etcd::api
