#include "tls/auto_tls.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "tls/cert_gen.h"

namespace etcd::tls {
namespace {

absl::Status MkdirAll(const std::string& dir) {
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    cur = dir.substr(0, pos);
    if (cur.empty()) continue;
    if (mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(
          absl::StrCat("auto-tls: mkdir ", cur, ": ", strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("auto-tls: open ", tmp, ": ", strerror(errno)));
  }
  fchmod(fd, mode);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return absl::FailedPreconditionError(
          absl::StrCat("auto-tls: write ", tmp, ": ", strerror(e)));
    }
    off += static_cast<size_t>(n);
  }
  fsync(fd);
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("auto-tls: rename ", tmp, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

absl::StatusOr<AutoTlsFiles> EnsureSelfSignedCert(const std::string& dir,
                                                  const std::vector<std::string>& hosts) {
  AutoTlsFiles out;
  out.cert_file = dir + "/cert.pem";
  out.key_file = dir + "/key.pem";
  if (Exists(out.cert_file) && Exists(out.key_file)) return out;
  RETURN_IF_ERROR(MkdirAll(dir));
  CertSpec spec;
  spec.hosts = hosts;
  // Our peers present this certificate as a client certificate too.
  spec.client_auth = true;
  ASSIGN_OR_RETURN(KeyCert kc, GenerateCertificate(spec));
  RETURN_IF_ERROR(WriteFile(out.key_file, kc.key_pem, 0600));
  RETURN_IF_ERROR(WriteFile(out.cert_file, kc.cert_pem, 0644));
  out.generated = true;
  return out;
}

}  // namespace etcd::tls
