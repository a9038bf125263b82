#include "discovery/srv.h"

#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace etcd::discovery {
namespace {

std::string HostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

std::string ServiceName(const std::string& base, const std::string& suffix,
                        const std::string& domain) {
  std::string s = base;
  if (!suffix.empty()) absl::StrAppend(&s, "-", suffix);
  return absl::StrCat("_", s, "._tcp.", domain);
}

struct Service {
  std::string scheme;
  std::string name;
};

}  // namespace

absl::StatusOr<SrvCluster> ClusterFromSrv(Resolver& resolver, const SrvQuery& query) {
  SrvCluster out;
  // This member's advertised peer addresses: "ip:port" -> the URL it came from.
  std::map<std::string, const config::Url*> self;
  for (const auto& u : query.advertise_peer_urls) {
    auto addrs = resolver.LookupHost(u.host);
    if (!addrs.ok()) {
      out.lookups.push_back(absl::StrCat("--initial-advertise-peer-urls ", u.ToString(), ": ",
                                         addrs.status().message()));
      continue;
    }
    for (const auto& a : *addrs) self[HostPort(a, u.port)] = &u;
    out.lookups.push_back(absl::StrCat("--initial-advertise-peer-urls ", u.ToString(), " -> ",
                                       absl::StrJoin(*addrs, ", ")));
  }

  const Service services[] = {
      {"https", ServiceName("etcd-server-ssl", query.service_name, query.domain)},
      {"http", ServiceName("etcd-server", query.service_name, query.domain)},
  };
  std::vector<std::string> parts;
  bool any_records = false;
  std::string scheme_error;
  int temp_name = 0;
  for (const auto& svc : services) {
    auto records = resolver.LookupSrv(svc.name);
    if (!records.ok()) {
      out.lookups.push_back(absl::StrCat(svc.name, ": ", records.status().message()));
      continue;
    }
    any_records = true;
    out.lookups.push_back(absl::StrCat(svc.name, ": ", records->size(), " record(s)"));
    for (const auto& r : *records) {
      SrvMatch m;
      m.service = svc.name;
      std::string host(absl::StripSuffix(r.target, "."));
      m.url = absl::StrCat(svc.scheme, "://", HostPort(host, r.port));
      auto addrs = resolver.LookupHost(host);
      if (!addrs.ok()) {
        m.verdict =
            absl::StrCat("skipped: target does not resolve (", addrs.status().message(), ")");
        out.table.push_back(std::move(m));
        continue;
      }
      m.addresses = *addrs;
      const config::Url* mine = nullptr;
      std::string matched;
      for (const auto& a : *addrs) {
        auto it = self.find(HostPort(a, r.port));
        if (it != self.end()) {
          mine = it->second;
          matched = HostPort(a, r.port);
          break;
        }
      }
      if (mine != nullptr && mine->scheme != svc.scheme) {
        m.verdict = absl::StrCat("scheme mismatch: ", matched, " is this member's address but ",
                                 "--initial-advertise-peer-urls has ", mine->ToString(),
                                 " and the record is ", svc.scheme);
        if (scheme_error.empty()) {
          scheme_error = absl::StrCat("bootstrap at ", m.url, " from DNS for ", svc.name,
                                      " has scheme mismatch with expected peer ", mine->ToString());
        }
        out.table.push_back(std::move(m));
        continue;
      }
      if (mine != nullptr) {
        m.member = query.name;
        m.verdict = absl::StrCat("this member: ", matched, " is --initial-advertise-peer-urls ",
                                 mine->ToString());
        out.found_self = true;
      } else {
        m.member = absl::StrCat(temp_name++);
        m.verdict = absl::StrCat("another member: ", HostPort(absl::StrJoin(*addrs, "|"), r.port),
                                 " is not one of this member's advertised peer addresses");
      }
      parts.push_back(absl::StrCat(m.member, "=", m.url));
      out.table.push_back(std::move(m));
    }
  }
  out.initial_cluster = absl::StrJoin(parts, ",");
  auto with_table = [&](std::string head) {
    for (const auto& l : FormatSrvTable(out)) absl::StrAppend(&head, "\n  ", l);
    return head;
  };
  if (!any_records) {
    return absl::NotFoundError(with_table(absl::StrCat(
        "no SRV records for ", services[0].name, " or ", services[1].name,
        ": publish _etcd-server(-ssl)._tcp records for every member (see docs/discovery.md)")));
  }
  if (!scheme_error.empty()) return absl::FailedPreconditionError(with_table(scheme_error));
  if (!out.found_self) {
    return absl::FailedPreconditionError(with_table(absl::StrCat(
        "cannot find local etcd member \"", query.name, "\" in the SRV records of ", query.domain,
        ": no record resolves to an address and port of --initial-advertise-peer-urls; "
        "advertise the SRV target's host name and port")));
  }
  return out;
}

std::vector<std::string> FormatSrvTable(const SrvCluster& cluster) {
  std::vector<std::string> lines;
  for (const auto& l : cluster.lookups) lines.push_back(absl::StrCat("lookup ", l));
  for (const auto& m : cluster.table) {
    lines.push_back(
        absl::StrCat(m.service, " -> ", m.url, " -> [", absl::StrJoin(m.addresses, ", "), "] -> ",
                     m.member.empty() ? "" : absl::StrCat("name ", m.member, ": "), m.verdict));
  }
  return lines;
}

absl::StatusOr<std::vector<std::string>> ClientUrlsFromSrv(Resolver& resolver,
                                                           const std::string& domain,
                                                           const std::string& service_name) {
  const Service services[] = {
      {"https", ServiceName("etcd-client-ssl", service_name, domain)},
      {"http", ServiceName("etcd-client", service_name, domain)},
  };
  std::vector<std::string> urls;
  std::set<std::string> seen;
  std::vector<std::string> errors;
  for (const auto& svc : services) {
    auto records = resolver.LookupSrv(svc.name);
    if (!records.ok()) {
      errors.push_back(absl::StrCat(svc.name, ": ", records.status().message()));
      continue;
    }
    for (const auto& r : *records) {
      std::string host(absl::StripSuffix(r.target, "."));
      std::string url = absl::StrCat(svc.scheme, "://", HostPort(host, r.port));
      if (seen.insert(url).second) urls.push_back(url);
    }
  }
  if (urls.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no client SRV records for ", domain, " (", absl::StrJoin(errors, "; "), ")"));
  }
  return urls;
}

}  // namespace etcd::discovery
