#include "api/lease_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "test_port.h"

namespace etcd::api {
namespace {

using etcdserverpb::LeaseKeepAliveRequest;
using etcdserverpb::LeaseKeepAliveResponse;
using testing::TestPort;

TEST(LeaseServiceTest, GrantAndTimeToLive) {
  TestPort t;
  t.api().on_LeaseGrant = [&](const server::RequestContext&,
                              const etcdserverpb::LeaseGrantRequest& req,
                              server::Done<etcdserverpb::LeaseGrantResponse> done) {
    etcdserverpb::LeaseGrantResponse r;
    t.api().FillHeader(r.mutable_header());
    r.set_id(99);
    r.set_ttl(req.ttl() < 2 ? 2 : req.ttl());
    done(std::move(r));
  };
  auto stub = etcdserverpb::Lease::NewStub(t.Channel());
  grpc::ClientContext ctx;
  etcdserverpb::LeaseGrantRequest req;
  req.set_ttl(1);
  etcdserverpb::LeaseGrantResponse resp;
  ASSERT_TRUE(stub->LeaseGrant(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.id(), 99);
  EXPECT_EQ(resp.ttl(), 2);

  grpc::ClientContext ctx2;
  etcdserverpb::LeaseTimeToLiveRequest ttl;
  etcdserverpb::LeaseTimeToLiveResponse ttl_resp;
  EXPECT_TRUE(stub->LeaseTimeToLive(&ctx2, ttl, &ttl_resp).ok());
  EXPECT_EQ(t.api().Calls("LeaseTimeToLive"), 1);
}

TEST(LeaseServiceTest, KeepAliveAnswersEveryRequestOnTheStream) {
  TestPort t;
  auto stub = etcdserverpb::Lease::NewStub(t.Channel());
  grpc::ClientContext ctx;
  auto stream = stub->LeaseKeepAlive(&ctx);
  for (int64_t id = 1; id <= 5; ++id) {
    LeaseKeepAliveRequest req;
    req.set_id(id);
    ASSERT_TRUE(stream->Write(req));
    LeaseKeepAliveResponse resp;
    ASSERT_TRUE(stream->Read(&resp));
    EXPECT_EQ(resp.id(), id);
    EXPECT_EQ(resp.ttl(), 60);
    EXPECT_EQ(resp.header().member_id(), 3319814642761637952u);
  }
  stream->WritesDone();
  LeaseKeepAliveResponse extra;
  EXPECT_FALSE(stream->Read(&extra));
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(t.api().Calls("LeaseRenew"), 5);
}

// Many requests written before any answer: the server answers them all, later, from
// another thread; the stream stops reading while too many are outstanding.
TEST(LeaseServiceTest, KeepAliveWithDelayedAnswersAndBackPressure) {
  TestPort t;
  absl::Mutex mu;
  std::vector<std::pair<int64_t, server::Done<LeaseKeepAliveResponse>>> held;
  t.api().on_LeaseRenew = [&](const server::RequestContext&, const LeaseKeepAliveRequest& req,
                              server::Done<LeaseKeepAliveResponse> done) {
    absl::MutexLock l(&mu);
    held.emplace_back(req.id(), std::move(done));
  };
  constexpr int kRequests = 3 * kMaxKeepAlivesInFlight;
  auto stub = etcdserverpb::Lease::NewStub(t.Channel());
  grpc::ClientContext ctx;
  auto stream = stub->LeaseKeepAlive(&ctx);
  std::thread writer([&] {
    for (int64_t id = 1; id <= kRequests; ++id) {
      LeaseKeepAliveRequest req;
      req.set_id(id);
      if (!stream->Write(req)) break;
    }
    stream->WritesDone();
  });
  std::vector<int64_t> seen;
  while (seen.size() < static_cast<size_t>(kRequests)) {
    std::vector<std::pair<int64_t, server::Done<LeaseKeepAliveResponse>>> batch;
    {
      absl::MutexLock l(&mu);
      auto some = [&] { return !held.empty(); };
      ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&some), absl::Seconds(20)));
      EXPECT_LE(held.size(), static_cast<size_t>(kMaxKeepAlivesInFlight));
      batch.swap(held);
    }
    for (auto& [id, done] : batch) {
      LeaseKeepAliveResponse r;
      r.set_id(id);
      r.set_ttl(10);
      done(std::move(r));
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      LeaseKeepAliveResponse resp;
      ASSERT_TRUE(stream->Read(&resp));
      seen.push_back(resp.id());
    }
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  std::sort(seen.begin(), seen.end());
  for (int i = 0; i < kRequests; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i + 1);
}

TEST(LeaseServiceTest, KeepAliveErrorEndsTheStreamWithIt) {
  TestPort t;
  t.api().on_LeaseRenew = [](const server::RequestContext&, const LeaseKeepAliveRequest&,
                             server::Done<LeaseKeepAliveResponse> done) {
    done(errors::Make(errors::Err::kNoLeader));
  };
  auto stub = etcdserverpb::Lease::NewStub(t.Channel());
  grpc::ClientContext ctx;
  auto stream = stub->LeaseKeepAlive(&ctx);
  LeaseKeepAliveRequest req;
  req.set_id(1);
  stream->Write(req);
  LeaseKeepAliveResponse resp;
  EXPECT_FALSE(stream->Read(&resp));
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "etcdserver: no leader");
}

TEST(LeaseServiceTest, ClientCancelWhileRenewPendingThenLateAnswer) {
  TestPort t;
  absl::Mutex mu;
  server::Done<LeaseKeepAliveResponse> held;
  t.api().on_LeaseRenew = [&](const server::RequestContext&, const LeaseKeepAliveRequest&,
                              server::Done<LeaseKeepAliveResponse> done) {
    absl::MutexLock l(&mu);
    held = std::move(done);
  };
  auto stub = etcdserverpb::Lease::NewStub(t.Channel());
  {
    grpc::ClientContext ctx;
    auto stream = stub->LeaseKeepAlive(&ctx);
    LeaseKeepAliveRequest req;
    req.set_id(1);
    stream->Write(req);
    {
      absl::MutexLock l(&mu);
      auto has = [&] { return held != nullptr; };
      ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&has), absl::Seconds(10)));
    }
    ctx.TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  absl::MutexLock l(&mu);
  held(LeaseKeepAliveResponse());  // after the stream is gone: dropped, no crash
}

}  // namespace
}  // namespace etcd::api
