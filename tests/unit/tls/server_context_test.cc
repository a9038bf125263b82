#include "tls/server_context.h"

#include <gtest/gtest.h>

#include "test_certs.h"
#include "tls/openssl_util.h"

namespace etcd::tls {
namespace {

using testing::TestPki;
using testing::WriteFile;

// A client and a server SSL joined by an in-memory BIO pair; the handshake is driven
// step by step on this thread (no sockets).
struct Handshake {
  bool ok = false;
  int server_error = 0;
  std::string policy_reason;
  std::string failure;
  std::string alpn;
  std::string cn;
  std::string server_cert_cn;
};

Handshake DoHandshake(SSL_CTX* server_ctx, const KeyCert* client_cert, const std::string& alpn_wire,
                      const std::string& ca_pem = "") {
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  if (client_cert != nullptr) {
    auto certs = ParseCertificates(client_cert->cert_pem);
    auto key = ParsePrivateKey(client_cert->key_pem);
    SSL_CTX_use_certificate(cctx, (*certs)[0].get());
    SSL_CTX_use_PrivateKey(cctx, key->get());
  }
  if (!ca_pem.empty()) {
    auto cas = ParseCertificates(ca_pem);
    if (cas.ok()) {
      for (auto& c : *cas) X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), c.get());
    }
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr);
  }
  if (!alpn_wire.empty()) {
    SSL_CTX_set_alpn_protos(cctx, reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                            static_cast<unsigned>(alpn_wire.size()));
  }
  SslPtr c(SSL_new(cctx));
  SslPtr s(SSL_new(server_ctx));
  SSL_CTX_free(cctx);
  BIO* cb = nullptr;
  BIO* sb = nullptr;
  BIO_new_bio_pair(&cb, 0, &sb, 0);
  SSL_set_bio(c.get(), cb, cb);
  SSL_set_bio(s.get(), sb, sb);
  SSL_set_connect_state(c.get());
  SSL_set_accept_state(s.get());
  Handshake h;
  SetFailureSink(s.get(), &h.policy_reason);
  bool c_done = false, s_done = false;
  for (int i = 0; i < 50 && !(c_done && s_done); ++i) {
    if (!c_done) {
      int rc = SSL_do_handshake(c.get());
      if (rc == 1)
        c_done = true;
      else {
        int e = SSL_get_error(c.get(), rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) break;
      }
    }
    if (!s_done) {
      int rc = SSL_do_handshake(s.get());
      if (rc == 1)
        s_done = true;
      else {
        int e = SSL_get_error(s.get(), rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
          h.server_error = e;
          h.failure = HandshakeFailureReason(s.get(), e, h.policy_reason);
          break;
        }
      }
    }
  }
  ERR_clear_error();
  // TLS 1.3: the server learns of a rejected client certificate after the client
  // believes it is done; only the server's verdict counts.
  h.ok = c_done && s_done;
  if (h.ok) {
    h.alpn = AlpnProtocol(s.get());
    h.cn = VerifiedCommonName(s.get());
    X509* sc = SSL_get0_peer_certificate(c.get());
    if (sc != nullptr) h.server_cert_cn = CommonName(sc);
  }
  return h;
}

std::string Alpn(std::initializer_list<std::string> protos) {
  std::string w;
  for (const auto& p : protos) w += static_cast<char>(p.size()) + p;
  return w;
}

class ServerContextTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(TestPki::Make()); }
  void SetUp() override {
    env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    WriteFile(env_.get(), "/s.pem", pki_->server.cert_pem);
    WriteFile(env_.get(), "/s-key.pem", pki_->server.key_pem);
    WriteFile(env_.get(), "/ca.pem", pki_->ca.cert_pem);
  }
  TlsOptions Options(bool client_cert_auth) {
    TlsOptions o;
    o.cert_file = "/s.pem";
    o.key_file = "/s-key.pem";
    if (client_cert_auth) {
      o.trusted_ca_file = "/ca.pem";
      o.client_cert_auth = true;
    }
    return o;
  }
  std::unique_ptr<ServerTlsContext> Make(const TlsOptions& o) {
    auto s = ServerTlsContext::Create(env_.get(), o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  static TestPki* pki_;
  std::unique_ptr<leveldb::Env> env_;
};
TestPki* ServerContextTest::pki_ = nullptr;

TEST_F(ServerContextTest, ServerOnlyTls) {
  auto s = Make(Options(false));
  Handshake h = DoHandshake(s->Get().ctx.get(), nullptr, "", pki_->ca.cert_pem);
  EXPECT_TRUE(h.ok) << h.failure;
  EXPECT_EQ(h.server_cert_cn, "server");
  EXPECT_EQ(h.cn, "");  // no client certificate asked for
  EXPECT_EQ(h.alpn, "");
}

TEST_F(ServerContextTest, AlpnPrefersHttp1WhenOffered) {
  auto s = Make(Options(false));
  EXPECT_EQ(DoHandshake(s->Get().ctx.get(), nullptr, Alpn({"h2"})).alpn, "h2");
  EXPECT_EQ(DoHandshake(s->Get().ctx.get(), nullptr, Alpn({"grpc-exp", "h2"})).alpn, "h2");
  EXPECT_EQ(DoHandshake(s->Get().ctx.get(), nullptr, Alpn({"h2", "http/1.1"})).alpn, "http/1.1");
  EXPECT_EQ(DoHandshake(s->Get().ctx.get(), nullptr, Alpn({"http/1.1"})).alpn, "http/1.1");
  Handshake other = DoHandshake(s->Get().ctx.get(), nullptr, Alpn({"spdy/3"}));
  EXPECT_TRUE(other.ok);
  EXPECT_EQ(other.alpn, "");
}

TEST_F(ServerContextTest, ClientCertAuthExposesCn) {
  auto s = Make(Options(true));
  Handshake h = DoHandshake(s->Get().ctx.get(), &pki_->client, Alpn({"h2"}));
  EXPECT_TRUE(h.ok) << h.failure;
  EXPECT_EQ(h.cn, "root");
}

TEST_F(ServerContextTest, ClientCertAuthRefusesMissingCert) {
  auto s = Make(Options(true));
  Handshake h = DoHandshake(s->Get().ctx.get(), nullptr, "");
  EXPECT_FALSE(h.ok);
  EXPECT_EQ(h.failure, "client didn't provide a certificate");
}

TEST_F(ServerContextTest, ClientCertAuthRefusesUntrustedCert) {
  auto s = Make(Options(true));
  Handshake h = DoHandshake(s->Get().ctx.get(), &pki_->stranger, "");
  EXPECT_FALSE(h.ok);
  EXPECT_EQ(h.failure, "client certificate: unable to get local issuer certificate");
}

TEST_F(ServerContextTest, AllowedHostnameAndCrl) {
  TlsOptions o = Options(true);
  o.allowed_hostname = "other.example";
  auto s = Make(o);
  Handshake h = DoHandshake(s->Get().ctx.get(), &pki_->client, "");
  EXPECT_FALSE(h.ok);
  EXPECT_EQ(h.failure,
            "HostName authentication failed (certificate does not cover \"other.example\")");

  WriteFile(env_.get(), "/crl.pem", *GenerateCrl(pki_->ca, {pki_->client.cert_pem}));
  o = Options(true);
  o.crl_file = "/crl.pem";
  s = Make(o);
  h = DoHandshake(s->Get().ctx.get(), &pki_->client, "");
  EXPECT_FALSE(h.ok);
  EXPECT_EQ(h.failure.rfind("certificate revoked (serial 0x", 0), 0u) << h.failure;
  EXPECT_TRUE(DoHandshake(s->Get().ctx.get(), &pki_->server, "").ok);  // not revoked
}

TEST_F(ServerContextTest, PlainHttpIsNotTls) {
  auto s = Make(Options(false));
  SslPtr ssl(SSL_new(s->Get().ctx.get()));
  BIO* in = BIO_new_mem_buf("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", -1);
  SSL_set_bio(ssl.get(), in, BIO_new(BIO_s_mem()));
  SSL_set_accept_state(ssl.get());
  int rc = SSL_do_handshake(ssl.get());
  int e = SSL_get_error(ssl.get(), rc);
  EXPECT_EQ(HandshakeFailureReason(ssl.get(), e, ""),
            "first record does not look like a TLS handshake (http request)");
}

TEST_F(ServerContextTest, RotationUsesNewFilesForNewHandshakes) {
  auto s = Make(Options(false));
  ServerTlsContext::Current first = s->Get();
  EXPECT_FALSE(first.reloaded);
  EXPECT_EQ(s->Get().ctx, first.ctx);  // unchanged files: same context
  EXPECT_EQ(s->generation(), 1u);

  CertSpec spec;
  spec.common_name = "rotated";
  spec.hosts = {"127.0.0.1"};
  spec.curve = CertSpec::Curve::kP256;
  KeyCert rotated = *GenerateCertificate(spec, &pki_->ca);
  // Half-way through a rotation (new cert, old key): keep serving the old pair, say so once.
  WriteFile(env_.get(), "/s.pem", rotated.cert_pem);
  ServerTlsContext::Current mid = s->Get();
  EXPECT_EQ(mid.ctx, first.ctx);
  EXPECT_FALSE(mid.reload_error.ok());
  EXPECT_NE(mid.reload_error.message().find("does not match the certificate"), std::string::npos)
      << mid.reload_error;
  EXPECT_TRUE(s->Get().reload_error.ok());  // reported once
  EXPECT_EQ(DoHandshake(s->Get().ctx.get(), nullptr, "").server_cert_cn, "server");

  WriteFile(env_.get(), "/s-key.pem", rotated.key_pem);
  ServerTlsContext::Current after = s->Get();
  EXPECT_TRUE(after.reloaded);
  EXPECT_TRUE(after.reload_error.ok());
  EXPECT_NE(after.ctx, first.ctx);
  EXPECT_EQ(s->generation(), 2u);
  EXPECT_EQ(DoHandshake(after.ctx.get(), nullptr, "").server_cert_cn, "rotated");
  // The old context still works for connections that hold it.
  EXPECT_EQ(DoHandshake(first.ctx.get(), nullptr, "").server_cert_cn, "server");
}

TEST_F(ServerContextTest, RemovedFileKeepsServing) {
  auto s = Make(Options(false));
  auto first = s->Get().ctx;
  env_->RemoveFile("/s.pem");
  ServerTlsContext::Current c = s->Get();
  EXPECT_EQ(c.ctx, first);
  EXPECT_NE(c.reload_error.message().find("--cert-file \"/s.pem\": open /s.pem"),
            std::string::npos);
}

TEST_F(ServerContextTest, CreateErrors) {
  TlsOptions o = Options(false);
  o.cert_file = "/missing.pem";
  EXPECT_EQ(std::string(ServerTlsContext::Create(env_.get(), o).status().message()),
            "--cert-file \"/missing.pem\": open /missing.pem: no such file or directory");
  o = Options(false);
  o.cert_file.clear();
  o.key_file.clear();
  EXPECT_EQ(std::string(ServerTlsContext::Create(env_.get(), o).status().message()),
            "TLS key/cert (--cert-file, --key-file) must be provided");
}

}  // namespace
}  // namespace etcd::tls
