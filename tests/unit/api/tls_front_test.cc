// The TLS front door end to end on 127.0.0.1: a ClientPort with an https address over a
// FakeServerApi, a real gRPC TLS client and libcurl over HTTPS, certificates generated
// in-process (tls/cert_gen.h) and held in a MemEnv.
#include "api/tls_front.h"

#include <curl/curl.h>
#include <grpcpp/grpcpp.h>
#include <leveldb/helpers/memenv.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/client_port.h"
#include "api/tls_peers.h"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "fake_server_api.h"
#include "gtest/gtest.h"
#include "tls/cert_gen.h"

namespace etcd::api {
namespace {

// The daemon ignores SIGPIPE (tools/etcd/main.cc); so does this binary, or a TLS write
// to a peer that already hung up kills it when it is run outside meson (which starts
// tests with SIGPIPE ignored).
const bool kSigpipeIgnored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

using testing::FakeServerApi;

struct Pki {
  tls::KeyCert ca, server, client, stranger_ca, stranger;
  Pki() {
    tls::CertSpec ca_spec;
    ca_spec.common_name = "ca";
    ca_spec.is_ca = true;
    ca_spec.curve = tls::CertSpec::Curve::kP256;
    ca = *tls::GenerateCertificate(ca_spec);
    stranger_ca = *tls::GenerateCertificate(ca_spec);
    tls::CertSpec s;
    s.common_name = "server";
    s.hosts = {"127.0.0.1", "localhost"};
    s.curve = tls::CertSpec::Curve::kP256;
    server = *tls::GenerateCertificate(s, &ca);
    tls::CertSpec c;
    c.common_name = "alice";
    c.client_auth = true;
    c.curve = tls::CertSpec::Curve::kP256;
    client = *tls::GenerateCertificate(c, &ca);
    stranger = *tls::GenerateCertificate(c, &stranger_ca);
  }
};

const Pki& GetPki() {
  static const Pki* p = new Pki();
  return *p;
}

class TlsFrontTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    Write("/server.pem", GetPki().server.cert_pem);
    Write("/server-key.pem", GetPki().server.key_pem);
    Write("/ca.pem", GetPki().ca.cert_pem);
  }
  void TearDown() override {
    if (port_ != nullptr) port_->Shutdown();
  }
  void Write(const std::string& path, const std::string& data) {
    ASSERT_TRUE(leveldb::WriteStringToFile(env_.get(), data, path).ok());
  }
  void Start(bool client_cert_auth) {
    tls::TlsOptions o;
    o.cert_file = "/server.pem";
    o.key_file = "/server-key.pem";
    if (client_cert_auth) {
      o.trusted_ca_file = "/ca.pem";
      o.client_cert_auth = true;
    }
    auto ctx = tls::ServerTlsContext::Create(env_.get(), o);
    ASSERT_TRUE(ctx.ok()) << ctx.status();
    ctx_ = std::move(*ctx);
    ClientPortOptions po;
    po.addresses = {ListenAddress{.host = "127.0.0.1", .port = 0, .tls = true}};
    po.tls = ctx_.get();
    po.tls_front.on_rejected = [this](const std::string& remote, const std::string& reason) {
      absl::MutexLock l(&mu_);
      rejections_.push_back(remote + " " + reason);
    };
    auto port = ClientPort::Start(&api_, po);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = std::move(*port);
  }
  std::string Target() const { return "127.0.0.1:" + std::to_string(port_->ports()[0]); }

  std::shared_ptr<grpc::Channel> TlsChannel(const tls::KeyCert* client) {
    grpc::SslCredentialsOptions so;
    so.pem_root_certs = GetPki().ca.cert_pem;
    if (client != nullptr) {
      so.pem_cert_chain = client->cert_pem;
      so.pem_private_key = client->key_pem;
    }
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(Target(), grpc::SslCredentials(so), args);
  }
  grpc::Status Range(std::shared_ptr<grpc::Channel> ch) {
    auto stub = etcdserverpb::KV::NewStub(ch);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    etcdserverpb::RangeResponse resp;
    return stub->Range(&ctx, etcdserverpb::RangeRequest(), &resp);
  }

  struct Curl {
    long status = 0;  // NOLINT(runtime/int)
    CURLcode code = CURLE_OK;
    std::string body;
  };
  Curl Get(const std::string& path, const tls::KeyCert* client, bool http2 = false) {
    // curl wants files for certificates.
    char dir[] = "/tmp/tls_front_test.XXXXXX";
    EXPECT_NE(mkdtemp(dir), nullptr);
    auto put = [&](const std::string& name, const std::string& data) {
      std::string p = std::string(dir) + "/" + name;
      FILE* f = fopen(p.c_str(), "w");
      fwrite(data.data(), 1, data.size(), f);
      fclose(f);
      return p;
    };
    const std::string ca = put("ca.pem", GetPki().ca.cert_pem);
    std::string cert, key;
    if (client != nullptr) {
      cert = put("c.pem", client->cert_pem);
      key = put("k.pem", client->key_pem);
    }
    Curl r;
    CURL* c = curl_easy_init();
    const std::string url = "https://" + Target() + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CAINFO, ca.c_str());
    if (client != nullptr) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, cert.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEY, key.c_str());
    }
    if (http2) curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(
        c, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* u) -> size_t {
          static_cast<std::string*>(u)->append(d, s * n);
          return s * n;
        });
    r.code = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    std::string rm = std::string("rm -rf ") + dir;
    EXPECT_EQ(system(rm.c_str()), 0);
    return r;
  }
  std::vector<std::string> Rejections() {
    absl::MutexLock l(&mu_);
    return rejections_;
  }

  std::unique_ptr<leveldb::Env> env_;
  FakeServerApi api_;
  std::unique_ptr<tls::ServerTlsContext> ctx_;
  std::unique_ptr<ClientPort> port_;
  absl::Mutex mu_;
  std::vector<std::string> rejections_ ABSL_GUARDED_BY(mu_);
};

TEST_F(TlsFrontTest, GrpcAndHttpOverTlsOnOnePort) {
  Start(false);
  EXPECT_TRUE(Range(TlsChannel(nullptr)).ok());
  Curl h = Get("/health", nullptr);
  EXPECT_EQ(h.code, CURLE_OK);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, R"({"health":"true"})");
  // curl offering h2 and http/1.1 is given HTTP/1.1 (HTTP/2 would reach gRPC).
  Curl h2 = Get("/health", nullptr, /*http2=*/true);
  EXPECT_EQ(h2.status, 200);
  EXPECT_EQ(api_.LastContext().cert_common_name, "");
}

TEST_F(TlsFrontTest, PlainClientsAreRefused) {
  Start(false);
  auto plain = grpc::CreateChannel(Target(), grpc::InsecureChannelCredentials());
  EXPECT_FALSE(Range(plain).ok());
  CURL* c = curl_easy_init();
  const std::string url = "http://" + Target() + "/health";
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
  EXPECT_NE(curl_easy_perform(c), CURLE_OK);
  curl_easy_cleanup(c);
  bool logged = false;
  for (const auto& r : Rejections()) {
    if (r.find("first record does not look like a TLS handshake") != std::string::npos &&
        r.rfind("127.0.0.1:", 0) == 0) {
      logged = true;
    }
  }
  EXPECT_TRUE(logged);
}

TEST_F(TlsFrontTest, ClientCertAuthPassesCnToRequests) {
  Start(true);
  EXPECT_TRUE(Range(TlsChannel(&GetPki().client)).ok());
  EXPECT_EQ(api_.LastContext().cert_common_name, "alice");
  Curl r = Get("/version", &GetPki().client);
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
}

TEST_F(TlsFrontTest, ClientCertAuthRefusesMissingOrUntrustedCert) {
  Start(true);
  EXPECT_FALSE(Range(TlsChannel(nullptr)).ok());
  EXPECT_FALSE(Range(TlsChannel(&GetPki().stranger)).ok());
  EXPECT_NE(Get("/health", nullptr).code, CURLE_OK);
  bool missing = false, untrusted = false;
  for (const auto& r : Rejections()) {
    if (r.find("client didn't provide a certificate") != std::string::npos) missing = true;
    if (r.find("client certificate: ") != std::string::npos) {
      untrusted = true;
    }
  }
  EXPECT_TRUE(missing);
  EXPECT_TRUE(untrusted) << ::testing::PrintToString(Rejections());
}

TEST_F(TlsFrontTest, LargeTransfersBothWays) {
  Start(false);
  // 3 MiB values back and 1 MiB keys out through the pump.
  std::string big(3 << 20, 'x');
  api_.on_Range = [&](const server::RequestContext&, const etcdserverpb::RangeRequest&,
                      server::Done<etcdserverpb::RangeResponse> done) {
    etcdserverpb::RangeResponse resp;
    resp.add_kvs()->set_value(big);
    done(resp);
  };
  auto stub = etcdserverpb::KV::NewStub(TlsChannel(nullptr));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    etcdserverpb::RangeResponse resp;
    etcdserverpb::RangeRequest req;
    req.set_key(std::string(1 << 20, 'k'));
    grpc::Status st = stub->Range(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
    ASSERT_EQ(resp.kvs_size(), 1);
    EXPECT_EQ(resp.kvs(0).value().size(), big.size());
  }
}

TEST_F(TlsFrontTest, RotatedCertificateUsedByNewConnections) {
  Start(false);
  tls::CertSpec s;
  s.common_name = "rotated";
  s.hosts = {"127.0.0.1"};
  s.curve = tls::CertSpec::Curve::kP256;
  tls::KeyCert rotated = *tls::GenerateCertificate(s, &GetPki().ca);
  Write("/server.pem", rotated.cert_pem);
  Write("/server-key.pem", rotated.key_pem);
  EXPECT_TRUE(Range(TlsChannel(nullptr)).ok());
  EXPECT_EQ(ctx_->generation(), 2u);
}

TEST(TlsPeers, RegistryByFdAndGrpcPeer) {
  uint64_t reg = RegisterTlsPeer(12345, TlsPeer{"bob"});
  EXPECT_EQ(LookupTlsPeer(12345)->common_name, "bob");
  EXPECT_EQ(LookupTlsPeerByGrpcPeer("fd:12345")->common_name, "bob");
  EXPECT_FALSE(LookupTlsPeerByGrpcPeer("ipv4:127.0.0.1:12345").has_value());
  EXPECT_FALSE(LookupTlsPeerByGrpcPeer("fd:12345x").has_value());
  uint64_t reg2 = RegisterTlsPeer(12345, TlsPeer{"carol"});  // fd reused
  UnregisterTlsPeer(12345, reg);                             // stale: ignored
  EXPECT_EQ(LookupTlsPeer(12345)->common_name, "carol");
  UnregisterTlsPeer(12345, reg2);
  EXPECT_FALSE(LookupTlsPeer(12345).has_value());
}

}  // namespace
}  // namespace etcd::api
