// Builds the daemon's logger from etcd's logging settings (--logger, --log-outputs,
// --log-level): JSON lines (zap's shape) on stderr, stdout or files, or structured
// entries in the systemd journal (JournalSink). docs/systemd.md "Logging".
//
//  * "default": the journal when stderr is connected to it (JOURNAL_STREAM names the
//    device and inode of our stderr, as systemd sets it for StandardError=journal),
//    otherwise stderr;
//  * "systemd/journal": the journal (stderr, with a warning, when there is none);
//  * "stderr", "stdout": JSON lines there;
//  * anything else: a file path, opened for appending (etcd's message on failure:
//    `open sink "/x/y.log": open /x/y.log: no such file or directory`).
//  * --logger=capnslog is accepted with etcd's deprecation warning; entries keep the
//    zap JSON shape (capnslog's text format is not reproduced).
//
// Pure apart from opening files and sockets; safe from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/log.h"
#include "systemd/journal_sink.h"

namespace etcd::systemd {

// Environment variable that points the journal sink at another socket (tests).
inline constexpr char kJournalSocketOverride[] = "ETCDCPP_JOURNAL_SOCKET";

struct LoggingOptions {
  std::string logger = "capnslog";  // "zap" or "capnslog"
  std::vector<std::string> outputs{"default"};
  std::string level = "info";
  // The process environment (JOURNAL_STREAM, ETCDCPP_JOURNAL_SOCKET are looked at).
  std::map<std::string, std::string> env;
  int stderr_fd = 2;
  int stdout_fd = 1;
  // Where journald listens (checked for existence when the journal is asked for).
  std::string journal_socket = kJournalSocket;
};

struct Logging {
  std::shared_ptr<log::Logger> logger;
  // Set when entries go to the journal: main calls SetIdentity() once the member's IDs
  // are known.
  std::shared_ptr<JournalSink> journal;
  // To be logged once the logger is installed (capnslog deprecation, journal fallback).
  std::vector<std::string> warnings;
};

absl::StatusOr<Logging> SetUpLogging(const LoggingOptions& options);

// True when JOURNAL_STREAM ("<device>:<inode>") names the file `fd` is open on.
bool JournalStreamMatches(const std::string& journal_stream, int fd);

}  // namespace etcd::systemd
