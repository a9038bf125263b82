#include "config/bootstrap_check.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "config/diagnostics.h"
#include "config/url.h"

namespace etcd::config {
namespace {

std::string From(const ParseResult& r, const std::string& flag) {
  auto it = r.sources.find(flag);
  return DescribeSource(flag, it == r.sources.end() ? Source{} : it->second);
}

}  // namespace

absl::Status CheckBootstrapMembership(const ParseResult& result, const UrlResolver& resolve) {
  const ServerConfig& c = result.config;
  if (c.initial_cluster.empty()) {
    if (!c.discovery.empty() || !c.discovery_srv.empty()) return absl::OkStatus();
    return ConfigError(absl::StrCat(
        "initial cluster unset and no discovery URL found (--initial-cluster from ",
        From(result, "initial-cluster"),
        "; set --initial-cluster to name=peer-url for every member, or use discovery)"));
  }
  auto entry = std::find_if(c.initial_cluster.begin(), c.initial_cluster.end(),
                            [&](const auto& p) { return p.first == c.name; });
  if (entry == c.initial_cluster.end()) {
    std::vector<std::string> names;
    for (const auto& [name, _] : c.initial_cluster) names.push_back("\"" + name + "\"");
    return ConfigError(absl::StrFormat(
        "couldn't find local name \"%s\" in the initial cluster configuration (name from "
        "%s; initial-cluster from %s has %s; add %s=<this member's peer URL> to "
        "--initial-cluster or set --name to one of those names)",
        c.name, From(result, "name"), From(result, "initial-cluster"), absl::StrJoin(names, ", "),
        c.name));
  }
  if (c.initial_cluster_state != ClusterState::kNew) return absl::OkStatus();

  const std::vector<Url>& cluster_urls = entry->second;
  const std::vector<Url>& advertised = c.initial_advertise_peer_urls;
  auto canonical = [&](const std::vector<Url>& urls,
                       std::string* error) -> std::vector<std::string> {
    std::vector<std::string> out;
    for (const Url& u : urls) {
      if (!resolve) {
        out.push_back(u.ToString());
        continue;
      }
      absl::StatusOr<std::string> r = resolve(u);
      if (!r.ok()) {
        *error = std::string(r.status().message());
        out.push_back(u.ToString());
      } else {
        out.push_back(*r);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  std::string resolve_error;
  std::vector<std::string> ap = canonical(advertised, &resolve_error);
  std::vector<std::string> cl = canonical(cluster_urls, &resolve_error);
  if (ap == cl) return absl::OkStatus();

  const std::string context = absl::StrFormat(
      "name from %s, initial-cluster from %s, initial-advertise-peer-urls from %s; this "
      "member's entry in --initial-cluster must list exactly its advertised peer URLs",
      From(result, "name"), From(result, "initial-cluster"),
      From(result, "initial-advertise-peer-urls"));
  std::set<std::string> ap_text, cl_text;
  for (const Url& u : advertised) ap_text.insert(u.ToString());
  for (const Url& u : cluster_urls) cl_text.insert(u.ToString());
  std::vector<std::string> missing;
  for (const std::string& u : cl_text) {
    if (!ap_text.count(u)) missing.push_back(c.name + "=" + u);
  }
  if (!missing.empty()) {
    std::string why = resolve_error.empty()
                          ? absl::StrFormat("resolved urls: \"%s\" != \"%s\"",
                                            absl::StrJoin(ap, ","), absl::StrJoin(cl, ","))
                          : resolve_error;
    return ConfigError(absl::StrFormat(
        "--initial-cluster has %s but missing from --initial-advertise-peer-urls=%s (%s) (%s)",
        absl::StrJoin(missing, ","), JoinUrls(advertised), why, context));
  }
  for (const std::string& u : ap_text) {
    if (!cl_text.count(u)) missing.push_back(u);
  }
  if (!missing.empty()) {
    return ConfigError(absl::StrFormat(
        "--initial-advertise-peer-urls has %s but missing from --initial-cluster=%s (%s)",
        absl::StrJoin(missing, ","), FormatInitialCluster({*entry}), context));
  }
  // Same text, different resolution.
  return ConfigError(absl::StrFormat("failed to resolve %s to match --initial-cluster=%s (%s) (%s)",
                                     JoinUrls(advertised), FormatInitialCluster({*entry}),
                                     resolve_error.empty() ? "resolved URLs differ" : resolve_error,
                                     context));
}

}  // namespace etcd::config
