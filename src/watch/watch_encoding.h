// WatchResponses in protobuf wire form, built without protobuf objects on the fan-out path.
//
// The store queues each response as an EncodedResponse: its header revision and its
// other fields (watch_id, created, canceled, ..., events) already encoded. Notify encodes
// each event once (with and without prev_kv) and appends those bytes to every
// concerned watcher's response; the gRPC layer prepends the header (cluster_id,
// member_id, revision, raft_term) and sends the bytes as they are. Field numbers and
// encodings are those of etcdserverpb.WatchResponse / mvccpb.Event (proto3: zero
// scalars omitted, fields in field-number order), so the bytes equal what protobuf's
// own serializer would produce for the same message.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "etcdserverpb/rpc.pb.h"
#include "mvccpb/kv.pb.h"

namespace etcd::mvcc {

// One queued WatchResponse without its header.
struct EncodedResponse {
  int64_t revision = 0;  // header.revision (0: a compacted cancel)
  std::string body;      // every field but the header, wire format
};

namespace wire {

size_t VarintSize(uint64_t v);
void AppendVarint(uint64_t v, std::string* out);

// Appends WatchResponse.watch_id (field 2; nothing for 0).
void AppendWatchId(int64_t id, std::string* out);

// Appends `ev` as a WatchResponse.events entry (field 11: tag, length, mvccpb.Event),
// with its prev_kv only when `keep_prev`.
void AppendEventEntry(const mvccpb::Event& ev, bool keep_prev, std::string* out);

// `resp` without its header (the header's revision goes to `revision`).
EncodedResponse Encode(const etcdserverpb::WatchResponse& resp);

// The whole message: `header` (its revision replaced by enc.revision) then enc.body.
// Writes exactly MessageSize bytes at `out`.
size_t MessageSize(const etcdserverpb::ResponseHeader& header, const EncodedResponse& enc);
void WriteMessage(const etcdserverpb::ResponseHeader& header, const EncodedResponse& enc,
                  char* out);

// Parses `enc` back into a WatchResponse (header: the revision only). False on bytes
// that do not parse (never for bytes produced here).
bool Decode(const EncodedResponse& enc, etcdserverpb::WatchResponse* out);

}  // namespace wire
}  // namespace etcd::mvcc
