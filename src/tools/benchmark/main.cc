// benchmark: etcd's benchmark tool (put, range, txn-put, watch, watch-latency,
// lease-keepalive) against any etcd v3 endpoint, ours or Go's.
#include <iostream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tools/benchmark/commands.h"
#include "tools/benchmark/flags.h"

int main(int argc, char** argv) {
  using namespace etcd::benchmark;  // NOLINT
  // No lock-order graph bookkeeping on every absl::Mutex operation (gRPC's included):
  // a debugging aid that cost ~5% of the load generator's CPU.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cl = ParseCommandLine(args);
  if (!cl.ok()) {
    std::cerr << "Error: " << cl.status().message() << "\n";
    std::cerr << "Run 'benchmark --help' for usage." << std::endl;
    return 1;
  }
  if (cl->help) {
    std::cout << Usage(cl->command);
    return 0;
  }
  const std::string& c = cl->command;
  if (c == "put") return RunPut(*cl);
  if (c == "range") return RunRange(*cl);
  if (c == "txn-put") return RunTxnPut(*cl);
  if (c == "watch") return RunWatch(*cl);
  if (c == "watch-latency") return RunWatchLatency(*cl);
  if (c == "lease-keepalive") return RunLeaseKeepalive(*cl);
  std::cerr << "Error: unknown command \"" << c << "\" for \"benchmark\"" << std::endl;
  return 1;
}
