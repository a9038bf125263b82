// StreamSnapshot against a recording Peer service on a loopback port: how a payload
// is cut into chunks, and how failures surface.
#include "transport/snapshot_sender.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "test_util.h"

namespace etcd::transport {
namespace {

// Records every chunk; optionally fails after the first one.
class ChunkRecorder final : public peerpb::Peer::Service {
 public:
  grpc::Status Snapshot(grpc::ServerContext*, grpc::ServerReader<peerpb::SnapshotChunk>* reader,
                        peerpb::SnapshotAck* ack) override {
    peerpb::SnapshotChunk c;
    uint64_t total = 0;
    while (reader->Read(&c)) {
      absl::MutexLock l(&mu_);
      total += c.data().size();
      chunks_.push_back(c);
      if (fail_) return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "disk full");
    }
    ack->set_received_bytes(short_ack_ ? total - 1 : total);
    return grpc::Status::OK;
  }
  std::vector<peerpb::SnapshotChunk> chunks() {
    absl::MutexLock l(&mu_);
    return chunks_;
  }
  void set_fail(bool f) {
    absl::MutexLock l(&mu_);
    fail_ = f;
  }
  void set_short_ack(bool s) {
    absl::MutexLock l(&mu_);
    short_ack_ = s;
  }

 private:
  absl::Mutex mu_;
  std::vector<peerpb::SnapshotChunk> chunks_ ABSL_GUARDED_BY(mu_);
  bool fail_ ABSL_GUARDED_BY(mu_) = false;
  bool short_ack_ ABSL_GUARDED_BY(mu_) = false;
};

class SnapshotSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&service_);
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = peerpb::Peer::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    hello_.set_member_id(1);
    hello_.set_cluster_id(9);
    msg_ = testing::Msg(raftpb::MSG_SNAP, 1, 2, 0);
    msg_.mutable_snapshot()->mutable_metadata()->set_index(77);
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  absl::Status Send(std::unique_ptr<SnapshotSource> source, size_t chunk) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return StreamSnapshot(stub_.get(), &ctx, hello_, msg_, source.get(), chunk);
  }

  ChunkRecorder service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<peerpb::Peer::Stub> stub_;
  peerpb::HandshakeRequest hello_;
  raftpb::Message msg_;
};

TEST_F(SnapshotSenderTest, CutsThePayloadIntoChunks) {
  std::string payload(5 * 1024 * 1024 + 123, 'p');
  payload[0] = 'a';
  payload.back() = 'z';
  msg_.mutable_snapshot()->set_data("must not be sent");
  ASSERT_TRUE(Send(NewStringSnapshotSource(payload), 1 << 20).ok());
  auto chunks = service_.chunks();
  ASSERT_EQ(chunks.size(), 6u);
  // The first chunk identifies the call and carries the message without its data.
  EXPECT_EQ(chunks[0].hello().member_id(), 1u);
  EXPECT_EQ(chunks[0].message().type(), raftpb::MSG_SNAP);
  EXPECT_EQ(chunks[0].message().snapshot().metadata().index(), 77u);
  EXPECT_TRUE(chunks[0].message().snapshot().data().empty());
  EXPECT_EQ(chunks[0].total_size(), payload.size());
  std::string joined;
  for (size_t i = 0; i < chunks.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(chunks[i].offset(), joined.size());
    EXPECT_EQ(chunks[i].data().size(), i < 5 ? size_t{1} << 20 : 123u);
    if (i > 0) {
      EXPECT_FALSE(chunks[i].has_hello());
      EXPECT_FALSE(chunks[i].has_message());
    }
    joined += chunks[i].data();
  }
  EXPECT_TRUE(joined == payload);
}

TEST_F(SnapshotSenderTest, EmptyPayloadIsOneChunk) {
  ASSERT_TRUE(Send(NewStringSnapshotSource(""), 1 << 20).ok());
  auto chunks = service_.chunks();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].total_size(), 0u);
  EXPECT_TRUE(chunks[0].has_message());
}

TEST_F(SnapshotSenderTest, ReceiverErrorsSurface) {
  service_.set_fail(true);
  absl::Status s = Send(NewStringSnapshotSource(std::string(3 << 20, 'x')), 1 << 20);
  EXPECT_EQ(s, absl::ResourceExhaustedError("disk full"));
}

TEST_F(SnapshotSenderTest, ShortAckIsDataLoss) {
  service_.set_short_ack(true);
  absl::Status s = Send(NewStringSnapshotSource("abc"), 2);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
}

class BrokenSource final : public SnapshotSource {
 public:
  explicit BrokenSource(bool empty) : empty_(empty) {}
  uint64_t Size() const override { return 100; }
  absl::Status Read(size_t, std::string* out) override {
    if (empty_) {
      out->clear();
      return absl::OkStatus();
    }
    return absl::DataLossError("read failed");
  }

 private:
  bool empty_;
};

TEST_F(SnapshotSenderTest, SourceErrorsAbortTheTransfer) {
  EXPECT_EQ(Send(std::make_unique<BrokenSource>(false), 10), absl::DataLossError("read failed"));
  absl::Status s = Send(std::make_unique<BrokenSource>(true), 10);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
}

}  // namespace
}  // namespace etcd::transport
