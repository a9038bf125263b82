// The server-streaming reactor of Maintenance.Snapshot: a producer thread opens the
// member's snapshot (server::ServerApi::OpenSnapshot, which scans the backend) and
// reads it in 32 KiB chunks into a small bounded queue; gRPC writes drain the queue.
// Messages as etcd sends them: {remaining_bytes, blob} per 32 KiB of the image
// (remaining_bytes = image size - bytes sent so far, so the last image chunk has 0),
// then one message with the 32-byte SHA-256 and remaining_bytes 0. The first message
// carries the response header.
//
// Thread safety: the producer thread, gRPC's reactions (OnWriteDone, OnCancel) and
// OnDone meet under one mutex; StartWrite and Finish are called with it released, and
// flags under the mutex make each happen once per write / once per call. OnDone joins
// the producer, which stops at the next chunk once the call is cancelled.
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/server_api.h"

namespace etcd::api {

inline constexpr size_t kSnapshotChunkBytes = 32 * 1024;

// Starts the stream; gRPC owns (and deletes) the returned reactor.
grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse>* StartSnapshotStream(
    server::ServerApi* api, const server::RequestContext& ctx);

}  // namespace etcd::api
