// Parsing of the URL values etcd accepts in its URL flags (--listen-client-urls,
// --initial-advertise-peer-urls, --initial-cluster entries, ...), with etcd 3.4's rules
// (pkg/types.NewURLs): the scheme must be http, https, unix or unixs, the address must
// have the form host:port and there must be no path. Lists are comma-separated,
// sorted by their text and de-duplicated, as etcd's UniqueURLs flag does.
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/server_config.h"

namespace etcd::config {

// Parses one URL. The error message is etcd's, e.g.
// "URL scheme must be http, https, unix, or unixs: foo".
absl::StatusOr<Url> ParseUrl(absl::string_view text);

// Parses a comma-separated list; the result is sorted by text and de-duplicated.
// An empty list is an error ("no valid URLs given"), as in etcd.
absl::StatusOr<std::vector<Url>> ParseUrlList(absl::string_view text);

// "a,b,c" from the URLs' canonical forms.
std::string JoinUrls(const std::vector<Url>& urls);

// Parses --initial-cluster: "name=url,name=url". A name may repeat (members with
// several peer URLs); entries keep the order of first appearance and each member's
// URLs are sorted and de-duplicated. An entry without "=" has an empty URL, which
// fails with etcd's scheme error.
absl::StatusOr<std::vector<std::pair<std::string, std::vector<Url>>>> ParseInitialCluster(
    absl::string_view text);

// "name=url,name=url" (one pair per URL), the inverse of ParseInitialCluster.
std::string FormatInitialCluster(
    const std::vector<std::pair<std::string, std::vector<Url>>>& cluster);

// True if `host` is an IPv4 or IPv6 literal (without brackets).
bool IsIpLiteral(absl::string_view host);

}  // namespace etcd::config
