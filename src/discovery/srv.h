// DNS SRV bootstrap (--discovery-srv): the initial cluster from the records
// _etcd-server-ssl[-<srv-name>]._tcp.<domain> (https) and _etcd-server[-<srv-name>]._tcp.<domain>
// (http), the local member recognised by resolved IP:port and scheme against
// --initial-advertise-peer-urls; and the client endpoints from _etcd-client-ssl / _etcd-client
// (etcdctl --discovery-srv). Unlike etcd 3.4 (etcd-io/etcd#11321), a missing -ssl record is
// not an error: either service may be absent, not both.
//
// Pure functions over an injected Resolver; safe from any thread that owns the resolver.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/server_config.h"
#include "discovery/resolver.h"

namespace etcd::discovery {

// One row of the match table: a record, what it resolved to and why it was or was not
// taken as this member.
struct SrvMatch {
  std::string service;                 // "_etcd-server._tcp.example.com"
  std::string url;                     // "http://infra0.example.com:2380" (target, no dot)
  std::vector<std::string> addresses;  // the target's addresses ("10.0.0.11")
  std::string member;                  // the name given in the initial cluster
  std::string verdict;                 // why: "this member: ...", "another member", ...
};

struct SrvCluster {
  std::string initial_cluster;  // "infra0=http://infra0.example.com:2380,0=..."
  bool found_self = false;
  std::vector<std::string> lookups;  // "_etcd-server-ssl._tcp.example.com: no such host"
  std::vector<SrvMatch> table;
};

struct SrvQuery {
  std::string name;                              // --name
  std::string domain;                            // --discovery-srv
  std::string service_name;                      // --discovery-srv-name ("" = none)
  std::vector<config::Url> advertise_peer_urls;  // --initial-advertise-peer-urls
};

// Looks the records up and builds the initial cluster. Errors: NotFound when neither
// service has records; FailedPrecondition when no record is this member, or a record
// matches this member's address with the other scheme; both messages carry the table.
absl::StatusOr<SrvCluster> ClusterFromSrv(Resolver& resolver, const SrvQuery& query);

// The lookups and the match table as printable lines (for logs and --check-config).
std::vector<std::string> FormatSrvTable(const SrvCluster& cluster);

// Client URLs from _etcd-client-ssl[-<name>]._tcp.<domain> (https) and
// _etcd-client[-<name>]._tcp.<domain> (http). NotFound when neither has records.
absl::StatusOr<std::vector<std::string>> ClientUrlsFromSrv(Resolver& resolver,
                                                           const std::string& domain,
                                                           const std::string& service_name);

}  // namespace etcd::discovery
