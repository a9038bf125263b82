// The benchmark subcommands. Each returns the process exit code (0, or 1 after
// printing an error to stderr, as etcd's tool).
#pragma once

#include "tools/benchmark/flags.h"

namespace etcd::benchmark {

int RunPut(const CommandLine& cl);
int RunRange(const CommandLine& cl);
int RunTxnPut(const CommandLine& cl);
int RunWatch(const CommandLine& cl);
int RunWatchLatency(const CommandLine& cl);
int RunLeaseKeepalive(const CommandLine& cl);

}  // namespace etcd::benchmark
