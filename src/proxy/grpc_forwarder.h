// The proxy's gRPC half: one generic callback service that accepts every method
// (etcdserverpb KV/Watch/Lease/Cluster/Maintenance/Auth, v3lockpb, v3electionpb, and
// anything else) and relays raw message frames, both directions, to the same method on
// an upstream member, so no per-RPC code exists. Every call is relayed as a
// bidirectional stream (unary and streaming calls have the same frames on the wire).
//
// Per call: the client's metadata (auth "token", "hasleader", ...) and deadline are
// copied upstream; request messages are read one at a time and written upstream
// (back-pressure: the next one is read when the previous is written); responses are
// written back one at a time; the upstream's status (code and message, e.g.
// "etcdserver: requested lease not found") finishes the client's call; a client that
// cancels cancels the upstream call.
//
// Failover: the call goes to UpstreamPool::Order()'s first endpoint. If it ends with
// UNAVAILABLE before any response was relayed, the endpoint is reported and the call is
// replayed (the request messages read so far, up to `max_replay_bytes`) on the next
// endpoint, each endpoint once. A stream that already relayed responses (a Watch, a
// LeaseKeepAlive) ends with UNAVAILABLE instead, and the client re-establishes it as it
// does against a failing member.
//
// Thread safety: gRPC calls the reactors from its threads; each call's state is guarded
// by its own mutex.
#pragma once

#include <grpcpp/generic/async_generic_service.h>

#include <cstddef>

#include "proxy/upstream_pool.h"

namespace etcd::proxy {

class GrpcForwarder final : public grpc::CallbackGenericService {
 public:
  // `pool` must outlive the service.
  explicit GrpcForwarder(UpstreamPool* pool, size_t max_replay_bytes = 4 << 20)
      : pool_(pool), max_replay_bytes_(max_replay_bytes) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

 private:
  UpstreamPool* const pool_;
  const size_t max_replay_bytes_;
};

}  // namespace etcd::proxy
