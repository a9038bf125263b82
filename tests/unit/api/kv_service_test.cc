#include "api/kv_service.h"

#include <grpcpp/grpcpp.h>

#include <thread>

#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "test_port.h"

namespace etcd::api {
namespace {

using testing::TestPort;

TEST(KvServiceTest, RangeGoesToTheServerAndBack) {
  TestPort t;
  t.api().on_Range = [&](const server::RequestContext&, const etcdserverpb::RangeRequest& req,
                         server::Done<etcdserverpb::RangeResponse> done) {
    etcdserverpb::RangeResponse r;
    t.api().FillHeader(r.mutable_header());
    auto* kv = r.add_kvs();
    kv->set_key(req.key());
    kv->set_value("bar");
    r.set_count(1);
    done(std::move(r));
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  etcdserverpb::RangeRequest req;
  req.set_key("foo");
  etcdserverpb::RangeResponse resp;
  grpc::Status s = stub->Range(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.header().cluster_id(), 324952591200643719u);
  EXPECT_EQ(resp.header().revision(), 2);
  ASSERT_EQ(resp.kvs_size(), 1);
  EXPECT_EQ(resp.kvs(0).key(), "foo");
  EXPECT_EQ(resp.kvs(0).value(), "bar");
}

TEST(KvServiceTest, ErrorsPassThroughWithCodeAndMessage) {
  TestPort t;
  t.api().on_Put = [](const server::RequestContext&, const etcdserverpb::PutRequest&,
                      server::Done<etcdserverpb::PutResponse> done) {
    done(errors::Make(errors::Err::kLeaseNotFound));
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  etcdserverpb::PutRequest req;
  req.set_key("foo");
  req.set_lease(7);
  etcdserverpb::PutResponse resp;
  grpc::Status s = stub->Put(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");
}

TEST(KvServiceTest, MetadataBecomesTheRequestContext) {
  TestPort t;
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  ctx.AddMetadata("token", "abc.12");
  ctx.AddMetadata("hasleader", "true");
  etcdserverpb::DeleteRangeRequest req;
  req.set_key("foo");
  etcdserverpb::DeleteRangeResponse resp;
  ASSERT_TRUE(stub->DeleteRange(&ctx, req, &resp).ok());
  EXPECT_EQ(t.api().LastContext().token, "abc.12");
  EXPECT_TRUE(t.api().LastContext().require_leader);

  grpc::ClientContext plain;
  ASSERT_TRUE(stub->DeleteRange(&plain, req, &resp).ok());
  EXPECT_EQ(t.api().LastContext().token, "");
  EXPECT_FALSE(t.api().LastContext().require_leader);
}

// The answer comes later from another thread (as from the applier); many calls wait at
// once without holding gRPC threads.
TEST(KvServiceTest, AsynchronousAnswersFromAnotherThread) {
  TestPort t;
  absl::Mutex mu;
  std::vector<server::Done<etcdserverpb::TxnResponse>> waiting;
  t.api().on_Txn = [&](const server::RequestContext&, const etcdserverpb::TxnRequest&,
                       server::Done<etcdserverpb::TxnResponse> done) {
    absl::MutexLock l(&mu);
    waiting.push_back(std::move(done));
  };
  constexpr int kCalls = 32;
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < kCalls; ++i) {
    clients.emplace_back([&] {
      grpc::ClientContext ctx;
      etcdserverpb::TxnRequest req;
      etcdserverpb::TxnResponse resp;
      if (stub->Txn(&ctx, req, &resp).ok() && resp.succeeded()) ++ok;
    });
  }
  {
    absl::MutexLock l(&mu);
    auto all = [&] { return waiting.size() == kCalls; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(20)));
  }
  std::thread applier([&] {
    absl::MutexLock l(&mu);
    for (auto& done : waiting) {
      etcdserverpb::TxnResponse r;
      r.set_succeeded(true);
      done(std::move(r));
    }
  });
  applier.join();
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), kCalls);
}

// A call whose client gives up is finished at once; the server's late answer is dropped.
TEST(KvServiceTest, DeadlineThenLateAnswerIsSafe) {
  TestPort t;
  server::Done<etcdserverpb::RangeResponse> held;
  absl::Notification called;
  t.api().on_Range = [&](const server::RequestContext&, const etcdserverpb::RangeRequest&,
                         server::Done<etcdserverpb::RangeResponse> done) {
    held = std::move(done);
    called.Notify();
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  etcdserverpb::RangeRequest req;
  req.set_key("k");
  etcdserverpb::RangeResponse resp;
  grpc::Status s = stub->Range(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(called.WaitForNotificationWithTimeout(absl::Seconds(5)));
  held(etcdserverpb::RangeResponse());  // must not crash or finish twice
  // The port still serves.
  t.api().on_Range = [](const server::RequestContext&, const etcdserverpb::RangeRequest&,
                        server::Done<etcdserverpb::RangeResponse> done) {
    done(etcdserverpb::RangeResponse());
  };
  grpc::ClientContext ctx2;
  EXPECT_TRUE(stub->Range(&ctx2, req, &resp).ok());
}

// A call still waiting at Shutdown is cancelled after the grace period, so Shutdown
// returns even if the server never answers.
TEST(KvServiceTest, ShutdownCancelsCallsTheServerNeverAnswers) {
  TestPort t;
  server::Done<etcdserverpb::CompactionResponse> held;
  absl::Notification called;
  t.api().on_Compact = [&](const server::RequestContext&, const etcdserverpb::CompactionRequest&,
                           server::Done<etcdserverpb::CompactionResponse> done) {
    held = std::move(done);
    called.Notify();
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::Status s;
  std::thread client([&] {
    grpc::ClientContext ctx;
    etcdserverpb::CompactionRequest req;
    etcdserverpb::CompactionResponse resp;
    s = stub->Compact(&ctx, req, &resp);
  });
  ASSERT_TRUE(called.WaitForNotificationWithTimeout(absl::Seconds(5)));
  t.port().Shutdown();
  client.join();
  EXPECT_FALSE(s.ok());
  held(etcdserverpb::CompactionResponse());  // late: dropped
}

// Requests above --max-request-bytes + 512 KiB fail as on Go's gRPC server.
TEST(KvServiceTest, RequestLargerThanTheLimitGetsGosMessage) {
  auto o = TestPort::DefaultOptions();
  o.max_request_bytes = 1000;  // limit 1000 + 524288
  TestPort t(o);
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  etcdserverpb::PutRequest req;
  req.set_key("k");
  req.set_value(std::string(600 * 1024, 'x'));
  etcdserverpb::PutResponse resp;
  grpc::Status s = stub->Put(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(s.error_message(), "grpc: received message larger than max (" +
                                   std::to_string(req.ByteSizeLong()) + " vs. 525288)");
  EXPECT_EQ(t.api().Calls("Put"), 0);
}

}  // namespace
}  // namespace etcd::api
