#include "tools/etcd/listen_addresses.h"

#include <string>

namespace etcd::tools {

std::vector<api::ListenAddress> ToListenAddresses(const std::vector<config::Url>& urls) {
  std::vector<api::ListenAddress> out;
  for (const auto& u : urls) {
    api::ListenAddress a;
    if (u.scheme == "unix" || u.scheme == "unixs") {
      a.kind = api::ListenAddress::Kind::kUnix;
      a.unix_path = u.host + (u.port != 0 ? ":" + std::to_string(u.port) : "") + u.path;
    } else {
      a.host = u.host == "localhost" ? "127.0.0.1" : u.host;
      a.port = u.port;
    }
    a.tls = u.scheme == "https" || u.scheme == "unixs";
    out.push_back(a);
  }
  return out;
}

}  // namespace etcd::tools
