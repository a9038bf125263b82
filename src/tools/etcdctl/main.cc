// etcdctl: the command-line client (v3 API), compatible with etcdctl 3.4/3.5.
#include <grpc/support/log.h>

#include <iostream>
#include <string>
#include <vector>

#include "tools/etcdctl/command.h"

namespace {
void DiscardGrpcLog(gpr_log_func_args*) {}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  // gRPC's own log lines (TLS handshake failures, ...) only with --debug, as etcdctl.
  bool debug = false;
  for (const auto& a : args) debug = debug || a == "--debug" || a == "--debug=true";
  if (!debug) gpr_set_log_function(DiscardGrpcLog);
  return etcd::etcdctl::Main(args, std::cout, std::cerr, std::cin);
}
