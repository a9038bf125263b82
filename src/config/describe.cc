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
    if (f.legacy || !f.get || it == result.sources.end()) continue;
    if (f.name == "log-output" || f.name == "config-file") continue;  // shown elsewhere
    absl::StrAppend(&out, f.name, " = ", f.get(result.config), "  (",
                    DescribeSource(f.name, it->second), ")\n");
  }
  if (!result.config.config_file.empty()) {
    absl::StrAppend(&out, "config-file = ", result.config.config_file, "  (",
                    DescribeSource("config-file", result.sources.at("config-file")), ")\n");
  }
  return out;
}

}  // namespace etcd::config
