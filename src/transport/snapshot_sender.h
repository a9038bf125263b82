// Streaming one raft snapshot (a MSG_SNAP and its payload) to a peer in chunks over
// the Snapshot call (docs/design/transport.md "Snapshots").
//
// Thread safety: StreamSnapshot blocks for the whole transfer; the Transport runs it
// on a background thread per snapshot. A SnapshotSource is used by one thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "peerpb/peer.grpc.pb.h"
#include "raftpb/raft.pb.h"

namespace etcd::transport {

// Where the snapshot payload comes from (an in-memory string, a file, a backend
// dump). The receiver gets the payload as message.snapshot.data.
class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  // Total payload size in bytes, known before the transfer starts.
  virtual uint64_t Size() const = 0;
  // The next 1..max_bytes bytes of the payload into *out (replacing its contents).
  // Called only while bytes remain.
  virtual absl::Status Read(size_t max_bytes, std::string* out) = 0;
};

// A payload held in memory (what Send uses for a MSG_SNAP's snapshot.data).
std::unique_ptr<SnapshotSource> NewStringSnapshotSource(std::string data);

// Sends `msg` (its snapshot.data is not sent; the payload comes from `source`) in
// chunks of at most `chunk_bytes` payload bytes and waits for the receiver's ack.
// OK only if the receiver took the whole payload and handed the message to Raft.
// `ctx` carries the deadline; TryCancel on it aborts the transfer.
absl::Status StreamSnapshot(peerpb::Peer::StubInterface* stub, grpc::ClientContext* ctx,
                            const peerpb::HandshakeRequest& hello, const raftpb::Message& msg,
                            SnapshotSource* source, size_t chunk_bytes);

}  // namespace etcd::transport
