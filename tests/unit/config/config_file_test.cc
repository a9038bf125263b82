#include "config/config_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/parser.h"
#include "leveldb/env.h"
#include "leveldb/helpers/memenv.h"
#include "test_util.h"

namespace etcd::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Loaded {
  absl::Status status;
  RawValues values;
  std::vector<std::string> warnings;
  std::string Get(const std::string& flag) const {
    auto it = values.find(flag);
    return it == values.end() ? "<unset>" : it->second.value;
  }
};

Loaded Load(const std::string& yaml) {
  Loaded l;
  l.status = ParseConfigYaml(yaml, "/e.yml", &l.values, &l.warnings);
  return l;
}

TEST(ConfigYaml, ScalarsBecomeFlagText) {
  Loaded l = Load(
      "name: n1\n"
      "heartbeat-interval: 100\n"
      "enable-v2: true\n"
      "initial-cluster-state: 'existing'\n"
      "listen-client-urls: http://10.0.0.1:2379,http://127.0.0.1:2379\n");
  ASSERT_TRUE(l.status.ok()) << l.status;
  EXPECT_EQ(l.Get("name"), "n1");
  EXPECT_EQ(l.Get("heartbeat-interval"), "100");
  EXPECT_EQ(l.Get("enable-v2"), "true");
  EXPECT_EQ(l.Get("initial-cluster-state"), "existing");
  EXPECT_EQ(l.Get("listen-client-urls"), "http://10.0.0.1:2379,http://127.0.0.1:2379");
  EXPECT_EQ(l.values.at("name").source, (Source{Source::kConfigFile, "/e.yml"}));
  EXPECT_THAT(l.warnings, IsEmpty());
}

TEST(ConfigYaml, SequencesAreJoinedForListSettings) {
  Loaded l = Load(
      "log-outputs: [stderr, /var/log/etcd.log]\n"
      "listen-peer-urls:\n  - http://10.0.0.1:2380\n  - http://10.0.0.2:2380\n");
  ASSERT_TRUE(l.status.ok()) << l.status;
  EXPECT_EQ(l.Get("log-outputs"), "stderr,/var/log/etcd.log");
  EXPECT_EQ(l.Get("listen-peer-urls"), "http://10.0.0.1:2380,http://10.0.0.2:2380");
  Loaded bad = Load("name: [a, b]\n");
  EXPECT_FALSE(bad.status.ok());
  EXPECT_THAT(bad.status.message(),
              HasSubstr("invalid value for \"name\" in config file /e.yml: expected a single "
                        "value, not a list"));
}

TEST(ConfigYaml, DurationsAsGoStringsOrNanoseconds) {
  Loaded l = Load(
      "grpc-keepalive-min-time: 10s\n"
      "grpc-keepalive-interval: 7200000000000\n"
      "experimental-corrupt-check-time: 0\n");
  ASSERT_TRUE(l.status.ok());
  EXPECT_EQ(l.Get("grpc-keepalive-min-time"), "10s");
  EXPECT_EQ(l.Get("grpc-keepalive-interval"), "7200000000000ns");
  EXPECT_EQ(l.Get("experimental-corrupt-check-time"), "0");
  std::string path = testing_util::WriteTempFile("grpc-keepalive-interval: 7200000000000\n");
  auto r = Parse({"--config-file", path}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.grpc_keepalive_interval, std::chrono::hours(2));
}

TEST(ConfigYaml, Yaml11Booleans) {
  Loaded l =
      Load("enable-v2: yes\npre-vote: off\ninitial-election-tick-advance: On\nenable-pprof: N\n");
  ASSERT_TRUE(l.status.ok());
  EXPECT_EQ(l.Get("enable-v2"), "true");
  EXPECT_EQ(l.Get("pre-vote"), "false");
  EXPECT_EQ(l.Get("initial-election-tick-advance"), "true");
  EXPECT_EQ(l.Get("enable-pprof"), "false");
  // Only for booleans: "proxy: off" stays the word "off".
  EXPECT_EQ(Load("proxy: off\n").Get("proxy"), "off");
}

TEST(ConfigYaml, NullKeepsTheDefault) {
  Loaded l = Load("wal-dir:\nname: ~\n");
  ASSERT_TRUE(l.status.ok());
  EXPECT_THAT(l.values, IsEmpty());
}

TEST(ConfigYaml, TransportSecuritySections) {
  Loaded l = Load(
      "client-transport-security:\n"
      "  cert-file: /c.pem\n  key-file: /k.pem\n  client-cert-auth: true\n"
      "  trusted-ca-file: /ca.pem\n  auto-tls: false\n  crl-file: /crl\n"
      "  allowed-hostname: c.example.com\n"
      "peer-transport-security:\n"
      "  cert-file: /pc.pem\n  key-file: /pk.pem\n  client-cert-auth: true\n"
      "  trusted-ca-file: /pca.pem\n  auto-tls: true\n  allowed-cn: peer\n"
      "  allowed-hostname: p.example.com\n  crl-file: /pcrl\n");
  ASSERT_TRUE(l.status.ok()) << l.status;
  EXPECT_THAT(l.warnings, IsEmpty());
  EXPECT_EQ(l.Get("cert-file"), "/c.pem");
  EXPECT_EQ(l.Get("key-file"), "/k.pem");
  EXPECT_EQ(l.Get("client-cert-auth"), "true");
  EXPECT_EQ(l.Get("trusted-ca-file"), "/ca.pem");
  EXPECT_EQ(l.Get("auto-tls"), "false");
  EXPECT_EQ(l.Get("client-crl-file"), "/crl");
  EXPECT_EQ(l.Get("client-cert-allowed-hostname"), "c.example.com");
  EXPECT_EQ(l.Get("peer-cert-file"), "/pc.pem");
  EXPECT_EQ(l.Get("peer-key-file"), "/pk.pem");
  EXPECT_EQ(l.Get("peer-client-cert-auth"), "true");
  EXPECT_EQ(l.Get("peer-trusted-ca-file"), "/pca.pem");
  EXPECT_EQ(l.Get("peer-auto-tls"), "true");
  EXPECT_EQ(l.Get("peer-cert-allowed-cn"), "peer");
  EXPECT_EQ(l.Get("peer-cert-allowed-hostname"), "p.example.com");
  EXPECT_EQ(l.Get("peer-crl-file"), "/pcrl");
}

TEST(ConfigYaml, UnknownKeysAreWarnings) {
  Loaded l = Load(
      "bogus: 1\n"
      "cert-file: /c.pem\n"
      "snapshot: true\n"
      "version: true\n"
      "client-transport-security:\n  allowed-cn: x\n  foo: bar\n");
  ASSERT_TRUE(l.status.ok()) << l.status;
  EXPECT_THAT(l.values, IsEmpty());
  EXPECT_THAT(l.warnings,
              ElementsAre("unknown key \"bogus\" in config file /e.yml is ignored",
                          "unknown key \"cert-file\" in config file /e.yml is ignored (write it as "
                          "client-transport-security.cert-file)",
                          "unknown key \"snapshot\" in config file /e.yml is ignored",
                          "unknown key \"version\" in config file /e.yml is ignored",
                          "unknown key \"client-transport-security.allowed-cn\" in config file "
                          "/e.yml is ignored",
                          "unknown key \"client-transport-security.foo\" in config file /e.yml is "
                          "ignored"));
}

TEST(ConfigYaml, MalformedFiles) {
  EXPECT_TRUE(Load("").status.ok());
  EXPECT_TRUE(Load("# only a comment\n").status.ok());
  Loaded l = Load("name: [unclosed\n");
  EXPECT_FALSE(l.status.ok());
  EXPECT_THAT(l.status.message(), HasSubstr("error parsing config file /e.yml"));
  EXPECT_FALSE(Load("- a\n- b\n").status.ok());
  EXPECT_FALSE(Load("peer-transport-security: x\n").status.ok());
  EXPECT_FALSE(Load("name: {a: 1}\n").status.ok());
}

TEST(ConfigFile, ReadsThroughTheEnvSeam) {
  leveldb::Env* mem = leveldb::NewMemEnv(leveldb::Env::Default());
  ASSERT_TRUE(leveldb::WriteStringToFile(mem, "name: mem\n", "/etc/etcd.yml").ok());
  RawValues values;
  std::vector<std::string> warnings;
  ASSERT_TRUE(LoadConfigFile("/etc/etcd.yml", mem, &values, &warnings).ok());
  EXPECT_EQ(values.at("name").value, "mem");
  auto r = Parse({"--config-file", "/etc/etcd.yml"}, {}, mem);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.name, "mem");
  absl::Status missing = LoadConfigFile("/nope.yml", mem, &values, &warnings);
  EXPECT_EQ(missing.message(), "open /nope.yml: no such file or directory");
  delete mem;
}

TEST(ConfigFile, YamlKeys) {
  EXPECT_EQ(YamlKeyForFlag("name"), "name");
  EXPECT_EQ(YamlKeyForFlag("cert-file"), "client-transport-security.cert-file");
  EXPECT_EQ(YamlKeyForFlag("peer-cert-allowed-cn"), "peer-transport-security.allowed-cn");
  EXPECT_EQ(YamlKeyForFlag("config-file"), "");
  EXPECT_EQ(YamlKeyForFlag("snapshot"), "");
  EXPECT_EQ(YamlKeyForFlag("nope"), "");
}

TEST(ConfigFile, EtcdSampleStyleFile) {
  // The shape of etcd's etcd.conf.yml.sample (values quoted as it quotes them).
  std::string path = testing_util::WriteTempFile(
      "name: 'default'\n"
      "data-dir:\n"
      "wal-dir:\n"
      "snapshot-count: 10000\n"
      "heartbeat-interval: 100\n"
      "election-timeout: 1000\n"
      "quota-backend-bytes: 0\n"
      "listen-peer-urls: http://localhost:2380\n"
      "listen-client-urls: http://localhost:2379\n"
      "max-snapshots: 5\n"
      "max-wals: 5\n"
      "cors:\n"
      "initial-advertise-peer-urls: http://localhost:2380\n"
      "advertise-client-urls: http://localhost:2379\n"
      "discovery:\n"
      "discovery-fallback: 'proxy'\n"
      "discovery-proxy:\n"
      "discovery-srv:\n"
      "initial-cluster:\n"
      "initial-cluster-token: 'etcd-cluster'\n"
      "initial-cluster-state: 'new'\n"
      "strict-reconfig-check: false\n"
      "enable-v2: true\n"
      "enable-pprof: true\n"
      "proxy: 'off'\n"
      "proxy-failure-wait: 5000\n"
      "proxy-refresh-interval: 30000\n"
      "proxy-dial-timeout: 1000\n"
      "proxy-write-timeout: 5000\n"
      "proxy-read-timeout: 0\n"
      "client-transport-security:\n"
      "  cert-file:\n  key-file:\n  client-cert-auth: false\n  trusted-ca-file:\n"
      "  auto-tls: false\n"
      "peer-transport-security:\n"
      "  cert-file:\n  key-file:\n  client-cert-auth: false\n  trusted-ca-file:\n"
      "  auto-tls: false\n"
      "debug: false\n"
      "logger: zap\n"
      "log-outputs: [stderr]\n"
      "force-new-cluster: false\n"
      "auto-compaction-mode: periodic\n"
      "auto-compaction-retention: \"1\"\n");
  auto r = Parse({"--config-file", path}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->warnings, IsEmpty());
  EXPECT_EQ(r->config.snapshot_count, 10000u);
  EXPECT_TRUE(r->config.enable_v2);
  EXPECT_FALSE(r->config.strict_reconfig_check);
  EXPECT_EQ(r->config.logger, "zap");
  EXPECT_EQ(r->config.auto_compaction_period, std::chrono::hours(1));
  EXPECT_EQ(r->config.data_dir, "default.etcd");
  EXPECT_EQ(r->config.initial_cluster.size(), 1u);
}

}  // namespace
}  // namespace etcd::config
