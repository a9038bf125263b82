// Forwards a MemberPromote from a follower to the leader over the leader's client URLs
// (its Cluster.MemberPromote gRPC call), for transports that cannot forward it on the
// peer port (Transport::ForwardPromote answering UNIMPLEMENTED). etcd 3.4 forwards over
// peer HTTP; the leader's answer (an etcd error or the member list) is the same.
//
// Thread safety: a pure function; `done` runs once, on a gRPC thread or inline when no
// URL is usable.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "server/transport.h"

namespace etcd::server {

// Tries the first usable URL (http:// or unix://; https needs the client TLS settings,
// which this path does not have: UNAVAILABLE). `token` is passed on as the "token"
// metadata when not empty.
void ForwardPromoteOverClientUrls(const std::vector<std::string>& client_urls, uint64_t learner_id,
                                  const std::string& token, std::chrono::milliseconds timeout,
                                  Transport::PromoteDone done);

}  // namespace etcd::server
