#include "tools/etcd/check_config.h"

#include "absl/strings/str_cat.h"
#include "wal/wal.h"

namespace etcd::tools {

std::string DescribeDataDir(const config::ParseResult& parsed, Env* fs) {
  const config::ServerConfig& cfg = parsed.config;
  if (wal::Wal::Exists(fs, cfg.WalDir())) {
    return absl::StrCat(
        "\ndata-dir ", cfg.data_dir, " already holds a member (WAL in ", cfg.WalDir(),
        "):\n  it restarts as that member; initial-cluster, initial-cluster-state,\n"
        "  initial-cluster-token and the discovery settings are ignored. To bootstrap with\n"
        "  them instead, stop etcd and remove (or move) ",
        cfg.data_dir, ".\n");
  }
  return absl::StrCat("\ndata-dir ", cfg.data_dir,
                      " holds no member yet: a start bootstraps one from the settings above\n"
                      "  (initial-cluster-state ",
                      cfg.initial_cluster_state == config::ClusterState::kNew ? "new" : "existing",
                      ").\n");
}

void PrintCheckConfig(const config::ParseResult& parsed, Env* fs, std::FILE* out, std::FILE* err) {
  for (const std::string& w : parsed.warnings) std::fprintf(err, "warning: %s\n", w.c_str());
  std::string report = config::DescribeConfig(parsed) + DescribeDataDir(parsed, fs);
  std::fputs(report.c_str(), out);
}

}  // namespace etcd::tools
