// The composition root's TLS wiring (docs/security.md): from config::ServerConfig to
// the client port's OpenSSL context (api::ClientPortOptions::tls) and the peer
// transport's gRPC credentials, with etcd's log lines and fatal errors.
//
// Thread safety: called from main's thread during start-up; the hooks installed into
// ClientPortOptions log from the TLS worker threads (the logger is thread-safe).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/client_port.h"
#include "common/log.h"
#include "common/status.h"
#include "config/server_config.h"
#include "peerpb/peer.pb.h"
#include "tls/peer_credentials.h"
#include "tls/server_context.h"

namespace etcd::tools {

// Null when no client URL is https/unixs. With --auto-tls (and no --cert-file) the
// certificate is generated into <data-dir>/fixtures/client first. Errors name the flag
// and the file ("--cert-file \"/x.pem\": open /x.pem: no such file or directory").
absl::StatusOr<std::unique_ptr<tls::ServerTlsContext>> SetUpClientTls(
    const config::ServerConfig& cfg, const log::Logger* logger);

// Points `popts` at `ctx` and installs the logging hooks: rejected handshakes
// ("rejected connection" with remote-addr and error, as etcd logs them), certificate
// reloads and failed reloads. Marks https/unixs addresses as TLS.
void ApplyClientTls(const config::ServerConfig& cfg, tls::ServerTlsContext* ctx,
                    const log::Logger* logger, api::ClientPortOptions* popts);

// nullopt when peers are plain http (no https peer URL, no peer certificate, no
// --peer-auto-tls). Errors as above, or etcd's "cannot listen on TLS for
// 127.0.0.1:2380: KeyFile and CertFile are not presented".
absl::StatusOr<std::optional<tls::PeerCredentials>> SetUpPeerTls(const config::ServerConfig& cfg,
                                                                 const log::Logger* logger);

// For server::ServerDeps::fetch_members when peers use TLS: a member joining with
// --initial-cluster-state existing fetches the member list over https with `channel`.
std::function<absl::StatusOr<peerpb::MembersResponse>(const std::vector<std::string>&)>
PeerTlsFetchMembers(const config::ServerConfig& cfg,
                    std::shared_ptr<grpc::ChannelCredentials> channel);

// Once ready: etcd's "serving insecure client requests..." warning for each plain
// client URL, "serving client traffic securely" for each TLS one.
void LogServingClients(const config::ServerConfig& cfg, const log::Logger* logger);

}  // namespace etcd::tools
