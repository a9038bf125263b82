#include "tools/etcd/tls_setup.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/env.h"
#include "tls/auto_tls.h"
#include "transport/peer_client.h"

namespace etcd::tools {
namespace {

bool IsTlsScheme(const std::string& scheme) { return scheme == "https" || scheme == "unixs"; }

std::vector<std::string> Hosts(const std::vector<config::Url>& urls) {
  std::vector<std::string> hosts;
  for (const auto& u : urls) {
    if (u.scheme == "unix" || u.scheme == "unixs") continue;
    std::string h = u.host.empty() ? "0.0.0.0" : u.host;
    bool seen = false;
    for (const auto& x : hosts) seen = seen || x == h;
    if (!seen) hosts.push_back(h);
  }
  return hosts;
}

tls::TlsOptions ToOptions(const config::TlsInfo& info, tls::Side side,
                          const std::vector<std::string>& cipher_suites) {
  tls::TlsOptions o;
  o.side = side;
  o.cert_file = info.cert_file;
  o.key_file = info.key_file;
  o.trusted_ca_file = info.trusted_ca_file;
  o.crl_file = info.crl_file;
  o.client_cert_auth = info.client_cert_auth;
  o.allowed_cn = info.allowed_cn;
  o.allowed_hostname = info.allowed_hostname;
  o.cipher_suites = cipher_suites;
  o.skip_client_san_verification = info.skip_client_san_verification;
  return o;
}

// --auto-tls: etcd uses the generated certificate only when no certificate is given.
absl::Status MaybeAutoTls(const config::ServerConfig& cfg, bool peer, const log::Logger* logger,
                          tls::TlsOptions* o) {
  const config::TlsInfo& info = peer ? cfg.peer_tls : cfg.client_tls;
  if (!info.auto_tls) return absl::OkStatus();
  if (!info.cert_file.empty() || !info.key_file.empty()) {
    logger->Warn(peer ? "ignoring peer auto TLS since certs given"
                      : "ignoring client auto TLS since certs given");
    return absl::OkStatus();
  }
  const std::string dir = cfg.data_dir + (peer ? "/fixtures/peer" : "/fixtures/client");
  auto files =
      tls::EnsureSelfSignedCert(dir, Hosts(peer ? cfg.listen_peer_urls : cfg.listen_client_urls));
  if (!files.ok()) return files.status();
  o->cert_file = files->cert_file;
  o->key_file = files->key_file;
  o->auto_tls = true;
  // Self-signed: nobody to verify peers against (etcd: InsecureSkipVerify).
  o->trusted_ca_file.clear();
  o->client_cert_auth = false;
  logger->Info(
      files->generated ? "generated self-signed certificate" : "reusing auto-tls certificate",
      {{"cert-file", files->cert_file}, {"key-file", files->key_file}});
  return absl::OkStatus();
}

void LogTlsInfo(const log::Logger* logger, const char* what, const tls::TlsOptions& o) {
  logger->Info(what, {{"cert-file", o.cert_file},
                      {"key-file", o.key_file},
                      {"trusted-ca-file", o.trusted_ca_file},
                      {"client-cert-auth", o.client_cert_auth},
                      {"crl-file", o.crl_file}});
}

}  // namespace

absl::StatusOr<std::unique_ptr<tls::ServerTlsContext>> SetUpClientTls(
    const config::ServerConfig& cfg, const log::Logger* logger) {
  bool any = false;
  for (const auto& u : cfg.listen_client_urls) any = any || IsTlsScheme(u.scheme);
  if (!any) return std::unique_ptr<tls::ServerTlsContext>();
  tls::TlsOptions o = ToOptions(cfg.client_tls, tls::Side::kClient, cfg.cipher_suites);
  RETURN_IF_ERROR(MaybeAutoTls(cfg, /*peer=*/false, logger, &o));
  if (o.cert_file.empty() || o.key_file.empty()) {
    for (const auto& u : cfg.listen_client_urls) {
      if (!IsTlsScheme(u.scheme)) continue;
      return absl::FailedPreconditionError(
          absl::StrCat("TLS key/cert (--cert-file, --key-file) must be provided for client url ",
                       u.ToString(), " with HTTPS scheme"));
    }
  }
  LogTlsInfo(logger, "starting with client TLS", o);
  return tls::ServerTlsContext::Create(Env::Default(), o);
}

void ApplyClientTls(const config::ServerConfig& cfg, tls::ServerTlsContext* ctx,
                    const log::Logger* logger, api::ClientPortOptions* popts) {
  for (size_t i = 0; i < cfg.listen_client_urls.size() && i < popts->addresses.size(); ++i) {
    popts->addresses[i].tls = IsTlsScheme(cfg.listen_client_urls[i].scheme);
  }
  if (ctx == nullptr) return;
  popts->tls = ctx;
  popts->tls_front.threads = 2;
  popts->tls_front.on_rejected = [logger](const std::string& remote, const std::string& reason) {
    logger->Warn("rejected connection", {{"remote-addr", remote}, {"error", reason}});
  };
  popts->tls_front.on_reload_error = [logger](const absl::Status& s) {
    logger->Warn("failed to reload client TLS certificate", {{"error", std::string(s.message())}});
  };
  popts->tls_front.on_reloaded = [logger, ctx]() {
    logger->Info("reloaded client TLS certificate files",
                 {{"cert-file", ctx->options().cert_file},
                  {"key-file", ctx->options().key_file},
                  {"trusted-ca-file", ctx->options().trusted_ca_file}});
  };
}

absl::StatusOr<std::optional<tls::PeerCredentials>> SetUpPeerTls(const config::ServerConfig& cfg,
                                                                 const log::Logger* logger) {
  bool any = !cfg.peer_tls.empty();
  for (const auto& u : cfg.listen_peer_urls) any = any || IsTlsScheme(u.scheme);
  for (const auto& u : cfg.initial_advertise_peer_urls) any = any || IsTlsScheme(u.scheme);
  if (!any) return std::optional<tls::PeerCredentials>();
  tls::TlsOptions o = ToOptions(cfg.peer_tls, tls::Side::kPeer, cfg.cipher_suites);
  RETURN_IF_ERROR(MaybeAutoTls(cfg, /*peer=*/true, logger, &o));
  if (o.cert_file.empty() || o.key_file.empty()) {
    std::string where =
        cfg.listen_peer_urls.empty()
            ? std::string("the peer port")
            : absl::StrCat(cfg.listen_peer_urls[0].host, ":", cfg.listen_peer_urls[0].port);
    return absl::FailedPreconditionError(absl::StrCat("cannot listen on TLS for ", where,
                                                      ": KeyFile and CertFile are not presented"));
  }
  // gRPC reads its TLS 1.2 cipher list from the environment, once.
  if (!cfg.cipher_suites.empty()) {
    ASSIGN_OR_RETURN(std::string list, tls::GrpcCipherList(cfg.cipher_suites));
    if (!list.empty()) setenv("GRPC_SSL_CIPHER_SUITES", list.c_str(), 1);
  }
  LogTlsInfo(logger, "starting with peer TLS", o);
  ASSIGN_OR_RETURN(
      tls::PeerCredentials creds,
      tls::MakePeerCredentials(
          Env::Default(), o, [logger](const std::string& who, const std::string& reason) {
            logger->Warn("rejected peer certificate", {{"peer", who}, {"error", reason}});
          }));
  return std::optional<tls::PeerCredentials>(std::move(creds));
}

std::function<absl::StatusOr<peerpb::MembersResponse>(const std::vector<std::string>&)>
PeerTlsFetchMembers(const config::ServerConfig& cfg,
                    std::shared_ptr<grpc::ChannelCredentials> channel) {
  peerpb::HandshakeRequest hello;
  hello.set_cluster_id(0);  // joining: any cluster
  hello.set_name(cfg.name);
  for (const auto& u : cfg.initial_advertise_peer_urls) hello.add_peer_urls(u.ToString());
  hello.set_version(ETCD_VERSION);
  return [hello, channel = std::move(channel)](const std::vector<std::string>& urls) {
    return transport::FetchMembers(urls, hello, std::chrono::milliseconds(2000), channel);
  };
}

void LogServingClients(const config::ServerConfig& cfg, const log::Logger* logger) {
  for (const auto& u : cfg.listen_client_urls) {
    const std::string addr =
        u.scheme == "unix" || u.scheme == "unixs" ? u.host : u.host + ":" + std::to_string(u.port);
    if (IsTlsScheme(u.scheme)) {
      logger->Info("serving client traffic securely", {{"address", addr}});
    } else {
      logger->Warn("serving insecure client requests, this is strongly discouraged!",
                   {{"address", addr}});
    }
  }
}

}  // namespace etcd::tools
