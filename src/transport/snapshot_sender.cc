#include "transport/snapshot_sender.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "transport/peer_client.h"

namespace etcd::transport {
namespace {

class StringSource final : public SnapshotSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  uint64_t Size() const override { return data_.size(); }
  absl::Status Read(size_t max_bytes, std::string* out) override {
    size_t n = std::min(max_bytes, data_.size() - pos_);
    out->assign(data_, pos_, n);
    pos_ += n;
    return absl::OkStatus();
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<SnapshotSource> NewStringSnapshotSource(std::string data) {
  return std::make_unique<StringSource>(std::move(data));
}

absl::Status StreamSnapshot(peerpb::Peer::StubInterface* stub, grpc::ClientContext* ctx,
                            const peerpb::HandshakeRequest& hello, const raftpb::Message& msg,
                            SnapshotSource* source, size_t chunk_bytes) {
  chunk_bytes = std::max<size_t>(chunk_bytes, 1);
  const uint64_t total = source->Size();
  peerpb::SnapshotAck ack;
  std::unique_ptr<grpc::ClientWriterInterface<peerpb::SnapshotChunk>> writer =
      stub->Snapshot(ctx, &ack);

  peerpb::SnapshotChunk chunk;
  *chunk.mutable_hello() = hello;
  *chunk.mutable_message() = msg;
  chunk.mutable_message()->mutable_snapshot()->clear_data();
  chunk.set_total_size(total);
  uint64_t offset = 0;
  bool write_failed = false;
  std::string piece;
  do {
    uint64_t want = std::min<uint64_t>(chunk_bytes, total - offset);
    piece.clear();
    if (want > 0) {
      absl::Status s = source->Read(want, &piece);
      if (s.ok() && (piece.empty() || piece.size() > want)) {
        s = absl::InternalError(absl::StrCat("snapshot source returned ", piece.size(),
                                             " bytes at offset ", offset, " of ", total,
                                             " (asked for ", want, ")"));
      }
      if (!s.ok()) {
        ctx->TryCancel();
        (void)writer->Finish();
        return s;
      }
    }
    chunk.set_offset(offset);
    chunk.set_data(piece);
    offset += piece.size();
    if (!writer->Write(chunk)) {
      write_failed = true;
      break;
    }
    chunk.Clear();
  } while (offset < total);
  if (!write_failed) writer->WritesDone();
  absl::Status finished = FromGrpcStatus(writer->Finish());
  if (!finished.ok()) return finished;
  if (write_failed || ack.received_bytes() != total) {
    return absl::DataLossError(absl::StrCat("snapshot receiver acknowledged ", ack.received_bytes(),
                                            " of ", total, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace etcd::transport
