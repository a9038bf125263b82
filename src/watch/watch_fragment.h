// Splitting one large WatchResponse into fragments (reference/api.md §3.10).
//
// A response is split only when it has two or more events and its encoded size is at
// least `threshold` bytes (max-request-bytes + 512 KiB). Each fragment carries the same
// header and watch_id; every fragment but the last has fragment=true. Events are packed
// greedily in order: a fragment takes events while it stays under `threshold`, and
// always takes at least one.
//
// Thread safety: a pure function.
#pragma once

#include <cstddef>
#include <vector>

#include "etcdserverpb/rpc.pb.h"

namespace etcd::mvcc {

std::vector<etcdserverpb::WatchResponse> FragmentWatchResponse(etcdserverpb::WatchResponse resp,
                                                               size_t threshold);

}  // namespace etcd::mvcc
