#include "discovery/resolver.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace etcd::discovery {
namespace {

class SystemResolver final : public Resolver {
 public:
  SystemResolver() { memset(&state_, 0, sizeof(state_)); }
  ~SystemResolver() override {
    if (initialized_) res_nclose(&state_);
  }

  absl::StatusOr<std::vector<SrvRecord>> LookupSrv(const std::string& name) override {
    if (!initialized_) {
      if (res_ninit(&state_) != 0) {
        return absl::UnavailableError("cannot initialize the DNS resolver (res_ninit)");
      }
      initialized_ = true;
    }
    unsigned char answer[NS_MAXMSG];
    int len = res_nquery(&state_, name.c_str(), ns_c_in, ns_t_srv, answer, sizeof(answer));
    if (len < 0) {
      switch (state_.res_h_errno) {
        case HOST_NOT_FOUND:
        case NO_DATA:
          return absl::NotFoundError(absl::StrCat("lookup ", name, ": no such host"));
        case TRY_AGAIN:
          return absl::UnavailableError(
              absl::StrCat("lookup ", name, ": no DNS server answered (try again)"));
        default:
          return absl::UnavailableError(absl::StrCat("lookup ", name, ": DNS query failed"));
      }
    }
    ns_msg msg;
    if (ns_initparse(answer, len, &msg) != 0) {
      return absl::DataLossError(absl::StrCat("lookup ", name, ": malformed DNS answer"));
    }
    std::vector<SrvRecord> out;
    int count = ns_msg_count(msg, ns_s_an);
    for (int i = 0; i < count; ++i) {
      ns_rr rr;
      if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) continue;
      if (ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7) continue;
      const unsigned char* rd = ns_rr_rdata(rr);
      SrvRecord r;
      r.priority = ns_get16(rd);
      r.weight = ns_get16(rd + 2);
      r.port = ns_get16(rd + 4);
      char target[NS_MAXDNAME];
      if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd + 6, target, sizeof(target)) <
          0) {
        continue;
      }
      r.target = absl::StrCat(target, ".");
      out.push_back(std::move(r));
    }
    if (out.empty()) return absl::NotFoundError(absl::StrCat("lookup ", name, ": no SRV records"));
    std::stable_sort(out.begin(), out.end(), [](const SrvRecord& a, const SrvRecord& b) {
      if (a.priority != b.priority) return a.priority < b.priority;
      return a.weight > b.weight;
    });
    return out;
  }

  absl::StatusOr<std::vector<std::string>> LookupHost(const std::string& host) override {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
    if (rc != 0) {
      return absl::NotFoundError(absl::StrCat("lookup ", host, ": ", gai_strerror(rc)));
    }
    std::vector<std::string> out;
    for (addrinfo* p = res; p != nullptr; p = p->ai_next) {
      char buf[INET6_ADDRSTRLEN] = {0};
      if (p->ai_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr, buf, sizeof(buf));
      } else if (p->ai_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr, buf,
                  sizeof(buf));
      } else {
        continue;
      }
      if (std::find(out.begin(), out.end(), buf) == out.end()) out.emplace_back(buf);
    }
    freeaddrinfo(res);
    if (out.empty()) return absl::NotFoundError(absl::StrCat("lookup ", host, ": no addresses"));
    return out;
  }

 private:
  struct __res_state state_;
  bool initialized_ = false;
};

}  // namespace

std::unique_ptr<Resolver> NewSystemResolver() { return std::make_unique<SystemResolver>(); }

}  // namespace etcd::discovery
