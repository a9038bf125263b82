#include "tls/peer_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "tls/cert_policy.h"
#include "tls/cipher_suites.h"
#include "tls/credentials.h"
#include "tls/openssl_util.h"

namespace etcd::tls {
namespace {

// Host part of a gRPC target name ("127.0.0.1:2380", "[::1]:2380", "m1.example").
std::string TargetHost(std::string target) {
  if (!target.empty() && target[0] == '[') {
    auto end = target.find(']');
    return end == std::string::npos ? target : target.substr(1, end - 1);
  }
  auto colon = target.rfind(':');
  if (colon != std::string::npos && target.find(':') == colon) target.resize(colon);
  return target;
}

// " (certificate CN \"m1\", SANs 127.0.0.1 m1.example)": who dialed in, as far as the
// handshake tells (gRPC gives the verifier no socket address).
std::string Presented(grpc::experimental::TlsCustomVerificationCheckRequest* request) {
  std::vector<std::string> sans;
  for (const auto& n : request->ip_names()) sans.emplace_back(n.data(), n.size());
  for (const auto& n : request->dns_names()) sans.emplace_back(n.data(), n.size());
  grpc::string_ref cn = request->common_name();
  if (cn.empty() && sans.empty()) return "";
  std::string out = absl::StrCat(" (certificate CN \"", std::string(cn.data(), cn.size()), "\"");
  if (!sans.empty()) absl::StrAppend(&out, ", SANs ", absl::StrJoin(sans, " "));
  return out + ")";
}

class PeerVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  PeerVerifier(Env* env, TlsOptions options, bool client_side, PeerRefusalHook hook)
      : env_(env),
        options_(std::move(options)),
        client_side_(client_side),
        hook_(std::move(hook)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    absl::Status s = Check(request);
    if (s.ok()) {
      *sync_status = grpc::Status::OK;
    } else {
      const std::string who =
          client_side_ ? absl::StrCat("dialing ", std::string(request->target_name().data(),
                                                              request->target_name().size()))
                       : absl::StrCat("incoming peer connection", Presented(request));
      if (hook_) hook_(who, std::string(s.message()));
      *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(s.message()));
    }
    return true;
  }

  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest* /*request*/) override {}

 private:
  absl::Status Check(grpc::experimental::TlsCustomVerificationCheckRequest* request) {
    // The leaf is peer_cert(); the full chain (its order is gRPC's: the root may come
    // first) only matters for the CRL.
    grpc::string_ref leaf_pem = request->peer_cert();
    grpc::string_ref chain_pem = request->peer_cert_full_chain();
    if (leaf_pem.empty()) {
      // The server did not ask for a certificate (no --peer-client-cert-auth): as in
      // Go, nothing to check.
      if (!client_side_ && !options_.client_cert_auth) return absl::OkStatus();
      return absl::PermissionDeniedError("no certificate presented");
    }
    ASSIGN_OR_RETURN(auto leaf,
                     ParseCertificates(std::string_view(leaf_pem.data(), leaf_pem.size())));
    if (leaf.empty()) return absl::PermissionDeniedError("no certificate presented");
    ASSIGN_OR_RETURN(auto chain,
                     ParseCertificates(std::string_view(chain_pem.data(), chain_pem.size())));
    ASSIGN_OR_RETURN(CertPolicy policy, Policy());
    RETURN_IF_ERROR(policy.CheckRevoked(leaf[0].get()));
    for (const X509Ptr& c : chain) RETURN_IF_ERROR(policy.CheckRevoked(c.get()));
    RETURN_IF_ERROR(policy.CheckLeaf(leaf[0].get()));
    std::vector<X509Ptr>& chain_leaf = leaf;
    if (client_side_ && !options_.auto_tls) {
      std::string host =
          TargetHost(std::string(request->target_name().data(), request->target_name().size()));
      if (!host.empty() && !CoversHost(chain_leaf[0].get(), host)) {
        return absl::PermissionDeniedError(
            absl::StrCat("x509: certificate is not valid for ", host, " (the peer URL's host)"));
      }
    }
    return absl::OkStatus();
  }

  // The CRL is re-read on every verification (peer connections are few and long-lived)
  // and parsed again only when its bytes change.
  absl::StatusOr<CertPolicy> Policy() {
    CertPolicy p;
    p.allowed_cn = options_.allowed_cn;
    p.allowed_hostname = options_.allowed_hostname;
    if (options_.crl_file.empty()) return p;
    std::string data;
    leveldb::Status rs = leveldb::ReadFileToString(env_, options_.crl_file, &data);
    absl::MutexLock l(&mu_);
    if (!rs.ok()) {
      if (crl_ == nullptr) {
        return absl::PermissionDeniedError(
            absl::StrCat("--peer-crl-file \"", options_.crl_file, "\": ", rs.ToString()));
      }
    } else if (data != crl_bytes_ || crl_ == nullptr) {
      auto crl = ParseCrl(data);
      if (!crl.ok() && crl_ == nullptr) {
        return absl::PermissionDeniedError(
            absl::StrCat("--peer-crl-file \"", options_.crl_file, "\": ", crl.status().message()));
      }
      if (crl.ok()) {
        crl_ = ShareCrl(std::move(*crl));
        crl_bytes_ = data;
      }
    }
    p.crl = crl_;
    return p;
  }

  Env* const env_;
  const TlsOptions options_;
  const bool client_side_;
  const PeerRefusalHook hook_;
  absl::Mutex mu_;
  std::shared_ptr<X509_CRL> crl_ ABSL_GUARDED_BY(mu_);
  std::string crl_bytes_ ABSL_GUARDED_BY(mu_);
};

// "%5B::1%5D" -> "[::1]".
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::string GrpcPeerHost(const std::string& grpc_peer) {
  std::string rest = grpc_peer;
  for (const char* prefix : {"ipv4:", "ipv6:"}) {
    if (rest.rfind(prefix, 0) == 0) rest = rest.substr(5);
  }
  rest = Unescape(rest);
  if (!rest.empty() && rest[0] == '[') {
    auto end = rest.find(']');
    return end == std::string::npos ? rest : rest.substr(1, end - 1);
  }
  auto colon = rest.rfind(':');
  return colon == std::string::npos ? rest : rest.substr(0, colon);
}

absl::StatusOr<std::string> GrpcCipherList(const std::vector<std::string>& go_names) {
  ASSIGN_OR_RETURN(OpenSslCiphers c, MapCipherSuites(go_names));
  return c.tls12;
}

absl::StatusOr<PeerCredentials> MakePeerCredentials(Env* env, const TlsOptions& options,
                                                    PeerRefusalHook on_refused,
                                                    unsigned refresh_seconds) {
  // Clear errors up front (gRPC's file watcher would only log and retry).
  ASSIGN_OR_RETURN(Credentials loaded, LoadCredentials(env, options));
  if (loaded.chain.empty()) {
    return absl::FailedPreconditionError(
        "cannot listen on TLS: KeyFile and CertFile are not presented");
  }
  RETURN_IF_ERROR(MapCipherSuites(options.cipher_suites).status());
  namespace gx = grpc::experimental;
  const bool have_ca = !options.trusted_ca_file.empty();
  auto provider = std::make_shared<gx::FileWatcherCertificateProvider>(
      options.key_file, options.cert_file, have_ca ? options.trusted_ca_file : std::string(),
      refresh_seconds);

  PeerCredentials out;
  {
    gx::TlsServerCredentialsOptions so(provider);
    so.watch_identity_key_cert_pairs();
    if (have_ca) so.watch_root_certs();
    so.set_cert_request_type(options.client_cert_auth
                                 ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                 : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    so.set_certificate_verifier(gx::ExternalCertificateVerifier::Create<PeerVerifier>(
        env, options, /*client_side=*/false, on_refused));
    out.server = grpc::experimental::TlsServerCredentials(so);
  }
  {
    gx::TlsChannelCredentialsOptions co;
    co.set_certificate_provider(provider);
    co.watch_identity_key_cert_pairs();
    if (have_ca) co.watch_root_certs();
    co.set_verify_server_certs(!options.auto_tls);
    co.set_check_call_host(false);
    co.set_certificate_verifier(gx::ExternalCertificateVerifier::Create<PeerVerifier>(
        env, options, /*client_side=*/true, on_refused));
    out.channel = grpc::experimental::TlsCredentials(co);
  }
  if (options.client_cert_auth && !options.skip_client_san_verification) {
    out.check_caller = [hook = on_refused, resolve = SystemResolver()](
                           const std::string& peer, const std::string& pem) -> absl::Status {
      if (pem.empty()) return absl::OkStatus();
      auto certs = ParseCertificates(pem);
      if (!certs.ok() || certs->empty()) return absl::OkStatus();  // gRPC verified it already
      absl::Status s = CheckRemoteSan((*certs)[0].get(), GrpcPeerHost(peer), resolve);
      if (!s.ok()) {
        std::string where = peer;
        for (const char* prefix : {"ipv4:", "ipv6:"}) {
          if (where.rfind(prefix, 0) == 0) where = Unescape(where.substr(5));
        }
        if (hook)
          hook(absl::StrCat("incoming peer connection from ", where), std::string(s.message()));
      }
      return s;
    };
  }
  if (out.server == nullptr || out.channel == nullptr) {
    return absl::InternalError("gRPC refused the peer TLS credentials");
  }
  return out;
}

}  // namespace etcd::tls
