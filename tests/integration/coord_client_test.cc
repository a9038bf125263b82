// The Lock and Election gRPC services of a running etcd (ours), driven with the
// generated stubs: blocking, ordering, deadlines, errors (reference/api.md §8).
// Started by coord_test.sh with ETCD_ENDPOINT=127.0.0.1:<port>.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "gtest/gtest.h"
#include "v3electionpb/v3election.grpc.pb.h"
#include "v3lockpb/v3lock.grpc.pb.h"

namespace {

using namespace std::chrono_literals;

std::shared_ptr<grpc::Channel> Channel() {
  static auto ch =
      grpc::CreateChannel(std::getenv("ETCD_ENDPOINT"), grpc::InsecureChannelCredentials());
  return ch;
}

void SetDeadline(grpc::ClientContext* ctx, std::chrono::milliseconds d) {
  ctx->set_deadline(std::chrono::system_clock::now() + d);
}

int64_t Grant(int64_t ttl) {
  auto lease = etcdserverpb::Lease::NewStub(Channel());
  grpc::ClientContext ctx;
  SetDeadline(&ctx, 5s);
  etcdserverpb::LeaseGrantRequest req;
  req.set_ttl(ttl);
  etcdserverpb::LeaseGrantResponse resp;
  EXPECT_TRUE(lease->LeaseGrant(&ctx, req, &resp).ok());
  return resp.id();
}

int64_t CountPrefix(const std::string& prefix) {
  auto kv = etcdserverpb::KV::NewStub(Channel());
  grpc::ClientContext ctx;
  SetDeadline(&ctx, 5s);
  etcdserverpb::RangeRequest req;
  req.set_key(prefix);
  std::string end = prefix;
  end.back()++;
  req.set_range_end(end);
  req.set_count_only(true);
  etcdserverpb::RangeResponse resp;
  EXPECT_TRUE(kv->Range(&ctx, req, &resp).ok());
  return resp.count();
}

}  // namespace
namespace {

grpc::Status Lock(const std::string& name, int64_t lease, v3lockpb::LockResponse* resp,
                  std::chrono::milliseconds deadline = 10s) {
  auto stub = v3lockpb::Lock::NewStub(Channel());
  grpc::ClientContext ctx;
  SetDeadline(&ctx, deadline);
  v3lockpb::LockRequest req;
  req.set_name(name);
  req.set_lease(lease);
  return stub->Lock(&ctx, req, resp);
}

grpc::Status Unlock(const std::string& key) {
  auto stub = v3lockpb::Lock::NewStub(Channel());
  grpc::ClientContext ctx;
  SetDeadline(&ctx, 5s);
  v3lockpb::UnlockRequest req;
  req.set_key(key);
  v3lockpb::UnlockResponse resp;
  return stub->Unlock(&ctx, req, &resp);
}

std::string Hex(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
  return buf;
}

TEST(LockService, FreshLeaseKeyAndHeader) {
  v3lockpb::LockResponse r;
  grpc::Status s = Lock("fresh", 0, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.key().rfind("fresh/", 0), 0u) << r.key();
  EXPECT_GT(r.key().size(), 6u);
  EXPECT_GT(r.header().revision(), 0);
  EXPECT_NE(r.header().cluster_id(), 0u);
  EXPECT_TRUE(Unlock(r.key()).ok());
  EXPECT_TRUE(Unlock(r.key()).ok()) << "unlocking a missing key succeeds";
}

TEST(LockService, SecondWaiterBlocksUntilUnlock) {
  int64_t l1 = Grant(60), l2 = Grant(60);
  v3lockpb::LockResponse r1;
  ASSERT_TRUE(Lock("mutex", l1, &r1).ok());
  EXPECT_EQ(r1.key(), "mutex/" + Hex(l1));
  auto second = std::async(std::launch::async, [&] {
    v3lockpb::LockResponse r2;
    grpc::Status s = Lock("mutex", l2, &r2);
    return std::make_pair(s.ok(), r2.key());
  });
  EXPECT_EQ(second.wait_for(500ms), std::future_status::timeout) << "second lock did not wait";
  ASSERT_TRUE(Unlock(r1.key()).ok());
  ASSERT_EQ(second.wait_for(5s), std::future_status::ready) << "second lock not granted";
  auto [ok, key] = second.get();
  EXPECT_TRUE(ok);
  EXPECT_EQ(key, "mutex/" + Hex(l2));
  EXPECT_TRUE(Unlock(key).ok());
}

TEST(LockService, DeadlineEndsTheWaitAndRemovesTheWaiterKey) {
  v3lockpb::LockResponse r1;
  ASSERT_TRUE(Lock("dl", 0, &r1).ok());
  v3lockpb::LockResponse r2;
  grpc::Status s = Lock("dl", Grant(60), &r2, 500ms);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  for (int i = 0; i < 50 && CountPrefix("dl/") != 1; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(CountPrefix("dl/"), 1) << "the waiter's key was not deleted";
  EXPECT_TRUE(Unlock(r1.key()).ok());
}

TEST(LockService, UnknownLeaseIsUnknownWithEtcdText) {
  v3lockpb::LockResponse r;
  grpc::Status s = Lock("nolease", 0x1234abcd, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");
}

TEST(ElectionService, CampaignProclaimObserveResign) {
  auto stub = v3electionpb::Election::NewStub(Channel());
  {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 5s);
    v3electionpb::LeaderRequest req;
    req.set_name("el");
    v3electionpb::LeaderResponse resp;
    grpc::Status s = stub->Leader(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
    EXPECT_EQ(s.error_message(), "election: no leader");
  }
  // An observer from the start: it sees the first leader once it appears.
  grpc::ClientContext octx;
  SetDeadline(&octx, 20s);
  v3electionpb::LeaderRequest oreq;
  oreq.set_name("el");
  auto observer = stub->Observe(&octx, oreq);

  int64_t l1 = Grant(60), l2 = Grant(60);
  v3electionpb::CampaignResponse c1;
  {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 5s);
    v3electionpb::CampaignRequest req;
    req.set_name("el");
    req.set_lease(l1);
    req.set_value("v1");
    ASSERT_TRUE(stub->Campaign(&ctx, req, &c1).ok());
  }
  EXPECT_EQ(c1.leader().name(), "el");
  EXPECT_EQ(c1.leader().key(), "el/" + Hex(l1));
  EXPECT_EQ(c1.leader().lease(), l1);
  EXPECT_EQ(c1.leader().rev(), c1.header().revision());
  v3electionpb::LeaderResponse ev;
  ASSERT_TRUE(observer->Read(&ev));
  EXPECT_EQ(ev.kv().value(), "v1");
  EXPECT_EQ(ev.header().revision(), c1.leader().rev());
  {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 5s);
    v3electionpb::ProclaimRequest req;
    *req.mutable_leader() = c1.leader();
    req.set_value("v2");
    v3electionpb::ProclaimResponse resp;
    ASSERT_TRUE(stub->Proclaim(&ctx, req, &resp).ok());
  }
  ASSERT_TRUE(observer->Read(&ev));
  EXPECT_EQ(ev.kv().value(), "v2");
  {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 5s);
    v3electionpb::LeaderRequest req;
    req.set_name("el");
    v3electionpb::LeaderResponse resp;
    ASSERT_TRUE(stub->Leader(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.kv().value(), "v2");
  }
  {  // A stale leader key cannot proclaim.
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 5s);
    v3electionpb::ProclaimRequest req;
    *req.mutable_leader() = c1.leader();
    req.mutable_leader()->set_rev(c1.leader().rev() + 1000);
    req.set_value("nope");
    v3electionpb::ProclaimResponse resp;
    grpc::Status s = stub->Proclaim(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
    EXPECT_EQ(s.error_message(), "election: not leader");
  }
  {  // No leader field.
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 5s);
    v3electionpb::ResignRequest req;
    v3electionpb::ResignResponse resp;
    grpc::Status s = stub->Resign(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
    EXPECT_EQ(s.error_message(), "\"leader\" field must be provided");
  }
  // A second candidate waits for the first to resign.
  auto second = std::async(std::launch::async, [&] {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 10s);
    v3electionpb::CampaignRequest req;
    req.set_name("el");
    req.set_lease(l2);
    req.set_value("w1");
    v3electionpb::CampaignResponse resp;
    grpc::Status s = stub->Campaign(&ctx, req, &resp);
    return std::make_pair(s.ok(), resp.leader().key());
  });
  EXPECT_EQ(second.wait_for(500ms), std::future_status::timeout) << "second campaign did not wait";
  for (int i = 0; i < 2; ++i) {  // resigning twice is fine
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 5s);
    v3electionpb::ResignRequest req;
    *req.mutable_leader() = c1.leader();
    v3electionpb::ResignResponse resp;
    ASSERT_TRUE(stub->Resign(&ctx, req, &resp).ok());
  }
  ASSERT_EQ(second.wait_for(5s), std::future_status::ready);
  auto [ok, key] = second.get();
  EXPECT_TRUE(ok);
  EXPECT_EQ(key, "el/" + Hex(l2));
  ASSERT_TRUE(observer->Read(&ev));
  EXPECT_EQ(ev.kv().value(), "w1") << "observer did not follow the new leader";
  octx.TryCancel();
  observer->Finish();
}

}  // namespace
