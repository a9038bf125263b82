#include "auth/token_options.h"

#include <gtest/gtest.h>
#include <leveldb/helpers/memenv.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/jwt_token.h"
#include "auth/simple_token.h"

namespace etcd::auth {
namespace {

using namespace std::chrono_literals;

TEST(ParseGoDurationTest, Values) {
  EXPECT_EQ(*ParseGoDuration("5m"), Clock::Duration(5min));
  EXPECT_EQ(*ParseGoDuration("1h30m"), Clock::Duration(90min));
  EXPECT_EQ(*ParseGoDuration("300ms"), Clock::Duration(300ms));
  EXPECT_EQ(*ParseGoDuration("1.5s"), Clock::Duration(1500ms));
  EXPECT_EQ(*ParseGoDuration("0"), Clock::Duration(0));
  EXPECT_FALSE(ParseGoDuration("").ok());
  EXPECT_FALSE(ParseGoDuration("5").ok());
  EXPECT_FALSE(ParseGoDuration("5x").ok());
  EXPECT_FALSE(ParseGoDuration("m").ok());
}

void WriteFile(Env* env, const std::string& name, const std::string& data) {
  ASSERT_TRUE(leveldb::WriteStringToFile(env, data, name).ok());
}

TEST(NewTokenProviderTest, SimpleAndJwt) {
  std::unique_ptr<Env> env(leveldb::NewMemEnv(Env::Default()));
  FakeClock clock;
  auto simple = NewTokenProvider("simple", 300s, env.get(), &clock);
  ASSERT_TRUE(simple.ok());
  EXPECT_NE(dynamic_cast<SimpleTokenProvider*>(simple->get()), nullptr);

  EVP_PKEY* k = EVP_EC_gen("P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  WriteFile(env.get(), "/priv.pem", std::string(data, n));
  BIO_free(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, k);
  n = BIO_get_mem_data(bio, &data);
  WriteFile(env.get(), "/pub.pem", std::string(data, n));
  BIO_free(bio);
  EVP_PKEY_free(k);

  auto jwt = NewTokenProvider("jwt,pub-key=/pub.pem,priv-key=/priv.pem,sign-method=ES256,ttl=10s",
                              300s, env.get(), &clock);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  auto tok = (*jwt)->Assign("u", 1, "", 1);
  ASSERT_TRUE(tok.ok());
  EXPECT_TRUE((*jwt)->Info(*tok, 1).has_value());
  clock.Advance(12s);
  EXPECT_FALSE((*jwt)->Info(*tok, 1).has_value());

  EXPECT_FALSE(
      NewTokenProvider("jwt,pub-key=/missing.pem,sign-method=ES256", 300s, env.get(), &clock).ok());
  EXPECT_FALSE(NewTokenProvider("jwt,bogus=1,sign-method=ES256", 300s, env.get(), &clock).ok());
  EXPECT_FALSE(
      NewTokenProvider("jwt,pub-key=/pub.pem,sign-method=ES256,ttl=x", 300s, env.get(), &clock)
          .ok());
  EXPECT_FALSE(NewTokenProvider("oauth", 300s, env.get(), &clock).ok());
}

}  // namespace
}  // namespace etcd::auth
