// Client-side helpers shared by the per-peer senders and by code that talks to a
// peer before any Transport runs (a member joining with --initial-cluster-state
// existing fetches the member list first): channel creation, status conversion and
// the Members call.
//
// Thread safety: pure functions; the returned channels are thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "peerpb/peer.pb.h"

namespace etcd::transport {

// A fresh channel to a peer URL: http:// plain, https:// with `credentials`
// (Unimplemented if null).
// Uses its own subchannel pool, so a new channel never inherits another's backoff.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(
    const std::string& url, const std::shared_ptr<grpc::ChannelCredentials>& credentials);

absl::Status FromGrpcStatus(const grpc::Status& s);
grpc::Status ToGrpcStatus(const absl::Status& s);

// Asks the peers at `peer_urls`, in order, for the member list; returns the first
// answer. `hello` identifies the caller (cluster_id 0 accepts any cluster). Each URL
// gets `timeout`. The error names every URL tried and why it failed.
absl::StatusOr<peerpb::MembersResponse> FetchMembers(
    const std::vector<std::string>& peer_urls, const peerpb::HandshakeRequest& hello,
    std::chrono::milliseconds timeout,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials = nullptr);

}  // namespace etcd::transport
