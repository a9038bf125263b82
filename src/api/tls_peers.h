// Which plaintext connections handed to the gRPC and HTTP servers came through TLS,
// and the verified client certificate's CN of each (--client-cert-auth), looked up by
// the descriptor those servers got. gRPC names a connection added with
// AddInsecureChannelFromFd "fd:<n>" (ServerContext::peer()); libmicrohttpd gives the
// fd through MHD_CONNECTION_INFO_CONNECTION_FD.
//
// A descriptor number is unique while its connection is open: the TLS front door
// registers it when it hands the connection over and unregisters it (only if it is
// still the same registration) when the connection ends; the server holding the fd
// keeps it open while any call on it runs, so a lookup from a call never sees another
// connection's entry.
//
// Thread safety: all functions are thread-safe (one process-wide mutex).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace etcd::api {

struct TlsPeer {
  std::string common_name;  // "" when no client certificate was verified
};

// Returns a registration number for Unregister.
uint64_t RegisterTlsPeer(int fd, TlsPeer peer);
void UnregisterTlsPeer(int fd, uint64_t registration);

std::optional<TlsPeer> LookupTlsPeer(int fd);
// For gRPC's peer string ("fd:12"); nullopt for anything else (plaintext TCP peers
// are "ipv4:127.0.0.1:5555").
std::optional<TlsPeer> LookupTlsPeerByGrpcPeer(std::string_view grpc_peer);

}  // namespace etcd::api
