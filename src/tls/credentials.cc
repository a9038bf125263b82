#include "tls/credentials.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace etcd::tls {
namespace {

std::string Quoted(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// Go's wording of a failed open: "open /x: no such file or directory".
absl::Status ReadOne(Env* env, const TlsOptions& o, const std::string& field,
                     const std::string& path, std::string* out) {
  if (path.empty()) return absl::OkStatus();
  leveldb::Status s = leveldb::ReadFileToString(env, path, out);
  if (s.ok()) return absl::OkStatus();
  std::string reason;
  const std::string text = s.ToString();
  if (s.IsNotFound() || text.find("not found") != std::string::npos ||
      text.find("No such file") != std::string::npos) {
    reason = "no such file or directory";
  } else {
    // leveldb: "IO error: <path>: Permission denied" -> "permission denied".
    absl::string_view t = text;
    absl::ConsumePrefix(&t, "IO error: ");
    absl::ConsumePrefix(&t, path);
    absl::ConsumePrefix(&t, ": ");
    reason = std::string(t);
    if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z') reason[0] += 'a' - 'A';
  }
  return absl::FailedPreconditionError(
      absl::StrCat(o.Flag(field), " ", Quoted(path), ": open ", path, ": ", reason));
}

}  // namespace

absl::StatusOr<FileContents> ReadFiles(Env* env, const TlsOptions& o) {
  FileContents f;
  RETURN_IF_ERROR(ReadOne(env, o, "cert-file", o.cert_file, &f.cert));
  RETURN_IF_ERROR(ReadOne(env, o, "key-file", o.key_file, &f.key));
  RETURN_IF_ERROR(ReadOne(env, o, "trusted-ca-file", o.trusted_ca_file, &f.ca));
  RETURN_IF_ERROR(ReadOne(env, o, "crl-file", o.crl_file, &f.crl));
  return f;
}

absl::StatusOr<Credentials> ParseCredentials(const TlsOptions& o, const FileContents& f) {
  Credentials c;
  auto bad = [&](const std::string& field, const std::string& path, const std::string& why) {
    return absl::FailedPreconditionError(absl::StrCat(o.Flag(field), " ", Quoted(path), ": ", why));
  };
  if (o.cert_file.empty() != o.key_file.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(o.Flag("cert-file"), " and ", o.Flag("key-file"), " must be given together"));
  }
  if (!o.cert_file.empty()) {
    auto chain = ParseCertificates(f.cert);
    if (!chain.ok()) return bad("cert-file", o.cert_file, std::string(chain.status().message()));
    if (chain->empty()) {
      return bad("cert-file", o.cert_file, "no certificate (PEM \"CERTIFICATE\" block) found");
    }
    c.chain = std::move(*chain);
    auto key = ParsePrivateKey(f.key);
    if (!key.ok()) return bad("key-file", o.key_file, std::string(key.status().message()));
    c.key = std::move(*key);
    ERR_clear_error();
    if (X509_check_private_key(c.chain[0].get(), c.key.get()) != 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          o.Flag("key-file"), " ", Quoted(o.key_file), " does not match the certificate in ",
          o.Flag("cert-file"), " ", Quoted(o.cert_file), " (", TakeOpenSslError(), ")"));
    }
  }
  if (!o.trusted_ca_file.empty()) {
    auto cas = ParseCertificates(f.ca);
    if (!cas.ok()) {
      return bad("trusted-ca-file", o.trusted_ca_file, std::string(cas.status().message()));
    }
    if (cas->empty()) {
      return bad("trusted-ca-file", o.trusted_ca_file,
                 "no certificate (PEM \"CERTIFICATE\" block) found");
    }
    c.trusted_cas = std::move(*cas);
  }
  if (!o.crl_file.empty()) {
    auto crl = ParseCrl(f.crl);
    if (!crl.ok()) return bad("crl-file", o.crl_file, std::string(crl.status().message()));
    c.crl = std::move(*crl);
  }
  return c;
}

absl::StatusOr<Credentials> LoadCredentials(Env* env, const TlsOptions& options) {
  ASSIGN_OR_RETURN(FileContents files, ReadFiles(env, options));
  return ParseCredentials(options, files);
}

}  // namespace etcd::tls
