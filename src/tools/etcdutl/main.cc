// etcdutl: offline tools on snapshot files and data dirs (etcd 3.5's etcdutl):
//   snapshot status <file>, snapshot restore <file> [flags], defrag --data-dir,
//   backup --data-dir --backup-dir, version. Global flag -w/--write-out.
// Errors print "Error: <message>" on stderr with etcd's exit codes (1 error, 4 bad
// feature, 128 bad arguments).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/env.h"
#include "membership/member.h"
#include "snapshot/status.h"
#include "tools/etcdutl/maintenance.h"
#include "tools/etcdutl/printer.h"
#include "tools/etcdutl/restore.h"
#include "tools/etcdutl/usage.h"

namespace etcd::etcdutl {
namespace {

constexpr int kExitError = 1;
constexpr int kExitBadFeature = 4;
constexpr int kExitBadArgs = 128;

[[noreturn]] void Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "Error: %s\n", msg.c_str());
  std::exit(code);
}

// Go-flag style parsing: --name value, --name=value, -w value; bool flags take no value
// unless written --name=true|false. Positional arguments are kept in order.
struct Args {
  std::map<std::string, std::string> values;
  std::vector<std::string> positional;
};

Args Parse(const std::vector<std::string>& in, const std::map<std::string, bool>& known) {
  Args a;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& s = in[i];
    if (s == "--") {
      for (++i; i < in.size(); ++i) a.positional.push_back(in[i]);
      break;
    }
    if (s.size() > 1 && s[0] == '-') {
      std::string name = s.substr(s[1] == '-' ? 2 : 1);
      std::string value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      if (name == "w") name = "write-out";
      auto it = known.find(name);
      if (it == known.end()) {
        Fail(kExitError, std::string("unknown ") +
                             (s[1] == '-' ? "flag: --" : "shorthand flag: '") + name +
                             (s[1] == '-' ? "" : "' in " + s));
      }
      bool is_bool = it->second;
      if (!has_value) {
        if (is_bool) {
          value = "true";
        } else {
          if (i + 1 >= in.size()) Fail(kExitError, "flag needs an argument: --" + name);
          value = in[++i];
        }
      }
      a.values[name] = value;
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

std::string Get(const Args& a, const std::string& k, const std::string& def) {
  auto it = a.values.find(k);
  return it == a.values.end() ? def : it->second;
}

// zap console-style info line on stderr, as etcdutl logs.
void LogInfo(const std::string& msg, const std::string& fields) {
  char ts[64];
  std::time_t t = std::time(nullptr);
  std::strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
  std::fprintf(stderr, "%s\tinfo\tsnapshot/v3_snapshot.go\t%s\t%s\n", ts, msg.c_str(),
               fields.c_str());
}

int SnapshotStatus(const Args& a, const std::string& format) {
  if (a.positional.size() != 1) Fail(kExitBadArgs, "snapshot status requires exactly one argument");
  auto file = snapshot::ReadWholeFile(a.positional[0]);
  if (!file.ok()) {
    Fail(kExitError, absl::StrCat("stat ", a.positional[0], ": no such file or directory"));
  }
  auto st = snapshot::StatusOfFile(*file);
  if (!st.ok()) Fail(kExitError, std::string(st.status().message()));
  auto text = FormatStatus(*st, format, /*with_version=*/true);
  if (!text.ok()) Fail(kExitBadFeature, std::string(text.status().message()));
  std::fputs(text->c_str(), stdout);
  return 0;
}

int SnapshotRestore(const Args& a) {
  if (a.positional.size() != 1)
    Fail(kExitBadArgs, "snapshot restore requires exactly one argument");
  RestoreConfig cfg;
  cfg.snapshot_path = a.positional[0];
  cfg.name = Get(a, "name", "default");
  cfg.data_dir = Get(a, "data-dir", "");
  cfg.wal_dir = Get(a, "wal-dir", "");
  cfg.initial_cluster = Get(a, "initial-cluster", cfg.name + "=http://localhost:2380");
  cfg.initial_cluster_token = Get(a, "initial-cluster-token", "etcd-cluster");
  cfg.initial_advertise_peer_urls = Get(a, "initial-advertise-peer-urls", "http://localhost:2380");
  cfg.skip_hash_check = Get(a, "skip-hash-check", "false") == "true";
  std::string data_dir = cfg.data_dir.empty() ? cfg.name + ".etcd" : cfg.data_dir;
  LogInfo("restoring snapshot",
          absl::StrCat("{\"path\": \"", cfg.snapshot_path, "\", \"wal-dir\": \"",
                       cfg.wal_dir.empty() ? data_dir + "/member/wal" : cfg.wal_dir,
                       "\", \"data-dir\": \"", data_dir, "\", \"snap-dir\": \"", data_dir,
                       "/member/snap\"}"));
  auto res = Restore(cfg, Env::Default());
  if (!res.ok()) Fail(kExitError, std::string(res.status().message()));
  LogInfo("restored last compact revision", absl::StrCat("{\"revision\": ", res->revision, "}"));
  for (const auto& m : res->added_members) {
    LogInfo("added member",
            absl::StrCat("{\"cluster-id\": \"", membership::IdToHex(res->cluster_id),
                         "\", \"member\": \"", m, "\"}"));
  }
  LogInfo("restored snapshot",
          absl::StrCat("{\"path\": \"", cfg.snapshot_path, "\", \"wal-dir\": \"", res->wal_dir,
                       "\", \"data-dir\": \"", res->data_dir, "\", \"snap-dir\": \"", res->snap_dir,
                       "\"}"));
  return 0;
}

void Usage() { std::fputs(UsageText().c_str(), stdout); }  // usage.h: the command table

int Run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::map<std::string, bool> flags = KnownFlags();
  Args a = Parse(args, flags);
  if (a.positional.empty() || a.values.count("help") || a.values.count("h")) {
    Usage();
    return 0;
  }
  const std::string format = Get(a, "write-out", "simple");
  const std::string cmd = a.positional[0];
  a.positional.erase(a.positional.begin());
  if (cmd == "version") {
    std::printf("etcdutl version: %s\nAPI version: 3.5\n", ETCD_VERSION);
    return 0;
  }
  if (cmd == "snapshot") {
    if (a.positional.empty()) {
      Usage();
      return 0;
    }
    std::string sub = a.positional[0];
    a.positional.erase(a.positional.begin());
    if (sub == "status") return SnapshotStatus(a, format);
    if (sub == "restore") return SnapshotRestore(a);
    if (sub == "save") {
      Fail(kExitBadArgs, "In order to download snapshot use: `etcdctl snapshot save ...`");
    }
    Fail(kExitError, "unknown command \"" + sub + "\" for \"etcdutl snapshot\"");
  }
  if (cmd == "defrag") {
    std::string dir = Get(a, "data-dir", "");
    if (dir.empty()) Fail(kExitError, "required flag(s) \"data-dir\" not set");
    absl::Status s = DefragData(Env::Default(), dir);
    if (!s.ok()) {
      Fail(kExitError, absl::StrCat("Failed to defragment etcd data[", dir, "] (",
                                    std::string(s.message()), ")"));
    }
    std::printf("Finished defragmenting etcd data[%s]\n", dir.c_str());
    return 0;
  }
  if (cmd == "backup") {
    std::string dir = Get(a, "data-dir", ""), bdir = Get(a, "backup-dir", "");
    if (dir.empty()) Fail(kExitError, "required flag(s) \"data-dir\" not set");
    if (bdir.empty()) Fail(kExitError, "required flag(s) \"backup-dir\" not set");
    absl::Status s =
        BackupData(Env::Default(), dir, Get(a, "wal-dir", ""), bdir, Get(a, "backup-wal-dir", ""));
    if (!s.ok()) Fail(kExitError, std::string(s.message()));
    return 0;
  }
  std::fprintf(stderr,
               "Error: unknown command \"%s\" for \"etcdutl\"\nRun 'etcdutl --help' for usage.\n",
               cmd.c_str());
  return kExitError;
}

}  // namespace
}  // namespace etcd::etcdutl

int main(int argc, char** argv) { return etcd::etcdutl::Run(argc, argv); }
