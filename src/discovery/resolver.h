// DNS lookups for bootstrap: SRV records and a host's addresses. The system resolver
// uses res_nquery (so /etc/resolv.conf decides the DNS server, e.g. a dnsmasq) and
// getaddrinfo for A/AAAA; tests inject a fake.
//
// Thread safety: NewSystemResolver()'s resolver keeps its own resolver state and may be
// used from one thread at a time; the fake in tests is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace etcd::discovery {

struct SrvRecord {
  std::string target;  // as in the record, usually with a trailing dot
  uint16_t port = 0;
  uint16_t priority = 0;
  uint16_t weight = 0;
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // The SRV records of `name` (e.g. "_etcd-server._tcp.example.com"), ordered by priority
  // then weight (highest first). NotFound when the name does not exist or has no SRV
  // records; Unavailable when no DNS server answered.
  virtual absl::StatusOr<std::vector<SrvRecord>> LookupSrv(const std::string& name) = 0;
  // The IPv4 and IPv6 addresses of `host` in text form; an IP literal is returned as is.
  virtual absl::StatusOr<std::vector<std::string>> LookupHost(const std::string& host) = 0;
};

std::unique_ptr<Resolver> NewSystemResolver();

}  // namespace etcd::discovery
