// A log::Sink that sends every entry to journald as a structured entry (the native
// journal protocol), so that `journalctl -u etcd -o json` shows the fields and
// `journalctl ETCD_MEMBER_ID=8e9e05c52164694d` selects one member.
//
// Fields of each entry (docs/systemd.md "journald fields"):
//   MESSAGE            the message, then the entry's key/values as key=value
//   PRIORITY           syslog priority: debug 7, info 6, warn 4, error 3, fatal 2
//   SYSLOG_IDENTIFIER  "etcd"
//   ETCD_NAME, ETCD_MEMBER_ID, ETCD_CLUSTER_ID   once known (SetIdentity)
//   CODE_FILE, CODE_LINE                         where the entry was logged
//   one field per key/value of the entry: the key upper-cased, every character other
//   than A-Z, 0-9 and '_' turned into '_' ("local-member-id" -> LOCAL_MEMBER_ID); a key
//   that would clash with the fields above or is not a valid journal field name gets an
//   "ETCD_F_" prefix.
//
// Where entries go is a JournalWriter: libsystemd's sd_journal_sendv (the default;
// always /run/systemd/journal/socket) or our own implementation of the native protocol
// over a unix datagram socket at any path (tests; the ETCDCPP_JOURNAL_SOCKET override).
//
// Thread safety: JournalSink::Write and SetIdentity may be called from any thread;
// writers are called with no lock held (sd_journal_sendv and sendmsg are thread-safe).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"

namespace etcd::systemd {

// The socket journald listens on for native-protocol datagrams.
inline constexpr char kJournalSocket[] = "/run/systemd/journal/socket";

class JournalWriter {
 public:
  virtual ~JournalWriter() = default;
  // `fields` are "KEY=value" strings; values may hold any bytes, including newlines.
  virtual absl::Status Send(const std::vector<std::string>& fields) = 0;
};

// libsystemd's sd_journal_sendv. Unavailable (returns an error on Send) when built
// without libsystemd.
std::unique_ptr<JournalWriter> NewSdJournalWriter();
// Our native-protocol sender: one datagram per entry to the unix socket `path`.
std::unique_ptr<JournalWriter> NewSocketJournalWriter(std::string path);

// The journal native protocol: "KEY=value\n" for values without a newline, otherwise
// "KEY\n" + the value's length as a 64-bit little-endian integer + value + "\n".
std::string SerializeNative(const std::vector<std::string>& fields);
// The inverse, for tests and tools: the fields of one datagram, "KEY=value" each.
// Returns false on a malformed datagram.
bool ParseNative(std::string_view datagram, std::vector<std::string>* fields);

// "local-member-id" -> "LOCAL_MEMBER_ID"; see the header comment.
std::string JournalFieldName(std::string_view key);
// syslog priority of a level (journald's PRIORITY).
int JournalPriority(log::Level level);

class JournalSink final : public log::Sink {
 public:
  explicit JournalSink(std::unique_ptr<JournalWriter> writer,
                       std::string syslog_identifier = "etcd");

  // The member's identity, added to every later entry. Empty values are left out.
  void SetIdentity(std::string name, std::string member_id, std::string cluster_id);

  void Write(const log::Record& record) override;

  // The fields Write sends for `record` (exposed for tests).
  std::vector<std::string> Fields(const log::Record& record) const;

  // The last error a Send returned (OK if none); entries that failed are dropped.
  absl::Status LastError() const;

 private:
  const std::unique_ptr<JournalWriter> writer_;
  const std::string identifier_;
  mutable absl::Mutex mu_;
  std::string name_ ABSL_GUARDED_BY(mu_);
  std::string member_id_ ABSL_GUARDED_BY(mu_);
  std::string cluster_id_ ABSL_GUARDED_BY(mu_);
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::systemd
