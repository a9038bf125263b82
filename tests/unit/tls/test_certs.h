// A CA, server and client certificates generated in-process for the tls tests, and a
// MemEnv holding them as files.
#pragma once

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <memory>
#include <string>

#include "tls/cert_gen.h"

namespace etcd::tls::testing {

struct TestPki {
  KeyCert ca;
  KeyCert server;    // CN "server", SANs 127.0.0.1 and localhost
  KeyCert client;    // CN "root", clientAuth
  KeyCert other_ca;  // an unrelated CA
  KeyCert stranger;  // CN "root", signed by other_ca
  static TestPki Make();
};

inline TestPki TestPki::Make() {
  TestPki p;
  CertSpec ca;
  ca.common_name = "test-ca";
  ca.is_ca = true;
  ca.curve = CertSpec::Curve::kP256;
  p.ca = *GenerateCertificate(ca);
  ca.common_name = "other-ca";
  p.other_ca = *GenerateCertificate(ca);
  CertSpec server;
  server.common_name = "server";
  server.hosts = {"127.0.0.1", "localhost"};
  server.curve = CertSpec::Curve::kP256;
  server.client_auth = true;
  p.server = *GenerateCertificate(server, &p.ca);
  CertSpec client;
  client.common_name = "root";
  client.hosts = {"client.example"};
  client.curve = CertSpec::Curve::kP256;
  client.client_auth = true;
  p.client = *GenerateCertificate(client, &p.ca);
  p.stranger = *GenerateCertificate(client, &p.other_ca);
  return p;
}

inline void WriteFile(leveldb::Env* env, const std::string& path, const std::string& data) {
  leveldb::Status s = leveldb::WriteStringToFile(env, data, path);
  if (!s.ok()) abort();
}

}  // namespace etcd::tls::testing
