// The checks etcd 3.4 makes when a member starts without a WAL and bootstraps from
// --initial-cluster: its --name must be a member of the initial cluster, and (for a new
// cluster) its --initial-advertise-peer-urls must equal that member's URLs. Parse()
// cannot make them because they apply only when the data directory is empty and
// because etcd compares the URLs after DNS resolution; the server calls this once it
// knows there is no WAL.
//
// Errors carry etcd's text (E1/E2 in reference/server.md §4) plus where each value came
// from and what to change. Pure apart from the resolver; safe from any thread.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/parser.h"

namespace etcd::config {

// Maps a peer URL to the form used for comparison (e.g. with its host resolved to an
// IP address: "http://10.0.0.1:2380"). A null resolver compares the URLs as written.
using UrlResolver = std::function<absl::StatusOr<std::string>(const Url&)>;

// OK when discovery is used instead of --initial-cluster (nothing to check here).
absl::Status CheckBootstrapMembership(const ParseResult& result,
                                      const UrlResolver& resolve = nullptr);

}  // namespace etcd::config
