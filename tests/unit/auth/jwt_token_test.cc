#include "auth/jwt_token.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

namespace etcd::auth {
namespace {

struct KeyPair {
  std::string pub;
  std::string priv;
};

std::string Pem(EVP_PKEY* k, bool priv) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (priv) {
    PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio, k);
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

KeyPair Make(EVP_PKEY* k) {
  KeyPair kp{Pem(k, false), Pem(k, true)};
  EVP_PKEY_free(k);
  return kp;
}

const KeyPair& Rsa() {
  static const KeyPair kp = Make(EVP_RSA_gen(2048));
  return kp;
}
const KeyPair& Rsa2() {
  static const KeyPair kp = Make(EVP_RSA_gen(2048));
  return kp;
}
const KeyPair& Ec(const char* curve) {
  static std::map<std::string, KeyPair> cache;
  auto it = cache.find(curve);
  if (it == cache.end()) it = cache.emplace(curve, Make(EVP_EC_gen(curve))).first;
  return it->second;
}

std::unique_ptr<JwtTokenProvider> MakeProvider(const std::string& method, const KeyPair& kp,
                                               Clock* clock, bool with_priv = true) {
  JwtOptions o;
  o.sign_method = method;
  o.public_key_pem = kp.pub;
  if (with_priv) o.private_key_pem = kp.priv;
  o.ttl = std::chrono::minutes(5);
  auto p = JwtTokenProvider::Create(o, clock);
  EXPECT_TRUE(p.ok()) << method << ": " << p.status();
  return p.ok() ? std::move(*p) : nullptr;
}

TEST(Base64UrlTest, RoundTripAndAlphabet) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd"}) {
    std::string enc = Base64UrlEncode(s);
    EXPECT_EQ(enc.find('='), std::string::npos);
    std::string dec;
    ASSERT_TRUE(Base64UrlDecode(enc, &dec)) << enc;
    EXPECT_EQ(dec, s);
  }
  EXPECT_EQ(Base64UrlEncode("\xff\xfe\xfd"), "__79");
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("a+b/", &out));
  EXPECT_FALSE(Base64UrlDecode("abcde", &out));
}

class JwtMethodTest : public ::testing::TestWithParam<std::string> {};

TEST_P(JwtMethodTest, SignVerifyRoundTrip) {
  FakeClock clock;
  const std::string m = GetParam();
  const KeyPair& kp = m[0] == 'E' ? Ec(m == "ES256"   ? "P-256"
                                       : m == "ES384" ? "P-384"
                                                      : "P-521")
                                  : Rsa();
  auto p = MakeProvider(m, kp, &clock);
  ASSERT_NE(p, nullptr);
  auto tok = p->Assign("alice", 42, "", 7);
  ASSERT_TRUE(tok.ok()) << tok.status();
  auto ai = p->Info(*tok, 99);
  ASSERT_TRUE(ai.has_value());
  EXPECT_EQ(ai->username, "alice");
  EXPECT_EQ(ai->revision, 42u);  // a JWT carries the revision it was issued at
  // A verify-only member accepts it too.
  auto verifier = MakeProvider(m, kp, &clock, /*with_priv=*/false);
  ASSERT_NE(verifier, nullptr);
  EXPECT_TRUE(verifier->VerifyOnly());
  EXPECT_TRUE(verifier->Info(*tok, 1).has_value());
  EXPECT_FALSE(verifier->Assign("x", 1, "", 1).ok());
  // A flipped signature byte is refused.
  std::string bad = *tok;
  bad[bad.size() - 2] = bad[bad.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(p->Info(bad, 1).has_value());
}

INSTANTIATE_TEST_SUITE_P(Methods, JwtMethodTest,
                         ::testing::Values("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                           "ES256", "ES384", "ES512"));

TEST(JwtTest, HeaderAndClaimsShape) {
  FakeClock clock;
  auto p = MakeProvider("RS256", Rsa(), &clock);
  auto tok = *p->Assign("root", 5, "", 1);
  auto first_dot = tok.find('.');
  std::string header, claims;
  ASSERT_TRUE(Base64UrlDecode(tok.substr(0, first_dot), &header));
  auto second_dot = tok.find('.', first_dot + 1);
  ASSERT_TRUE(Base64UrlDecode(tok.substr(first_dot + 1, second_dot - first_dot - 1), &claims));
  EXPECT_EQ(header, R"({"alg":"RS256","typ":"JWT"})");
  auto j = nlohmann::json::parse(claims);
  EXPECT_EQ(j["username"], "root");
  EXPECT_EQ(j["revision"], 5);
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock.WallNow().time_since_epoch()).count();
  EXPECT_EQ(j["exp"], now + 300);
}

TEST(JwtTest, ExpiredTokenIsRefused) {
  FakeClock clock;
  auto p = MakeProvider("ES256", Ec("P-256"), &clock);
  auto tok = *p->Assign("u", 1, "", 1);
  clock.Advance(std::chrono::seconds(300));
  EXPECT_TRUE(p->Info(tok, 1).has_value());  // exp is inclusive
  clock.Advance(std::chrono::seconds(2));
  EXPECT_FALSE(p->Info(tok, 1).has_value());
}

TEST(JwtTest, OtherKeyOrAlgorithmIsRefused) {
  FakeClock clock;
  auto a = MakeProvider("RS256", Rsa(), &clock);
  auto b = MakeProvider("RS256", Rsa2(), &clock);
  auto ps = MakeProvider("PS256", Rsa(), &clock);
  auto tok = *a->Assign("u", 1, "", 1);
  EXPECT_FALSE(b->Info(tok, 1).has_value());
  EXPECT_FALSE(ps->Info(tok, 1).has_value());  // alg in the header must match
  EXPECT_FALSE(a->Info("a.b", 1).has_value());
  EXPECT_FALSE(a->Info("", 1).has_value());
  // "alg":"none" tokens are refused.
  std::string none = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                     Base64UrlEncode(R"({"username":"root","revision":1})") + ".";
  EXPECT_FALSE(a->Info(none, 1).has_value());
}

TEST(JwtTest, ClaimsWithoutUsernameOrRevisionAreRefused) {
  FakeClock clock;
  auto p = MakeProvider("RS256", Rsa(), &clock);
  EXPECT_FALSE(p->Info(*p->SignClaims(R"({"revision":1})"), 1).has_value());
  EXPECT_FALSE(p->Info(*p->SignClaims(R"({"username":"u"})"), 1).has_value());
  EXPECT_TRUE(p->Info(*p->SignClaims(R"({"username":"u","revision":3})"), 1).has_value());
}

TEST(JwtTest, Hmac) {
  FakeClock clock;
  JwtOptions o;
  o.sign_method = "HS256";
  o.private_key_pem = "shared-secret";
  auto p = JwtTokenProvider::Create(o, &clock);
  ASSERT_TRUE(p.ok());
  auto tok = (*p)->Assign("u", 2, "", 1);
  ASSERT_TRUE(tok.ok());
  EXPECT_TRUE((*p)->Info(*tok, 1).has_value());
  o.private_key_pem = "other";
  auto q = JwtTokenProvider::Create(o, &clock);
  EXPECT_FALSE((*q)->Info(*tok, 1).has_value());
}

TEST(JwtTest, KeyAndMethodMismatchesAreRefusedAtCreate) {
  FakeClock clock;
  JwtOptions o;
  o.sign_method = "ES256";
  o.public_key_pem = Rsa().pub;
  EXPECT_FALSE(JwtTokenProvider::Create(o, &clock).ok());
  o.sign_method = "ES384";
  o.public_key_pem = Ec("P-256").pub;
  EXPECT_FALSE(JwtTokenProvider::Create(o, &clock).ok());
  o.sign_method = "RS256";
  EXPECT_FALSE(JwtTokenProvider::Create(o, &clock).ok());
  o.sign_method = "XX256";
  o.public_key_pem = Rsa().pub;
  EXPECT_FALSE(JwtTokenProvider::Create(o, &clock).ok());
  o.sign_method = "RS256";
  o.public_key_pem = "not a pem";
  EXPECT_FALSE(JwtTokenProvider::Create(o, &clock).ok());
  o.public_key_pem.clear();
  EXPECT_FALSE(JwtTokenProvider::Create(o, &clock).ok());  // no key at all
  o.sign_method = "HS256";
  EXPECT_FALSE(JwtTokenProvider::Create(o, &clock).ok());
}

}  // namespace
}  // namespace etcd::auth
