// Parse(): Go flag syntax, environment variables, precedence and conflicts, legacy
// flags, the config file's "everything else is ignored" rule, help/version/check-config.
#include "config/parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/url.h"
#include "test_util.h"

namespace etcd::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Env = std::map<std::string, std::string>;

absl::StatusOr<ParseResult> P(std::vector<std::string> args, Env env = {}) {
  return Parse(args, env);
}

TEST(ParseDefaults, MatchEtcd) {
  auto r = P({});
  ASSERT_TRUE(r.ok()) << r.status();
  const ServerConfig& c = r->config;
  EXPECT_EQ(c.name, "default");
  EXPECT_EQ(c.data_dir, "default.etcd");
  EXPECT_EQ(JoinUrls(c.listen_peer_urls), "http://localhost:2380");
  EXPECT_EQ(JoinUrls(c.listen_client_urls), "http://localhost:2379");
  EXPECT_EQ(JoinUrls(c.initial_advertise_peer_urls), "http://localhost:2380");
  EXPECT_EQ(JoinUrls(c.advertise_client_urls), "http://localhost:2379");
  EXPECT_EQ(FormatInitialCluster(c.initial_cluster), "default=http://localhost:2380");
  EXPECT_FALSE(c.initial_cluster_given);
  EXPECT_EQ(c.initial_cluster_state, ClusterState::kNew);
  EXPECT_EQ(c.ElectionTicks(), 10);
  EXPECT_THAT(r->warnings, IsEmpty());
  EXPECT_FALSE(r->help || r->version || r->check_config);
  for (const auto& [flag, source] : r->sources) {
    EXPECT_EQ(source.kind, Source::kDefault) << flag;
  }
}

// ---- Go flag syntax ----

TEST(ParseSyntax, AllSpellingsOfAFlag) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"-name", "x"}, {"--name", "x"}, {"--name=x"}, {"-name=x"}}) {
    auto r = P(args);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->config.name, "x");
    EXPECT_EQ(r->sources.at("name").detail, "--name");
  }
}

TEST(ParseSyntax, ValueMayStartWithADashOrBeEmpty) {
  EXPECT_EQ(P({"--initial-cluster-token", "-tok"})->config.initial_cluster_token, "-tok");
  EXPECT_EQ(P({"--initial-cluster-token="})->config.initial_cluster_token, "");
}

TEST(ParseSyntax, LastOccurrenceWins) {
  EXPECT_EQ(P({"--name", "a", "--name", "b"})->config.name, "b");
}

TEST(ParseSyntax, BooleanForms) {
  EXPECT_TRUE(P({"--enable-v2"})->config.enable_v2);
  EXPECT_TRUE(P({"-enable-v2=1"})->config.enable_v2);
  EXPECT_FALSE(P({"--enable-v2=f"})->config.enable_v2);
  EXPECT_FALSE(P({"--strict-reconfig-check=false"})->config.strict_reconfig_check);
}

TEST(ParseSyntax, BooleanWithSeparateValueIsAStrayArgument) {
  auto r = P({"--enable-v2", "false"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("'false' is not a valid flag"));
  EXPECT_THAT(r.status().message(), HasSubstr("write --enable-v2=false"));
  EXPECT_EQ(ExitCodeFor(r.status()), 1);
}

TEST(ParseSyntax, PositionalArgumentIsExit1) {
  auto r = P({"--name", "x", "foo"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::StartsWith("'foo' is not a valid flag"));
  EXPECT_EQ(ExitCodeFor(r.status()), 1);
}

TEST(ParseSyntax, DoubleDashEndsFlags) {
  auto r = P({"--name", "x", "--", "--data-dir", "y"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("'--data-dir' is not a valid flag"));
  EXPECT_TRUE(P({"--name", "x", "--"}).ok());
}

TEST(ParseSyntax, FlagsAfterAPositionalAreNotParsed) {
  auto r = P({"foo", "--bogus"});  // Go stops at "foo"; --bogus is never looked at
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("'foo' is not a valid flag"));
}

TEST(ParseSyntax, UnknownFlagIsExit2WithSuggestion) {
  auto r = P({"--bogus"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::StartsWith("flag provided but not defined: -bogus"));
  EXPECT_EQ(ExitCodeFor(r.status()), 2);
  r = P({"--naem", "x"});
  EXPECT_THAT(r.status().message(), HasSubstr("did you mean --name?"));
}

TEST(ParseSyntax, MissingArgumentIsExit2) {
  auto r = P({"--name"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::StartsWith("flag needs an argument: -name"));
  EXPECT_EQ(ExitCodeFor(r.status()), 2);
}

TEST(ParseSyntax, BadFlagSyntaxIsExit2) {
  for (const char* arg : {"---name", "-=x", "--=x"}) {
    auto r = P({arg, "x"});
    ASSERT_FALSE(r.ok()) << arg;
    EXPECT_THAT(std::string(r.status().message()),
                ::testing::StartsWith(std::string("bad flag syntax: ") + arg));
    EXPECT_EQ(ExitCodeFor(r.status()), 2);
  }
}

TEST(ParseSyntax, FirstBadValueInArgvOrderIsReported) {
  auto r = P({"--snapshot-count", "x", "--heartbeat-interval", "y"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("-snapshot-count"));
}

TEST(ParseSyntax, InvalidBooleanUsesGosWording) {
  auto r = P({"--enable-v2=maybe"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::StartsWith("invalid boolean value \"maybe\" for -enable-v2: parse "
                                    "error (from --enable-v2 on the command line"));
  EXPECT_EQ(ExitCodeFor(r.status()), 2);
}

TEST(ParseSyntax, ExitCodes) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(P({"--heartbeat-interval", "abc"}).status()), 2);
  EXPECT_EQ(ExitCodeFor(P({}, {{"ETCD_HEARTBEAT_INTERVAL", "abc"}}).status()), 1);
  EXPECT_EQ(ExitCodeFor(P({"--election-timeout", "200"}).status()), 1);
}

// ---- help and version ----

TEST(ParseHelp, HelpInAnySpellingStopsParsing) {
  for (const char* h : {"-h", "--h", "-help", "--help"}) {
    auto r = P({"--name", "x", h, "--bogus", "stray"});
    ASSERT_TRUE(r.ok()) << h << ": " << r.status();
    EXPECT_TRUE(r->help);
  }
  EXPECT_FALSE(P({"--bogus", "--help"}).ok());  // Go reports what it reached first
}

TEST(ParseVersion, SkipsValidation) {
  auto r = P({"--version", "--election-timeout", "1"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->version);
  EXPECT_TRUE(P({"-version"})->version);
  EXPECT_FALSE(P({"--version=false"})->version);
  EXPECT_FALSE(P({"--version", "stray"}).ok());  // positional check comes first
}

TEST(ParseVersion, EtcdVersionVariableIsIgnored) {
  auto r = P({}, {{"ETCD_VERSION", "3.4.23"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->version);
  EXPECT_THAT(r->warnings, ElementsAre(HasSubstr("ignoring ETCD_VERSION=3.4.23")));
  r = P({}, {{"ETCD_VERSION", "true"}});
  EXPECT_FALSE(r->version);
  EXPECT_THAT(r->warnings, IsEmpty());
}

TEST(ParseCheckConfig, FlagOrVariable) {
  EXPECT_TRUE(P({"--check-config"})->check_config);
  EXPECT_TRUE(P({}, {{"ETCD_CHECK_CONFIG", "true"}})->check_config);
  EXPECT_FALSE(P({"--check-config=false"}, {{"ETCD_CHECK_CONFIG", "true"}})->check_config);
  // A broken configuration is still an error under --check-config.
  EXPECT_FALSE(P({"--check-config", "--election-timeout", "1"}).ok());
}

TEST(ParseCheckConfig, DescribeConfigShowsValuesAndSources) {
  auto r = P({"--check-config", "--name", "n1"}, {{"ETCD_HEARTBEAT_INTERVAL", "50"}});
  ASSERT_TRUE(r.ok()) << r.status();
  std::string report = DescribeConfig(*r);
  EXPECT_THAT(report, HasSubstr("name = n1  (--name on the command line)\n"));
  EXPECT_THAT(report, HasSubstr("data-dir = n1.etcd  (the default)\n"));
  EXPECT_THAT(report,
              HasSubstr("heartbeat-interval = 50  (ETCD_HEARTBEAT_INTERVAL in the environment)\n"));
  EXPECT_THAT(report, HasSubstr("initial-cluster = n1=http://localhost:2380  (the default)\n"));
  EXPECT_THAT(report, HasSubstr("grpc-keepalive-interval = 2h0m0s  (the default)\n"));
  EXPECT_THAT(report, ::testing::Not(HasSubstr("version")));
}

// ---- environment ----

TEST(ParseEnv, UnrecognizedVariablesWarn) {
  auto r = P({}, {{"ETCD_FOO", "bar"},
                  {"ETCD_name", "x"},  // names are upper case
                  {"ETCDCTL_API", "3"},
                  {"ETCD_UNSUPPORTED_ARCH", "arm64"},
                  {"PATH", "/bin"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->warnings, ElementsAre("unrecognized environment variable ETCD_FOO=bar",
                                       "unrecognized environment variable ETCD_name=x"));
  EXPECT_EQ(r->config.name, "default");
}

TEST(ParseEnv, EnvironmentIsUsedWhenTheFlagIsAbsent) {
  auto r = P({"--data-dir", "/d"}, {{"ETCD_NAME", "n1"}, {"ETCD_DATA_DIR", ""}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.name, "n1");
  EXPECT_EQ(r->config.data_dir, "/d");
  EXPECT_EQ(r->sources.at("name"), (Source{Source::kEnv, "ETCD_NAME"}));
  EXPECT_EQ(r->sources.at("data-dir"), (Source{Source::kFlag, "--data-dir"}));
  EXPECT_THAT(r->warnings, IsEmpty());
}

// Difference from etcd 3.4, which exits 1 on any flag + variable pair.
TEST(ParseConflict, DifferentValuesFlagWinsWithWarning) {
  auto r = P({"--name", "b"}, {{"ETCD_NAME", "a"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.name, "b");
  EXPECT_EQ(r->sources.at("name").kind, Source::kFlag);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_THAT(r->warnings[0], HasSubstr("--name=\"b\" on the command line overrides "
                                        "ETCD_NAME=\"a\" in the environment; using \"b\""));
}

TEST(ParseConflict, SameValueIsSilent) {
  auto r = P({"--name", "a"}, {{"ETCD_NAME", "a"}});
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->warnings, IsEmpty());
}

TEST(ParseConflict, EquivalentValuesAreTheSame) {
  auto r = P({"--listen-peer-urls", "http://10.0.0.2:2380,http://10.0.0.1:2380",
              "--initial-cluster", "a=http://10.0.0.1:2380,b=http://10.0.0.2:2380",
              "--heartbeat-interval", "0x64", "--enable-v2"},
             {{"ETCD_LISTEN_PEER_URLS", "http://10.0.0.1:2380, http://10.0.0.2:2380"},
              {"ETCD_INITIAL_CLUSTER", "a=http://10.0.0.1:2380,b=http://10.0.0.2:2380,"},
              {"ETCD_HEARTBEAT_INTERVAL", "100"},
              {"ETCD_ENABLE_V2", "1"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->warnings, IsEmpty());
}

TEST(ParseConflict, BadEnvironmentValueUnderAFlagIsOnlyAWarning) {
  auto r = P({"--heartbeat-interval", "100"}, {{"ETCD_HEARTBEAT_INTERVAL", "abc"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->warnings.size(), 1u);
}

// ---- legacy flags ----

TEST(ParseLegacy, AcceptedAndIgnoredWithWarning) {
  auto r = P({"--snapshot", "--v", "--max-retry-attempts=5", "--name", "x"},
             {{"ETCD_CLUSTER_ACTIVE_SIZE", "3"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.name, "x");
  EXPECT_THAT(r->warnings,
              ElementsAre("--snapshot is no longer supported and is ignored",
                          "--v is no longer supported and is ignored",
                          "--max-retry-attempts is no longer supported and is ignored",
                          "ETCD_CLUSTER_ACTIVE_SIZE=3 is no longer supported and is ignored"));
  EXPECT_EQ(r->sources.count("snapshot"), 0u);
}

TEST(ParseLegacy, SeparateValueIsAStrayArgumentWithExplanation) {
  auto r = P({"--peer-heartbeat-interval", "100"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("'100' is not a valid flag"));
  EXPECT_THAT(r.status().message(),
              HasSubstr("--peer-heartbeat-interval is no longer supported and takes no "
                        "separate value"));
  EXPECT_EQ(ExitCodeFor(r.status()), 1);
}

// ---- config file ----

TEST(ParseConfigFile, FileIsTheOnlySourceAndIgnoredSettingsAreListed) {
  std::string path = testing_util::WriteTempFile("name: from-file\n");
  auto r = P({"--config-file", path, "--data-dir", "/flag", "--check-config"},
             {{"ETCD_NAME", "from-env"}, {"ETCD_SNAPSHOT_COUNT", ""}, {"ETCD_FOO", "x"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.name, "from-file");
  EXPECT_EQ(r->config.data_dir, "from-file.etcd");
  EXPECT_EQ(r->config.config_file, path);
  EXPECT_TRUE(r->check_config);
  EXPECT_EQ(r->sources.at("config-file"), (Source{Source::kFlag, "--config-file"}));
  EXPECT_EQ(r->sources.at("name"), (Source{Source::kConfigFile, path}));
  EXPECT_THAT(r->warnings,
              ElementsAre("unrecognized environment variable ETCD_FOO=x",
                          "configuration is read from config file " + path +
                              " only; as in etcd, these command-line flags and environment "
                              "variables were ignored: --data-dir, ETCD_NAME"));
}

TEST(ParseConfigFile, FromEnvironmentVariable) {
  std::string path = testing_util::WriteTempFile("name: n9\n");
  auto r = P({}, {{"ETCD_CONFIG_FILE", path}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.name, "n9");
  EXPECT_EQ(r->sources.at("config-file"), (Source{Source::kEnv, "ETCD_CONFIG_FILE"}));
  EXPECT_THAT(r->warnings, IsEmpty());
}

TEST(ParseConfigFile, FlagBeatsVariable) {
  std::string a = testing_util::WriteTempFile("name: a\n");
  std::string b = testing_util::WriteTempFile("name: b\n");
  auto r = P({"--config-file", a}, {{"ETCD_CONFIG_FILE", b}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.name, "a");
  EXPECT_THAT(r->warnings, ElementsAre(HasSubstr("were ignored: ETCD_CONFIG_FILE")));
  EXPECT_THAT(P({"--config-file", a}, {{"ETCD_CONFIG_FILE", a}})->warnings, IsEmpty());
}

TEST(ParseConfigFile, MissingFileIsEtcdsError) {
  auto r = P({"--config-file", "/nonexistent/etcd.yml"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "open /nonexistent/etcd.yml: no such file or directory");
  EXPECT_EQ(ExitCodeFor(r.status()), 1);
}

TEST(ParseConfigFile, BadValueNamesTheKeyAndFile) {
  std::string path = testing_util::WriteTempFile("initial-cluster-state: bogus\n");
  auto r = P({"--config-file", path});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "invalid value \"bogus\" for flag -initial-cluster-state: invalid value (from "
            "\"initial-cluster-state\" in config file " +
                path + "; expected \"new\" or \"existing\")");
  EXPECT_EQ(ExitCodeFor(r.status()), 1);
  path = testing_util::WriteTempFile("peer-transport-security:\n  client-cert-auth: maybe\n");
  r = P({"--config-file", path});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("\"peer-transport-security.client-cert-auth\" in config file"));
}

TEST(ParseConfigFile, VersionAndHelpStillWork) {
  EXPECT_TRUE(P({"--config-file", "/nonexistent.yml", "--version"})->version);
  EXPECT_TRUE(P({"--config-file", "/nonexistent.yml", "--help"})->help);
}

// ---- errors name the setting, the value and the source ----

TEST(ParseErrors, EnvironmentValueErrorFromTheBrief) {
  auto r = P({}, {{"ETCD_INITIAL_CLUSTER_STATE", "bogus"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "invalid value \"bogus\" for flag -initial-cluster-state: invalid value (from "
            "ETCD_INITIAL_CLUSTER_STATE in the environment; expected \"new\" or "
            "\"existing\")");
  EXPECT_EQ(ExitCodeFor(r.status()), 1);
}

TEST(ParseErrors, ValidationErrorShowsValueAndSource) {
  auto r = P({"--advertise-client-urls", "http://10.0.0.1:2379"},
             {{"ETCD_LISTEN_CLIENT_URLS", "http://example.com:2379"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "expected IP in URL for binding (http://example.com:2379) (from "
            "ETCD_LISTEN_CLIENT_URLS=\"http://example.com:2379\" in the environment; listen "
            "URLs must use an IP address (0.0.0.0 for all interfaces) or localhost; host "
            "names belong in the advertise URLs)");
}

TEST(DescribeSource, AllKinds) {
  EXPECT_EQ(DescribeSource("name", {Source::kFlag, "--name"}), "--name on the command line");
  EXPECT_EQ(DescribeSource("name", {Source::kEnv, "ETCD_NAME"}), "ETCD_NAME in the environment");
  EXPECT_EQ(DescribeSource("name", {Source::kConfigFile, "/e.yml"}),
            "\"name\" in config file /e.yml");
  EXPECT_EQ(DescribeSource("peer-cert-file", {Source::kConfigFile, "/e.yml"}),
            "\"peer-transport-security.cert-file\" in config file /e.yml");
  EXPECT_EQ(DescribeSource("name", {}), "the default");
}

}  // namespace
}  // namespace etcd::config
