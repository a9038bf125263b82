// PeerService driven by a raw gRPC client on a loopback port: the protocol rules a
// well-behaved Transport never breaks.
#include "transport/peer_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "test_util.h"

namespace etcd::transport {
namespace {

using testing::Msg;
using testing::RecordingHandler;

constexpr uint64_t kCluster = 0xcdf818194e3a8c32ULL;

class PeerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<PeerService>(&handler_, /*max_snapshot_bytes=*/1 << 20);
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    url_ = absl::StrCat("http://127.0.0.1:", port_);
    stub_ = peerpb::Peer::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  void SetIdentity() {
    LocalIdentity local;
    local.member_id = 2;
    local.cluster_id = kCluster;
    local.name = "m2";
    local.peer_urls = {url_};
    local.version = "3.5.0";
    service_->SetIdentity(local);
  }
  static peerpb::HandshakeRequest Hello(uint64_t from = 1, uint64_t cluster = kCluster) {
    peerpb::HandshakeRequest h;
    h.set_cluster_id(cluster);
    h.set_member_id(from);
    h.add_peer_urls("http://127.0.0.1:7");
    h.set_to(2);
    return h;
  }
  static std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return ctx;
  }

  RecordingHandler handler_;
  std::unique_ptr<PeerService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string url_;
  std::unique_ptr<peerpb::Peer::Stub> stub_;
};

TEST_F(PeerServiceTest, UnavailableUntilTheIdentityIsSet) {
  peerpb::HandshakeResponse resp;
  grpc::Status s = stub_->Handshake(Ctx().get(), Hello(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  SetIdentity();
  s = stub_->Handshake(Ctx().get(), Hello(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.member_id(), 2u);
  EXPECT_EQ(resp.cluster_id(), kCluster);
  EXPECT_EQ(resp.name(), "m2");
  EXPECT_EQ(resp.version(), "3.5.0");
  EXPECT_EQ(resp.peer_urls(0), url_);
}

TEST_F(PeerServiceTest, HandshakeMismatchIsFailedPreconditionReportedOncePerCaller) {
  SetIdentity();
  peerpb::HandshakeResponse resp;
  for (int i = 0; i < 3; ++i) {
    grpc::Status s = stub_->Handshake(Ctx().get(), Hello(1, 0x1c45a069f3a1d796ULL), &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(s.error_message(),
              absl::StrCat("cluster ID mismatch: local member 2 (", url_,
                           ") is in cluster cdf818194e3a8c32, remote member 1 "
                           "(http://127.0.0.1:7) claims cluster 1c45a069f3a1d796"));
  }
  EXPECT_EQ(handler_.events(PeerEvent::Kind::kRejected, 1).size(), 1u);
  // Another caller gets its own report; the first one, once admitted and refused
  // again, is reported again.
  (void)stub_->Handshake(Ctx().get(), Hello(3, 0x1c45a069f3a1d796ULL), &resp);
  EXPECT_EQ(handler_.events(PeerEvent::Kind::kRejected, 3).size(), 1u);
  ASSERT_TRUE(stub_->Handshake(Ctx().get(), Hello(1), &resp).ok());
  (void)stub_->Handshake(Ctx().get(), Hello(1, 0x1c45a069f3a1d796ULL), &resp);
  EXPECT_EQ(handler_.events(PeerEvent::Kind::kRejected, 1).size(), 2u);
}

TEST_F(PeerServiceTest, StreamDeliversBatchesAndAnswersPings) {
  SetIdentity();
  auto ctx = Ctx();
  auto stream = stub_->Stream(ctx.get());
  peerpb::PeerEnvelope env;
  *env.mutable_hello() = Hello();
  ASSERT_TRUE(stream->Write(env));
  env.Clear();
  *env.mutable_batch()->add_messages() = Msg(raftpb::MSG_APP, 1, 2, 1);
  *env.mutable_batch()->add_messages() = Msg(raftpb::MSG_HEARTBEAT, 1, 2, 2);
  ASSERT_TRUE(stream->Write(env));
  env.Clear();
  env.mutable_ping()->set_seq(99);
  ASSERT_TRUE(stream->Write(env));
  peerpb::PeerEnvelope pong;
  ASSERT_TRUE(stream->Read(&pong));
  EXPECT_EQ(pong.pong().seq(), 99u);
  ASSERT_TRUE(handler_.WaitProcessed(2));
  EXPECT_EQ(service_->open_streams(), 1);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  auto got = handler_.processed();
  EXPECT_EQ(got[0].type(), raftpb::MSG_APP);
  EXPECT_EQ(got[1].index(), 2u);
}

TEST_F(PeerServiceTest, StreamProtocolViolationsAreRefused) {
  SetIdentity();
  {
    // No hello first.
    auto ctx = Ctx();
    auto stream = stub_->Stream(ctx.get());
    peerpb::PeerEnvelope env;
    *env.mutable_batch()->add_messages() = Msg(raftpb::MSG_APP, 1, 2, 1);
    stream->Write(env);
    stream->WritesDone();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    // A message for another member, or claiming another sender.
    for (auto bad : {Msg(raftpb::MSG_APP, 1, 3, 1), Msg(raftpb::MSG_APP, 5, 2, 1)}) {
      auto ctx = Ctx();
      auto stream = stub_->Stream(ctx.get());
      peerpb::PeerEnvelope env;
      *env.mutable_hello() = Hello();
      stream->Write(env);
      env.Clear();
      *env.mutable_batch()->add_messages() = bad;
      stream->Write(env);
      stream->WritesDone();
      grpc::Status s = stream->Finish();
      EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    }
  }
  {
    // A second hello.
    auto ctx = Ctx();
    auto stream = stub_->Stream(ctx.get());
    peerpb::PeerEnvelope env;
    *env.mutable_hello() = Hello();
    stream->Write(env);
    stream->Write(env);
    stream->WritesDone();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_TRUE(handler_.processed().empty());
}

TEST_F(PeerServiceTest, SnapshotChunksAreValidated) {
  SetIdentity();
  auto send = [&](const std::vector<peerpb::SnapshotChunk>& chunks) {
    auto ctx = Ctx();
    peerpb::SnapshotAck ack;
    auto w = stub_->Snapshot(ctx.get(), &ack);
    for (const auto& c : chunks) {
      if (!w->Write(c)) break;
    }
    w->WritesDone();
    return w->Finish();
  };
  peerpb::SnapshotChunk first;
  *first.mutable_hello() = Hello();
  *first.mutable_message() = Msg(raftpb::MSG_SNAP, 1, 2, 0);
  first.set_total_size(10);
  first.set_data("01234");
  peerpb::SnapshotChunk rest;
  rest.set_offset(5);
  rest.set_data("56789");

  // Truncated.
  EXPECT_EQ(send({first}).error_code(), grpc::StatusCode::DATA_LOSS);
  // Wrong offset.
  peerpb::SnapshotChunk gap = rest;
  gap.set_offset(6);
  EXPECT_EQ(send({first, gap}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // More than declared.
  peerpb::SnapshotChunk extra = rest;
  extra.set_data("56789X");
  EXPECT_EQ(send({first, extra}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Not a MSG_SNAP.
  peerpb::SnapshotChunk notsnap = first;
  notsnap.mutable_message()->set_type(raftpb::MSG_APP);
  EXPECT_EQ(send({notsnap, rest}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Over the limit.
  peerpb::SnapshotChunk huge = first;
  huge.set_total_size(2 << 20);
  EXPECT_EQ(send({huge}).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(handler_.processed().empty());

  // Whole.
  grpc::Status s = send({first, rest});
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(handler_.processed().size(), 1u);
  EXPECT_EQ(handler_.processed()[0].snapshot().data(), "0123456789");
}

TEST_F(PeerServiceTest, RemovedCallerIsPermissionDeniedEverywhere) {
  SetIdentity();
  handler_.SetRemoved(1);
  peerpb::HandshakeResponse hs;
  EXPECT_EQ(stub_->Handshake(Ctx().get(), Hello(), &hs).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  peerpb::LeaseRenewRequest lr;
  *lr.mutable_hello() = Hello();
  peerpb::LeaseRenewResponse lresp;
  EXPECT_EQ(stub_->LeaseRenew(Ctx().get(), lr, &lresp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  peerpb::MembersRequest mr;
  *mr.mutable_hello() = Hello();
  peerpb::MembersResponse mresp;
  EXPECT_EQ(stub_->Members(Ctx().get(), mr, &mresp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(handler_.events(PeerEvent::Kind::kRejected, 1).size(), 1u);
}

}  // namespace
}  // namespace etcd::transport
