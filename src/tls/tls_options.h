// One side's TLS settings (the client port or the peer port), as the composition root
// maps them from config::TlsInfo. The tls module never reads config/ itself.
//
// Thread safety: a plain value.
#pragma once

#include <string>
#include <vector>

namespace etcd::tls {

enum class Side { kClient, kPeer };

struct TlsOptions {
  // Which flags these came from: errors name "--cert-file" or "--peer-cert-file".
  Side side = Side::kClient;
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;  // empty: no CA (clients are not verified)
  std::string crl_file;         // --client-crl-file / --peer-crl-file
  bool client_cert_auth = false;
  std::string allowed_cn;        // --peer-cert-allowed-cn
  std::string allowed_hostname;  // --client-cert-allowed-hostname / --peer-cert-allowed-hostname
  // --cipher-suites (Go names); empty: OpenSSL's defaults. TLS 1.2 is the minimum.
  std::vector<std::string> cipher_suites;
  // --auto-tls / --peer-auto-tls: the certificate is self-signed, so peers dialing
  // with it do not verify the other side (etcd's InsecureSkipVerify).
  bool auto_tls = false;
  // --experimental-peer-skip-client-san-verification: incoming peers' certificate SANs
  // are not checked against the address they connect from.
  bool skip_client_san_verification = false;

  // "--cert-file", "--peer-key-file", ... for `field` in
  // {"cert-file", "key-file", "trusted-ca-file", "crl-file"}.
  std::string Flag(const std::string& field) const {
    if (field == "crl-file") return side == Side::kClient ? "--client-crl-file" : "--peer-crl-file";
    return std::string(side == Side::kClient ? "--" : "--peer-") + field;
  }
};

}  // namespace etcd::tls
