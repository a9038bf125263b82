// What every benchmark command shares: the gRPC connections made from the global
// flags (--endpoints, --conns, TLS, --user, --dial-timeout, --target-leader), the
// mapping of logical clients onto connections (client i uses connection i % conns,
// as etcd's mustCreateClients), and printing a summary as text or JSON.
//
// Thread safety: Session is immutable after Open(); its Clients are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.h"
#include "common/status.h"
#include "tools/benchmark/cq_driver.h"
#include "tools/benchmark/flags.h"
#include "tools/benchmark/report.h"

namespace etcd::benchmark {

class Session {
 public:
  // Opens `conns` connections (<= 0: --conns).
  static absl::StatusOr<std::unique_ptr<Session>> Open(const GlobalOptions& global,
                                                       int64_t conns = 0);
  // One more connection (e.g. watch-latency's separate put client).
  absl::StatusOr<std::unique_ptr<client::Client>> NewConn() const;

  client::Client* ForClient(size_t i) const { return conns_[i % conns_.size()].get(); }
  size_t conn_count() const { return conns_.size(); }
  // The connections for CqClosedLoop (cq_driver.h), in ForClient order; without TLS
  // they name the plaintext targets (the engine then dials its own connections, and
  // these clients' channels stay idle unless used elsewhere).
  std::vector<CqConn> CqConns() const;
  const GlobalOptions& global() const { return global_; }

  // Prints "<title><report text>" (with a trailing newline if `newline`) or, with
  // --json, {"command": <command>, ...stats..., <extra>}.
  void Print(std::string_view command, std::string_view title, const Stats& stats, bool newline,
             const nlohmann::ordered_json& extra = {}) const;

 private:
  explicit Session(GlobalOptions global) : global_(std::move(global)) {}
  absl::Status ResolveLeader();

  GlobalOptions global_;
  client::ClientOptions options_;
  std::vector<std::unique_ptr<client::Client>> conns_;
};

// The error text etcd's benchmark groups errors by (clientv3's).
std::string BenchErrorText(const absl::Status& status);

}  // namespace etcd::benchmark
