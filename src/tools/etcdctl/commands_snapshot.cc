// snapshot save and status (deprecated, as 3.5) here; snapshot restore (deprecated) runs
// etcdutl.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "snapshot/status.h"
#include "tools/etcdctl/commands.h"
#include "tools/etcdctl/go_format.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

// A zap-style JSON info line on stderr (etcdctl logs its snapshot steps so).
void LogInfo(std::ostream& err, const std::string& msg, const std::string& fields) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  err << absl::StrFormat(
             "{\"level\":\"info\",\"ts\":\"%s.%03dZ\",\"caller\":\"etcdctl/"
             "snapshot\",\"msg\":%s%s}\n",
             buf, ts.tv_nsec / 1000000, GoJsonString(msg), fields)
      << std::flush;
}

std::string HexOf(const unsigned char* d, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) absl::StrAppendFormat(&s, "%02x", d[i]);
  return s;
}

void SnapshotSave(Context& ctx) {
  if (ctx.args().size() != 1) ExitWithError(kExitBadArgs, "snapshot save expects one argument");
  const ClientConfig cfg = ctx.Config();
  if (cfg.endpoints.size() != 1) {
    ExitWithError(kExitInterrupted,
                  "snapshot must be requested to one selected node, not multiple " +
                      GoStringSlice(cfg.endpoints));
  }
  const std::string path = ctx.args()[0];
  const std::string part = path + ".part";
  const int fd = open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    ExitWithError(kExitInterrupted, absl::StrCat("could not open ", part, " (open ", part, ": ",
                                                 std::strerror(errno), ")"));
  }
  LogInfo(ctx.err(), "created temporary db file", ",\"path\":" + GoJsonString(part));
  auto cli = ctx.MustClient(cfg);
  LogInfo(ctx.err(), "fetching snapshot", ",\"endpoint\":" + GoJsonString(cfg.endpoints[0]));
  const auto start = std::chrono::steady_clock::now();
  const bool tty = isatty(STDERR_FILENO) == 1;
  uint64_t received = 0;
  uint64_t total = 0;
  bool write_failed = false;
  std::string tail;  // the last 32 bytes seen: etcd's trailing SHA-256
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  std::string pending;  // bytes not yet hashed (the possible trailer)
  // Only a command timeout given on the command line bounds a snapshot (as etcdctl).
  const auto timeout =
      ctx.flags().Changed("command-timeout") ? ctx.CommandTimeout() : std::chrono::milliseconds(0);
  absl::Status st = cli->Snapshot(
      0,
      [&](const SnapshotResponse& r) {
        const std::string& blob = r.blob();
        if (::write(fd, blob.data(), blob.size()) != static_cast<ssize_t>(blob.size())) {
          write_failed = true;
          return false;
        }
        received += blob.size();
        if (total == 0) total = received + r.remaining_bytes();
        pending += blob;
        if (pending.size() > 32) {
          const size_t n = pending.size() - 32;
          EVP_DigestUpdate(md, pending.data(), n);
          pending.erase(0, n);
        }
        if (tty) {
          ctx.err() << "\r" << HumanizeBytes(received) << " / " << HumanizeBytes(total)
                    << " received" << std::flush;
        }
        return true;
      },
      timeout);
  if (tty) ctx.err() << "\n";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  EVP_DigestFinal_ex(md, digest, &dlen);
  EVP_MD_CTX_free(md);
  auto fail = [&](const std::string& msg) {
    ::close(fd);
    ::unlink(part.c_str());
    ExitWithError(kExitInterrupted, msg);
  };
  if (write_failed) fail(absl::StrCat("write ", part, ": ", std::strerror(errno)));
  if (!st.ok()) fail(ClientErrorText(st));
  // etcd appends the SHA-256 of the database; a stream cut short fails this check.
  if (received >= 32 && received % 512 == 32 &&
      HexOf(digest, dlen) != HexOf(reinterpret_cast<const unsigned char*>(pending.data()), 32)) {
    fail("snapshot sha256 mismatch: expected " +
         HexOf(reinterpret_cast<const unsigned char*>(pending.data()), 32) + ", got " +
         HexOf(digest, dlen));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(part.c_str());
    ExitWithError(kExitInterrupted, absl::StrCat("sync ", part, ": ", std::strerror(errno)));
  }
  const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - start);
  LogInfo(ctx.err(), "fetched snapshot",
          ",\"endpoint\":" + GoJsonString(cfg.endpoints[0]) +
              ",\"size\":" + GoJsonString(HumanizeBytes(received)) +
              ",\"took\":" + GoJsonString(FormatGoDuration(took.count())));
  if (std::rename(part.c_str(), path.c_str()) != 0) {
    ExitWithError(kExitInterrupted, absl::StrCat("could not rename ", part, " to ", path, " (",
                                                 std::strerror(errno), ")"));
  }
  LogInfo(ctx.err(), "saved", ",\"path\":" + GoJsonString(path));
  ctx.out() << "Snapshot saved at " << path << "\n";
}

// Deprecated aliases: the offline snapshot code is etcdutl's.
void SnapshotViaEtcdutl(Context& ctx, const std::string& sub) {
  std::vector<std::string> args = {"snapshot", sub};
  args.insert(args.end(), ctx.args().begin(), ctx.args().end());
  for (const Flag& f : ctx.flags().flags()) {
    if (!f.changed) continue;
    const bool local = ctx.cmd()->flags.Lookup(f.name) != nullptr;
    if (local || f.name == "write-out") args.push_back("--" + f.name + "=" + f.ValueString());
  }
  const int rc = RunEtcdutl(args);
  if (rc != 0) ExitSilently(rc);
}

}  // namespace

std::unique_ptr<Command> NewSnapshotCommand() {
  auto c = MakeCommand("snapshot <subcommand>", "Manages etcd node snapshots");
  c->Add(MakeCommand("save <filename>", "Stores an etcd node backend snapshot to a given file",
                     SnapshotSave));
  auto restore =
      MakeCommand("restore <filename> [options]",
                  "Restores an etcd member snapshot to an etcd directory (deprecated: etcdutl)",
                  [](Context& ctx) {
                    if (ctx.args().size() != 1) {
                      ExitWithError(kExitBadArgs, "snapshot restore requires exactly one argument");
                    }
                    SnapshotViaEtcdutl(ctx, "restore");
                  });
  restore->flags.String("data-dir", 0, "", "Path to the data directory");
  restore->flags.String("wal-dir", 0, "", "Path to the WAL directory (--data-dir if none given)");
  restore->flags.String("initial-cluster", 0, "default=http://localhost:2380",
                        "Initial cluster configuration for restore bootstrap");
  restore->flags.String("initial-cluster-token", 0, "etcd-cluster",
                        "Initial cluster token for the etcd cluster during restore bootstrap");
  restore->flags.String("initial-advertise-peer-urls", 0, "http://localhost:2380",
                        "List of this member's peer URLs to advertise to the rest of the cluster");
  restore->flags.String("name", 0, "default", "Human-readable name for this member");
  restore->flags.Bool(
      "skip-hash-check", 0, false,
      "Ignore snapshot integrity hash value (required if copied from data directory)");
  c->Add(std::move(restore));
  auto status = MakeCommand(
      "status <filename>", "Gets backend snapshot status of a given file (deprecated: etcdutl)",
      [](Context& ctx) {
        if (ctx.args().size() != 1) {
          ExitWithError(kExitBadArgs, "snapshot status requires exactly one argument");
        }
        Printer& display = ctx.Display();  // an unknown -w fails first, as etcdctl
        // The file format is the snapshot module's (shared with etcdutl); the output is
        // etcdctl 3.4's (no storage version column, which etcdutl 3.5 adds).
        struct stat sb;
        if (::stat(ctx.args()[0].c_str(), &sb) != 0) {
          std::string why = std::strerror(errno);
          if (!why.empty())
            why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
          ExitWithError(kExitError, "stat " + ctx.args()[0] + ": " + why);
        }
        auto file = snapshot::ReadWholeFile(ctx.args()[0]);
        if (!file.ok()) ExitWithError(kExitError, std::string(file.status().message()));
        auto st = snapshot::StatusOfFile(*file);
        if (!st.ok()) ExitWithError(kExitError, std::string(st.status().message()));
        display.DBStatus({st->hash, st->revision, st->total_keys, st->total_size});
      });
  status->long_help =
      "Simple output: hash, revision, total keys, total size. Runs etcdutl snapshot status.";
  c->Add(std::move(status));
  return c;
}

}  // namespace etcd::etcdctl
