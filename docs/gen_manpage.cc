// Build-time generator of etcd(1): writes config::ManPage() to the file named by argv[1]
// (docs/meson.build runs it; the page is installed under share/man/man1).
#include <cstdio>
#include <string>

#include "config/manpage.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT\n", argv[0]);
    return 2;
  }
  std::string page = etcd::config::ManPage(ETCD_VERSION);
  std::FILE* f = std::fopen(argv[1], "w");
  if (f == nullptr || std::fwrite(page.data(), 1, page.size(), f) != page.size() ||
      std::fclose(f) != 0) {
    std::perror(argv[1]);
    return 1;
  }
  return 0;
}
