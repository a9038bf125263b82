// DescribeConfig(): the --check-config report.
#include <string>

#include "absl/strings/str_cat.h"
#include "config/flags.h"
#include "config/parser.h"

namespace etcd::config {

std::string DescribeConfig(const ParseResult& result) {
  std::string out;
  for (const FlagSpec& f : AllFlags()) {
    auto it = result.sources.find(f.name);
    if (f.legacy || it == result.sources.end()) continue;
    absl::StrAppend(&out, f.name, " (", DescribeSource(f.name, it->second), ")\n");
  }
  return out;
}

}  // namespace etcd::config
