// Build-time generator of etcdctl(1) and etcdutl(1): writes the page of the tool named
// by argv[1] (from the same command tables as its --help: etcdctl::NewRootCommand(),
// etcdutl::Commands()) to the file named by argv[2]. docs/meson.build runs it; the pages
// are installed under share/man/man1.
#include <cstdio>
#include <string>

#include "tools/etcdctl/command.h"
#include "tools/etcdctl/manpage.h"
#include "tools/etcdutl/usage.h"

int main(int argc, char** argv) {
  const std::string tool = argc == 3 ? argv[1] : "";
  std::string page;
  if (tool == "etcdctl") {
    page = etcd::etcdctl::ManPage(*etcd::etcdctl::NewRootCommand(), ETCD_VERSION);
  } else if (tool == "etcdutl") {
    page = etcd::etcdutl::ManPage(ETCD_VERSION);
  } else {
    std::fprintf(stderr, "usage: %s etcdctl|etcdutl OUTPUT\n", argv[0]);
    return 2;
  }
  std::FILE* f = std::fopen(argv[2], "w");
  if (f == nullptr || std::fwrite(page.data(), 1, page.size(), f) != page.size() ||
      std::fclose(f) != 0) {
    std::perror(argv[2]);
    return 1;
  }
  return 0;
}
