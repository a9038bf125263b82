// etcdctl: the command-line client (v3 API), compatible with etcdctl 3.4/3.5.
#include <iostream>
#include <string>
#include <vector>

#include "tools/etcdctl/command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return etcd::etcdctl::Main(args, std::cout, std::cerr, std::cin);
}
