#include "tls/server_context.h"

#include <openssl/err.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "tls/cert_policy.h"
#include "tls/cipher_suites.h"

namespace etcd::tls {
namespace {

struct CtxData {
  CertPolicy policy;
};

void FreeCtxData(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
                 void* /*argp*/) {
  delete static_cast<CtxData*>(ptr);
}

int CtxDataIndex() {
  static const int idx = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeCtxData);
  return idx;
}

int FailureSinkIndex() {
  static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}

int VerifyCallback(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok != 1) return preverify_ok;
  SSL* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl == nullptr) return 1;
  auto* data = static_cast<CtxData*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), CtxDataIndex()));
  if (data == nullptr || data->policy.empty()) return 1;
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  absl::Status s = data->policy.CheckRevoked(cert);
  if (s.ok() && X509_STORE_CTX_get_error_depth(store) == 0) s = data->policy.CheckLeaf(cert);
  if (s.ok()) return 1;
  if (auto* sink = static_cast<std::string*>(SSL_get_ex_data(ssl, FailureSinkIndex()))) {
    *sink = std::string(s.message());
  }
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

// Prefer HTTP/1.1 when the client offers it (curl offers "h2,http/1.1" and wants
// /health over HTTP/1.1 here, since HTTP/2 goes to gRPC); gRPC clients offer only h2
// (grpc-go) or "grpc-exp,h2" (gRPC C core).
int SelectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
               const unsigned char* in, unsigned int inlen, void* /*arg*/) {
  const unsigned char* h2 = nullptr;
  const unsigned char* h1 = nullptr;
  for (unsigned int i = 0; i < inlen;) {
    unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    std::string_view proto(reinterpret_cast<const char*>(in + i + 1), len);
    if (proto == "http/1.1") h1 = in + i;
    if (proto == "h2") h2 = in + i;
    i += 1 + len;
  }
  const unsigned char* pick = h1 != nullptr ? h1 : h2;
  if (pick == nullptr) return SSL_TLSEXT_ERR_NOACK;
  *out = pick + 1;
  *outlen = pick[0];
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

absl::StatusOr<std::shared_ptr<SSL_CTX>> BuildServerContext(const TlsOptions& o, Credentials c) {
  if (c.chain.empty() || c.key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("TLS key/cert (", o.Flag("cert-file"), ", ",
                                                      o.Flag("key-file"), ") must be provided"));
  }
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (ctx == nullptr) return absl::InternalError(absl::StrCat("SSL_CTX_new: ", TakeOpenSslError()));
  RETURN_IF_ERROR(ApplyCipherSuites(ctx.get(), o.cipher_suites));
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                  SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate(ctx.get(), c.chain[0].get()) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat(o.Flag("cert-file"), " \"", o.cert_file, "\": ", TakeOpenSslError()));
  }
  for (size_t i = 1; i < c.chain.size(); ++i) SSL_CTX_add1_chain_cert(ctx.get(), c.chain[i].get());
  if (SSL_CTX_use_PrivateKey(ctx.get(), c.key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat(o.Flag("key-file"), " \"", o.key_file, "\" does not match the certificate in ",
                     o.Flag("cert-file"), " \"", o.cert_file, "\" (", TakeOpenSslError(), ")"));
  }
  auto* data = new CtxData();
  data->policy.allowed_cn = o.allowed_cn;
  data->policy.allowed_hostname = o.allowed_hostname;
  if (c.crl) data->policy.crl = ShareCrl(std::move(c.crl));
  SSL_CTX_set_ex_data(ctx.get(), CtxDataIndex(), data);  // freed with the context

  if (!c.trusted_cas.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    for (const X509Ptr& ca : c.trusted_cas) {
      X509_STORE_add_cert(store, ca.get());
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca.get())));
    }
    SSL_CTX_set_client_CA_list(ctx.get(), names);
  }
  if (o.client_cert_auth) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       VerifyCallback);
    static const unsigned char kSessionContext[] = "etcd-client";
    SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof kSessionContext - 1);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  SSL_CTX_set_alpn_select_cb(ctx.get(), SelectAlpn, nullptr);
  return ctx;
}

absl::StatusOr<std::unique_ptr<ServerTlsContext>> ServerTlsContext::Create(
    Env* env, const TlsOptions& options) {
  std::unique_ptr<ServerTlsContext> s(new ServerTlsContext(env, options));
  ASSIGN_OR_RETURN(FileContents files, ReadFiles(env, options));
  ASSIGN_OR_RETURN(Credentials creds, ParseCredentials(options, files));
  ASSIGN_OR_RETURN(std::shared_ptr<SSL_CTX> ctx, BuildServerContext(options, std::move(creds)));
  absl::MutexLock l(&s->mu_);
  s->ctx_ = std::move(ctx);
  s->files_ = std::move(files);
  s->generation_ = 1;
  return s;
}

uint64_t ServerTlsContext::generation() const {
  absl::MutexLock l(&mu_);
  return generation_;
}

ServerTlsContext::Current ServerTlsContext::Get() {
  absl::MutexLock l(&mu_);
  Current out;
  absl::StatusOr<FileContents> files = ReadFiles(env_, options_);
  absl::Status error;
  if (!files.ok()) {
    error = files.status();
  } else if (!(*files == files_)) {
    absl::StatusOr<std::shared_ptr<SSL_CTX>> ctx;
    absl::StatusOr<Credentials> creds = ParseCredentials(options_, *files);
    if (creds.ok()) ctx = BuildServerContext(options_, std::move(*creds));
    if (!creds.ok()) {
      error = creds.status();
    } else if (!ctx.ok()) {
      error = ctx.status();
    } else {
      ctx_ = std::move(*ctx);
      files_ = std::move(*files);
      ++generation_;
      last_error_.clear();
      out.reloaded = true;
    }
  } else {
    last_error_.clear();
  }
  if (!error.ok()) {
    std::string text(error.message());
    if (text != last_error_) {
      last_error_ = text;
      out.reload_error = absl::Status(error.code(),
                                      "certificate files changed but cannot be "
                                      "loaded; still serving the previous ones: " +
                                          text);
    }
  }
  out.ctx = ctx_;
  return out;
}

std::string AlpnProtocol(SSL* ssl) {
  const unsigned char* p = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &p, &len);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), len);
}

std::string VerifiedCommonName(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return "";
  if (SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE) return "";
  return CommonName(peer);
}

void SetFailureSink(SSL* ssl, std::string* sink) { SSL_set_ex_data(ssl, FailureSinkIndex(), sink); }

std::string HandshakeFailureReason(SSL* ssl, int ssl_error, const std::string& policy_reason) {
  std::string openssl = TakeOpenSslError("");
  if (!policy_reason.empty()) return policy_reason;
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    return absl::StrCat("client certificate: ", X509_verify_cert_error_string(verify));
  }
  if (openssl == "http request" || openssl == "wrong version number" ||
      openssl == "https proxy request" || openssl == "packet length too long") {
    return absl::StrCat("first record does not look like a TLS handshake (", openssl, ")");
  }
  if (openssl == "peer did not return a certificate") return "client didn't provide a certificate";
  if (!openssl.empty()) return openssl;
  if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN) {
    return "connection closed during the handshake";
  }
  return absl::StrCat("handshake failed (SSL error ", ssl_error, ")");
}

}  // namespace etcd::tls
