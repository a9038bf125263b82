// Settings of a Transport. Defaults suit a LAN cluster; tests shorten the timers.
//
// Thread safety: a plain value, copied into the Transport at construction.
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace etcd::transport {

struct TransportOptions {
  // This member.
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  std::string name;
  // What peers are told (and what refusal messages name). Empty: the listen URLs with
  // the ports actually bound (useful with port 0 in tests).
  std::vector<std::string> advertise_peer_urls;
  // --listen-peer-urls. Empty: no server (a client-only transport, e.g. a tool).
  std::vector<std::string> listen_peer_urls;
  std::string version = ETCD_VERSION;

  // Outgoing queue per peer, in messages (etcd uses 4096 for its stream buffer).
  size_t queue_capacity = 4096;
  // One stream write carries at most this many messages / encoded bytes (a single
  // larger message travels alone).
  size_t max_batch_messages = 1024;
  size_t max_batch_bytes = 1 << 20;
  // Largest inbound gRPC message the server accepts (a batch or a snapshot chunk).
  int max_receive_message_bytes = 64 << 20;
  // Snapshot payload bytes per SnapshotChunk, and the largest payload accepted.
  size_t snapshot_chunk_bytes = 1 << 20;
  uint64_t max_snapshot_bytes = uint64_t{8} << 30;

  // Connecting: deadline of the dial + Handshake call.
  std::chrono::milliseconds dial_timeout{2000};
  // Reconnect backoff per peer (exponential, jittered by +-20%).
  std::chrono::milliseconds backoff_initial{50};
  std::chrono::milliseconds backoff_max{2000};
  // Liveness: a Ping every ping_interval; a stream with no Pong (or handshake) for
  // contact_timeout is considered dead and reconnected.
  std::chrono::milliseconds ping_interval{1000};
  std::chrono::milliseconds contact_timeout{5000};
  // Deadline of one snapshot transfer.
  std::chrono::milliseconds snapshot_timeout{10 * 60 * 1000};
  // Seeds the backoff jitter (each peer mixes in its ID).
  uint64_t rng_seed = 1;

  // TLS hooks (the --peer-* TLS flags come with a later issue): used for https://
  // URLs, which are refused while they are null; http:// URLs are always plain.
  std::shared_ptr<grpc::ServerCredentials> server_credentials;
  std::shared_ptr<grpc::ChannelCredentials> channel_credentials;
  // Inbound calls over TLS: called first with the caller's address as gRPC names it
  // ("ipv4:127.0.0.1:40000") and its certificate (PEM; empty when it sent none); an
  // error refuses the call (its code and text go back to the caller). Null: no check.
  // (etcd's check of a peer certificate's SANs against the remote address.)
  std::function<absl::Status(const std::string& peer, const std::string& cert_pem)>
      check_tls_caller;
};

}  // namespace etcd::transport
