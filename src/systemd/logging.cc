#include "systemd/logging.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace etcd::systemd {
namespace {

// Go's error text for an errno: strerror in lower case ("no such file or directory").
std::string GoErrno(int err) {
  std::string s = std::strerror(err);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

}  // namespace

bool JournalStreamMatches(const std::string& journal_stream, int fd) {
  std::vector<std::string> parts = absl::StrSplit(journal_stream, ':');
  if (parts.size() != 2) return false;
  uint64_t dev = 0, ino = 0;
  if (!absl::SimpleAtoi(parts[0], &dev) || !absl::SimpleAtoi(parts[1], &ino)) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<uint64_t>(st.st_dev) == dev && static_cast<uint64_t>(st.st_ino) == ino;
}

absl::StatusOr<Logging> SetUpLogging(const LoggingOptions& options) {
  Logging out;
  log::Level level = log::Level::kInfo;
  if (!log::ParseLevel(options.level, &level)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown level \"", options.level, "\""));
  }
  if (options.logger != "zap" && options.logger != "capnslog") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown logger option \"", options.logger, "\""));
  }

  auto env = [&](const char* name) -> std::string {
    auto it = options.env.find(name);
    return it == options.env.end() ? std::string() : it->second;
  };
  const std::string override_socket = env(kJournalSocketOverride);
  const bool stderr_is_journal = !env("JOURNAL_STREAM").empty() &&
                                 JournalStreamMatches(env("JOURNAL_STREAM"), options.stderr_fd);

  std::vector<std::shared_ptr<log::Sink>> sinks;
  bool want_journal = false;
  bool have_stderr = false, have_stdout = false;
  std::vector<std::string> outputs = options.outputs;
  if (outputs.empty()) outputs.push_back("default");
  for (const std::string& o : outputs) {
    if (o == "default") {
      if (stderr_is_journal) {
        want_journal = true;
      } else {
        have_stderr = true;
      }
    } else if (o == "systemd/journal") {
      want_journal = true;
    } else if (o == "stderr") {
      have_stderr = true;
    } else if (o == "stdout") {
      have_stdout = true;
    } else {
      int fd = ::open(o.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd < 0) {
        return absl::FailedPreconditionError(
            absl::StrCat("open sink \"", o, "\": open ", o, ": ", GoErrno(errno)));
      }
      sinks.push_back(std::make_shared<log::JsonLinesSink>(fd, /*owns_fd=*/true));
    }
  }
  if (want_journal) {
    std::unique_ptr<JournalWriter> writer;
    if (!override_socket.empty()) {
      writer = NewSocketJournalWriter(override_socket);
    } else {
      struct stat st {};
      if (::stat(options.journal_socket.c_str(), &st) != 0) {
        // etcd's text for the same situation.
        return absl::FailedPreconditionError(absl::StrCat("can't find journal (dial unixgram ",
                                                          options.journal_socket,
                                                          ": connect: ", GoErrno(errno), ")"));
      }
      writer = NewSdJournalWriter();
    }
    out.journal = std::make_shared<JournalSink>(std::move(writer));
    sinks.push_back(out.journal);
  }
  if (have_stderr) sinks.push_back(std::make_shared<log::JsonLinesSink>(options.stderr_fd));
  if (have_stdout) sinks.push_back(std::make_shared<log::JsonLinesSink>(options.stdout_fd));

  std::shared_ptr<log::Sink> sink =
      sinks.size() == 1 ? sinks[0] : std::make_shared<log::TeeSink>(std::move(sinks));
  out.logger = std::make_shared<log::Logger>(std::move(sink), level);
  return out;
}

}  // namespace etcd::systemd
