// Peer TLS credentials on loopback: a gRPC server and channel built by
// MakePeerCredentials (files in a temp dir: gRPC's file watcher reads real files), with
// etcd's allowed-CN and CRL checks refusing for real.
#include "tls/peer_credentials.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "absl/synchronization/mutex.h"
#include "tls/cert_gen.h"

namespace etcd::tls {
namespace {

class PeerCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/peer_credentials_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    CertSpec ca;
    ca.common_name = "ca";
    ca.is_ca = true;
    ca.curve = CertSpec::Curve::kP256;
    ca_ = *GenerateCertificate(ca);
    Write("ca.pem", ca_.cert_pem);
    Member("m1", "member");
    Member("m2", "member");
    Member("bad", "intruder");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Member(const std::string& name, const std::string& cn) {
    CertSpec s;
    s.common_name = cn;
    s.hosts = {"127.0.0.1"};
    s.client_auth = true;
    s.curve = CertSpec::Curve::kP256;
    KeyCert kc = *GenerateCertificate(s, &ca_);
    pems_[name] = kc.cert_pem;
    Write(name + ".pem", kc.cert_pem);
    Write(name + "-key.pem", kc.key_pem);
  }
  void Write(const std::string& name, const std::string& data) {
    std::ofstream(dir_ + "/" + name) << data;
  }
  TlsOptions Options(const std::string& name) {
    TlsOptions o;
    o.side = Side::kPeer;
    o.cert_file = dir_ + "/" + name + ".pem";
    o.key_file = dir_ + "/" + name + "-key.pem";
    o.trusted_ca_file = dir_ + "/ca.pem";
    o.client_cert_auth = true;
    o.allowed_cn = "member";
    return o;
  }
  PeerCredentials Make(const TlsOptions& o) {
    auto c = MakePeerCredentials(leveldb::Env::Default(), o,
                                 [this](const std::string& who, const std::string& why) {
                                   absl::MutexLock l(&mu_);
                                   refusals_.push_back(who + ": " + why);
                                 });
    EXPECT_TRUE(c.ok()) << c.status();
    return *c;
  }
  // Serves with `server_name`'s credentials; returns whether `client_name` connects.
  bool Connects(const std::string& server_name, const std::string& client_name,
                TlsOptions server_opts = {}, TlsOptions client_opts = {}) {
    if (server_opts.cert_file.empty()) server_opts = Options(server_name);
    if (client_opts.cert_file.empty()) client_opts = Options(client_name);
    PeerCredentials s = Make(server_opts);
    PeerCredentials c = Make(client_opts);
    grpc::ServerBuilder b;
    grpc::CallbackGenericService generic;  // a server needs one service
    b.RegisterCallbackGenericService(&generic);
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", s.server, &port);
    auto server = b.BuildAndStart();
    EXPECT_NE(server, nullptr);
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto ch = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), c.channel, args);
    bool ok = ch->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(3));
    server->Shutdown(std::chrono::system_clock::now());
    return ok;
  }
  std::string Refusals() {
    absl::MutexLock l(&mu_);
    std::string all;
    for (const auto& r : refusals_) all += r + "\n";
    return all;
  }

  std::string dir_;
  KeyCert ca_;
  std::map<std::string, std::string> pems_;
  absl::Mutex mu_;
  std::vector<std::string> refusals_ ABSL_GUARDED_BY(mu_);
};

TEST(GrpcPeerHost, StripsSchemePortAndBrackets) {
  EXPECT_EQ(GrpcPeerHost("ipv4:127.0.0.1:40000"), "127.0.0.1");
  EXPECT_EQ(GrpcPeerHost("ipv6:[::1]:40000"), "::1");
  EXPECT_EQ(GrpcPeerHost("ipv6:%5B::1%5D:40000"), "::1");
}

// The check of an incoming peer's certificate SANs against its address (run by the
// transport on every inbound call): on with --peer-client-cert-auth, off with
// --experimental-peer-skip-client-san-verification.
TEST_F(PeerCredentialsTest, ClientSanCheckAndItsSkipFlag) {
  PeerCredentials on = Make(Options("m1"));
  ASSERT_TRUE(on.check_caller);
  EXPECT_TRUE(on.check_caller("ipv4:127.0.0.1:40000", pems_["m2"]).ok());
  EXPECT_TRUE(
      on.check_caller("ipv4:127.0.0.1:40000", "").ok());  // no certificate: nothing to check
  absl::Status s = on.check_caller("ipv4:10.1.2.3:40000", pems_["m2"]);
  EXPECT_EQ(std::string(s.message()), "x509: certificate is valid for 127.0.0.1, not 10.1.2.3");
  EXPECT_NE(Refusals().find("incoming peer connection from 10.1.2.3:40000: x509"),
            std::string::npos)
      << Refusals();
  TlsOptions skip = Options("m1");
  skip.skip_client_san_verification = true;
  EXPECT_FALSE(Make(skip).check_caller);
  TlsOptions no_auth = Options("m1");
  no_auth.client_cert_auth = false;
  EXPECT_FALSE(Make(no_auth).check_caller);
}

TEST_F(PeerCredentialsTest, MembersWithAllowedCnConnect) { EXPECT_TRUE(Connects("m1", "m2")); }

TEST_F(PeerCredentialsTest, WrongCnRefusedByServer) {
  EXPECT_FALSE(Connects("m1", "bad"));
  EXPECT_NE(Refusals().find("incoming peer connection (certificate CN \"intruder\", SANs "
                            "127.0.0.1): CommonName authentication failed "
                            "(certificate CN \"intruder\", allowed \"member\")"),
            std::string::npos)
      << Refusals();
}

TEST_F(PeerCredentialsTest, WrongCnRefusedByDialer) {
  // The server does not check CNs; the dialing member refuses the server's certificate.
  TlsOptions server = Options("bad");
  server.allowed_cn.clear();
  EXPECT_FALSE(Connects("bad", "m1", server));
  EXPECT_NE(Refusals().find("dialing 127.0.0.1:"), std::string::npos) << Refusals();
}

TEST_F(PeerCredentialsTest, RevokedCertificateRefused) {
  Write("crl.pem", *GenerateCrl(ca_, {pems_["m2"]}));
  TlsOptions server = Options("m1");
  server.crl_file = dir_ + "/crl.pem";
  EXPECT_FALSE(Connects("m1", "m2", server));
  EXPECT_NE(Refusals().find("certificate revoked"), std::string::npos) << Refusals();
}

TEST_F(PeerCredentialsTest, ClearErrors) {
  TlsOptions o = Options("m1");
  o.key_file = dir_ + "/missing-key.pem";
  EXPECT_EQ(
      std::string(MakePeerCredentials(leveldb::Env::Default(), o).status().message()),
      "--peer-key-file \"" + o.key_file + "\": open " + o.key_file + ": no such file or directory");
  o = Options("m1");
  o.cert_file.clear();
  o.key_file.clear();
  EXPECT_EQ(std::string(MakePeerCredentials(leveldb::Env::Default(), o).status().message()),
            "cannot listen on TLS: KeyFile and CertFile are not presented");
}

}  // namespace
}  // namespace etcd::tls
