#include "tools/etcdctl/srv.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace etcd::etcdctl {

namespace {

std::string NameServer() {
  std::ifstream f("/etc/resolv.conf");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream ss(line);
    std::string word, addr;
    if (ss >> word >> addr && word == "nameserver") {
      return addr.find(':') != std::string::npos ? "[" + addr + "]:53" : addr + ":53";
    }
  }
  return "127.0.0.1:53";
}

absl::Status Lookup(const std::string& name, const std::string& scheme,
                    std::vector<std::string>* out) {
  struct __res_state st;
  std::memset(&st, 0, sizeof st);
  if (res_ninit(&st) != 0) {
    return absl::UnavailableError(absl::StrCat("lookup ", name, ": resolver unavailable"));
  }
  unsigned char buf[8192];
  const int n = res_nquery(&st, name.c_str(), ns_c_in, ns_t_srv, buf, sizeof buf);
  res_nclose(&st);
  if (n < 0) {
    return absl::NotFoundError(
        absl::StrCat("lookup ", name, " on ", NameServer(), ": no such host"));
  }
  ns_msg msg;
  if (ns_initparse(buf, n, &msg) != 0) {
    return absl::NotFoundError(absl::StrCat("lookup ", name, ": cannot parse the answer"));
  }
  const int count = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_srv) continue;
    const unsigned char* rd = ns_rr_rdata(rr);
    const int port = (rd[4] << 8) | rd[5];
    char target[NS_MAXDNAME];
    if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6, target, sizeof target) < 0) continue;
    out->push_back(absl::StrCat(scheme, "://", target, ".:", port));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SrvClientEndpoints(const std::string& domain,
                                                            const std::string& service_name) {
  std::string service = "etcd-client";
  if (!service_name.empty()) service += "-" + service_name;
  std::vector<std::string> eps;
  absl::Status https = Lookup("_" + service + "-ssl._tcp." + domain, "https", &eps);
  absl::Status http = Lookup("_" + service + "._tcp." + domain, "http", &eps);
  if (!https.ok() && !http.ok()) {
    return absl::NotFoundError(
        absl::StrCat("dns lookup errors: ", https.message(), " and ", http.message()));
  }
  return eps;
}

}  // namespace etcd::etcdctl
