#include "systemd/journal_sink.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"

#ifdef ETCD_HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

namespace etcd::systemd {
namespace {

// Field names the sink sets itself or that journald gives a meaning to.
const std::set<std::string, std::less<>>& ReservedNames() {
  static const auto* names = new std::set<std::string, std::less<>>{
      "MESSAGE",
      "MESSAGE_ID",
      "PRIORITY",
      "SYSLOG_IDENTIFIER",
      "SYSLOG_FACILITY",
      "SYSLOG_PID",
      "SYSLOG_TIMESTAMP",
      "SYSLOG_RAW",
      "CODE_FILE",
      "CODE_LINE",
      "CODE_FUNC",
      "ERRNO",
      "TID",
      "DOCUMENTATION",
      "INVOCATION_ID",
      "USER_INVOCATION_ID",
      "UNIT",
      "USER_UNIT",
      "OBJECT_PID",
      "ETCD_NAME",
      "ETCD_MEMBER_ID",
      "ETCD_CLUSTER_ID",
  };
  return *names;
}

constexpr size_t kMaxFieldName = 64;

std::string TrimPath(std::string_view file) {
  auto pos = file.rfind("/src/");
  if (pos != std::string_view::npos) return std::string(file.substr(pos + 5));
  return std::string(file);
}

// logfmt-style value: bare when it is a plain word, quoted otherwise.
std::string LogfmtValue(const log::Field& f) {
  bool plain = !f.value.empty();
  for (char c : f.value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      plain = false;
      break;
    }
  }
  if (plain) return f.value;
  std::string out = "\"";
  for (char c : f.value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

class SdJournalWriter final : public JournalWriter {
 public:
  absl::Status Send(const std::vector<std::string>& fields) override {
#ifdef ETCD_HAVE_SYSTEMD
    std::vector<iovec> iov(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      iov[i].iov_base = const_cast<char*>(fields[i].data());
      iov[i].iov_len = fields[i].size();
    }
    int r = sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
    if (r < 0) return absl::UnavailableError(absl::StrCat("sd_journal_sendv: ", std::strerror(-r)));
    return absl::OkStatus();
#else
    (void)fields;
    return absl::UnavailableError("built without libsystemd: the journal is not available");
#endif
  }
};

class SocketJournalWriter final : public JournalWriter {
 public:
  explicit SocketJournalWriter(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  }
  ~SocketJournalWriter() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Send(const std::vector<std::string>& fields) override {
    if (fd_ < 0) return absl::UnavailableError("socket(AF_UNIX): cannot create");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof(addr.sun_path)) {
      return absl::InvalidArgumentError(absl::StrCat("journal socket path too long: ", path_));
    }
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    std::string data = SerializeNative(fields);
    ssize_t n = ::sendto(fd_, data.data(), data.size(), MSG_NOSIGNAL,
                         reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    if (n < 0) {
      return absl::UnavailableError(absl::StrCat("send to ", path_, ": ", std::strerror(errno)));
    }
    return absl::OkStatus();
  }

 private:
  const std::string path_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<JournalWriter> NewSdJournalWriter() { return std::make_unique<SdJournalWriter>(); }

std::unique_ptr<JournalWriter> NewSocketJournalWriter(std::string path) {
  return std::make_unique<SocketJournalWriter>(std::move(path));
}

std::string SerializeNative(const std::vector<std::string>& fields) {
  std::string out;
  for (const std::string& f : fields) {
    size_t eq = f.find('=');
    std::string_view key = std::string_view(f).substr(0, eq);
    std::string_view value =
        eq == std::string::npos ? std::string_view() : std::string_view(f).substr(eq + 1);
    if (value.find('\n') == std::string_view::npos) {
      out.append(key).append("=").append(value).append("\n");
    } else {
      out.append(key).append("\n");
      uint64_t len = value.size();
      for (int i = 0; i < 8; ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
      out.append(value).append("\n");
    }
  }
  return out;
}

bool ParseNative(std::string_view d, std::vector<std::string>* fields) {
  fields->clear();
  while (!d.empty()) {
    size_t nl = d.find('\n');
    if (nl == std::string_view::npos) return false;
    std::string_view line = d.substr(0, nl);
    size_t eq = line.find('=');
    if (eq != std::string_view::npos) {
      fields->emplace_back(line);
      d.remove_prefix(nl + 1);
      continue;
    }
    // Binary-safe form: KEY\n <u64 le length> value \n
    d.remove_prefix(nl + 1);
    if (d.size() < 8) return false;
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i)
      len |= static_cast<uint64_t>(static_cast<unsigned char>(d[i])) << (8 * i);
    d.remove_prefix(8);
    if (d.size() < len + 1 || d[len] != '\n') return false;
    fields->push_back(std::string(line).append("=").append(d.substr(0, len)));
    d.remove_prefix(len + 1);
  }
  return true;
}

std::string JournalFieldName(std::string_view key) {
  std::string name;
  name.reserve(key.size());
  for (char c : key) {
    if (c >= 'a' && c <= 'z') {
      name += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      name += c;
    } else {
      name += '_';
    }
  }
  if (name.empty() || name[0] == '_' || (name[0] >= '0' && name[0] <= '9') ||
      ReservedNames().count(name) > 0) {
    name = "ETCD_F_" + name;
  }
  if (name.size() > kMaxFieldName) name.resize(kMaxFieldName);
  return name;
}

int JournalPriority(log::Level level) {
  switch (level) {
    case log::Level::kDebug:
      return 7;
    case log::Level::kInfo:
      return 6;
    case log::Level::kWarn:
      return 4;
    case log::Level::kError:
      return 3;
    case log::Level::kFatal:
      return 2;
  }
  return 6;
}

JournalSink::JournalSink(std::unique_ptr<JournalWriter> writer, std::string syslog_identifier)
    : writer_(std::move(writer)), identifier_(std::move(syslog_identifier)) {}

void JournalSink::SetIdentity(std::string name, std::string member_id, std::string cluster_id) {
  absl::MutexLock lock(&mu_);
  name_ = std::move(name);
  member_id_ = std::move(member_id);
  cluster_id_ = std::move(cluster_id);
}

std::vector<std::string> JournalSink::Fields(const log::Record& record) const {
  std::vector<std::string> out;
  std::string message(record.message);
  for (const log::Field& f : record.fields)
    absl::StrAppend(&message, " ", f.key, "=", LogfmtValue(f));
  out.push_back(absl::StrCat("MESSAGE=", message));
  out.push_back(absl::StrCat("PRIORITY=", JournalPriority(record.level)));
  out.push_back(absl::StrCat("SYSLOG_IDENTIFIER=", identifier_));
  {
    absl::MutexLock lock(&mu_);
    if (!name_.empty()) out.push_back(absl::StrCat("ETCD_NAME=", name_));
    if (!member_id_.empty()) out.push_back(absl::StrCat("ETCD_MEMBER_ID=", member_id_));
    if (!cluster_id_.empty()) out.push_back(absl::StrCat("ETCD_CLUSTER_ID=", cluster_id_));
  }
  out.push_back(absl::StrCat("CODE_FILE=", TrimPath(record.where.file_name())));
  out.push_back(absl::StrCat("CODE_LINE=", record.where.line()));
  for (const log::Field& f : record.fields) {
    out.push_back(absl::StrCat(JournalFieldName(f.key), "=", f.value));
  }
  return out;
}

void JournalSink::Write(const log::Record& record) {
  absl::Status s = writer_->Send(Fields(record));
  if (!s.ok()) {
    absl::MutexLock lock(&mu_);
    last_error_ = s;
  }
}

absl::Status JournalSink::LastError() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

}  // namespace etcd::systemd
