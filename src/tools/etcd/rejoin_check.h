// Before a member bootstraps a NEW cluster (no WAL, --initial-cluster-state new, other
// members listed): ask those members whether this member has started before. If the
// running cluster knows it as a started member, its data dir was lost (or the wrong
// --data-dir is given), and bootstrapping again would give it an empty log under an ID
// the cluster expects to be caught up (reference/server.md §4 E10a: etcd 3.4 says
// "member <id> has already been bootstrapped"). Unreachable peers are normal here (the
// cluster is being created): only an answer that lists this member as started fails,
// or one from a member of another cluster (user-pain.md §4: etcd 3.4 then starts and
// logs "cluster ID mismatch" forever; we exit at once and say which settings differ).
//
// Thread safety: stateless; `fetch` is called on the caller's thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/server_config.h"
#include "peerpb/peer.pb.h"

namespace etcd::tools {

// Asks the peers at the given URLs for the member list (the first answer).
using FetchMembersFn =
    std::function<absl::StatusOr<peerpb::MembersResponse>(const std::vector<std::string>&)>;

absl::Status CheckNotAlreadyBootstrapped(const config::ServerConfig& cfg,
                                         const FetchMembersFn& fetch);

// The text for a failed EtcdServer::Create, with what to do added for the failures an
// operator causes: another process (a second etcd) holding the data dir's lock
// (reference/server.md §4 E23; etcd 3.4 waits forever instead).
std::string ExplainCreateFailure(const absl::Status& s, const config::ServerConfig& cfg);

// transport::FetchMembers with a short timeout per URL (etcd's bootstrap timeout, 1 s),
// identifying this member as a newcomer.
FetchMembersFn QuickFetchMembers(const config::ServerConfig& cfg);

}  // namespace etcd::tools
