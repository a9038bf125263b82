#include "tools/benchmark/flags.h"

#include <gtest/gtest.h>

namespace etcd::benchmark {
namespace {

absl::StatusOr<CommandLine> Parse(std::vector<std::string> args) { return ParseCommandLine(args); }

TEST(FlagsTest, EtcdDefaults) {
  auto cl = Parse({"put"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "put");
  EXPECT_EQ(cl->global.endpoints, (std::vector<std::string>{"127.0.0.1:2379"}));
  EXPECT_EQ(cl->global.conns, 1);
  EXPECT_EQ(cl->global.clients, 1);
  EXPECT_EQ(cl->put.total, 10000);
  EXPECT_EQ(cl->put.key_size, 8);
  EXPECT_EQ(cl->put.val_size, 8);
  EXPECT_EQ(cl->put.key_space_size, 1);
  EXPECT_EQ(cl->put.compact_index_delta, 1000);
  EXPECT_EQ(cl->watch.streams, 10);
  EXPECT_EQ(cl->watch.watch_per_stream, 100);
  EXPECT_EQ(cl->watch.put_total, 1000);
  EXPECT_EQ(cl->watch.key_size, 32);
  EXPECT_EQ(cl->watch_latency.put_rate, 100);
  EXPECT_EQ(cl->lease_keepalive.total, 10000);
  EXPECT_EQ(cl->range.consistency, "l");
}

TEST(FlagsTest, TheBriefsCommandLine) {
  auto cl = Parse({"--endpoints", "127.0.0.1:23379", "--conns", "100", "--clients", "1000", "put",
                   "--total", "100000", "--key-size", "8", "--val-size", "256"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->global.endpoints, (std::vector<std::string>{"127.0.0.1:23379"}));
  EXPECT_EQ(cl->global.conns, 100);
  EXPECT_EQ(cl->global.clients, 1000);
  EXPECT_EQ(cl->put.total, 100000);
  EXPECT_EQ(cl->put.val_size, 256);
}

TEST(FlagsTest, FormsAndPositions) {
  auto cl =
      Parse({"range", "foo", "--endpoints=a:1,b:2", "--consistency=s", "fop", "--precise",
             "--sample=false", "--total", "5", "--json", "--dial-timeout=1.5s", "--rate", "-1"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "range");
  EXPECT_EQ(cl->range.key, "foo");
  EXPECT_EQ(cl->range.end, "fop");
  EXPECT_EQ(cl->range.consistency, "s");
  EXPECT_EQ(cl->global.endpoints, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_TRUE(cl->global.precise);
  EXPECT_FALSE(cl->global.sample);
  EXPECT_TRUE(cl->global.json);
  EXPECT_EQ(cl->global.dial_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(cl->range.total, 5);
  EXPECT_EQ(cl->range.rate, -1);
  // Repeated list flags append after the first occurrence replaced the default.
  auto twice = Parse({"--endpoints", "a:1", "--endpoints", "b:2", "put"});
  EXPECT_EQ(twice->global.endpoints, (std::vector<std::string>{"a:1", "b:2"}));
  // "--" ends the flags; single-dash long flags work as in pflag.
  auto dash = Parse({"range", "-total=3", "--", "--weird-key"});
  ASSERT_TRUE(dash.ok()) << dash.status();
  EXPECT_EQ(dash->range.total, 3);
  EXPECT_EQ(dash->range.key, "--weird-key");
  EXPECT_TRUE(Parse({"--output", "json", "put"})->global.json);
}

TEST(FlagsTest, SubcommandFlags) {
  auto w = Parse({"watch", "--watchers", "1000", "--streams", "4", "--put-total", "7",
                  "--sequential-keys", "--watched-key-total", "3"});
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->watch.watchers, 1000);
  EXPECT_EQ(w->watch.streams, 4);
  EXPECT_EQ(w->watch.put_total, 7);
  EXPECT_TRUE(w->watch.sequential_keys);
  EXPECT_EQ(w->watch.watched_key_total, 3);
  auto t = Parse({"txn-put", "--txn-ops", "4", "--key-space-size", "100"});
  EXPECT_EQ(t->txn_put.txn_ops, 4);
  EXPECT_EQ(t->txn_put.key_space_size, 100);
  auto p = Parse({"put", "--compact-interval", "5m", "--check-hashkv"});
  EXPECT_EQ(p->put.compact_interval, std::chrono::minutes(5));
  EXPECT_TRUE(p->put.check_hashkv);
  // A flag of another subcommand is unknown here.
  EXPECT_EQ(Parse({"lease-keepalive", "--key-size", "3"}).status().message(),
            "unknown flag: --key-size");
}

TEST(FlagsTest, Errors) {
  EXPECT_EQ(Parse({"put", "--bogus"}).status().message(), "unknown flag: --bogus");
  EXPECT_EQ(Parse({"put", "-x"}).status().message(), "unknown shorthand flag: 'x' in -x");
  EXPECT_EQ(Parse({"frob"}).status().message(), "unknown command \"frob\" for \"benchmark\"");
  EXPECT_EQ(Parse({"put", "--total", "abc"}).status().message(),
            "invalid argument \"abc\" for \"--total\" flag: strconv.ParseInt: parsing \"abc\": "
            "invalid syntax");
  EXPECT_EQ(Parse({"put", "--total"}).status().message(), "flag needs an argument: --total");
  EXPECT_EQ(Parse({"put", "--precise=maybe"}).status().message(),
            "invalid argument \"maybe\" for \"--precise\" flag: strconv.ParseBool: parsing "
            "\"maybe\": invalid syntax");
  EXPECT_FALSE(Parse({"range"}).ok());
  EXPECT_FALSE(Parse({"range", "a", "b", "c"}).ok());
  EXPECT_FALSE(Parse({"range", "a", "--consistency", "x"}).ok());
  EXPECT_FALSE(Parse({"--conns", "0", "put"}).ok());
  EXPECT_FALSE(Parse({"put", "--compact-interval", "5"}).ok());
}

TEST(FlagsTest, Engine) {
  EXPECT_EQ(Parse({"put"})->global.engine, "");
  EXPECT_EQ(Parse({"--engine", "cq", "put"})->global.engine, "cq");
  EXPECT_EQ(Parse({"range", "k", "--engine=h2"})->global.engine, "h2");
  auto bad = Parse({"--engine", "grpc", "put"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--engine must be h2 or cq, got \"grpc\"");
  EXPECT_NE(Usage("").find("--engine string"), std::string::npos);
}

TEST(FlagsTest, H2EngineOnlyOnPlaintextWithoutUser) {
  auto use = [](std::vector<std::string> args) { return UseH2Engine(Parse(args)->global); };
  EXPECT_EQ(*use({"put"}), true);
  EXPECT_EQ(*use({"--endpoints", "http://a:1,b:2,unix://s", "put"}), true);
  EXPECT_EQ(*use({"--engine", "cq", "put"}), false);
  EXPECT_EQ(*use({"--endpoints", "https://a:1", "put"}), false);
  EXPECT_EQ(*use({"--cacert", "ca.pem", "put"}), false);
  EXPECT_EQ(*use({"--user", "root:pw", "put"}), false);
  EXPECT_EQ(*use({"--user", "root:pw", "--engine", "cq", "put"}), false);
  auto bad = use({"--user", "root:pw", "--engine", "h2", "put"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "--engine h2 supports plaintext endpoints without --user only; use --engine cq "
            "with --user");
  EXPECT_FALSE(use({"--endpoints", "a:1,https://b:2", "--engine=h2", "put"}).ok());
}

TEST(FlagsTest, Help) {
  EXPECT_TRUE(Parse({})->help);
  EXPECT_TRUE(Parse({"--help"})->help);
  auto h = Parse({"put", "-h"});
  EXPECT_TRUE(h->help);
  EXPECT_EQ(h->command, "put");
  EXPECT_NE(Usage("").find("Available Commands:\n  put "), std::string::npos);
  EXPECT_NE(Usage("put").find("--key-space-size int"), std::string::npos);
  EXPECT_NE(Usage("put").find("Global Flags:"), std::string::npos);
  EXPECT_NE(Usage("range").find("benchmark range key [end-range] [flags]"), std::string::npos);
}

TEST(GoDurationParseTest, Units) {
  EXPECT_EQ(*ParseGoDuration("0"), std::chrono::nanoseconds(0));
  EXPECT_EQ(*ParseGoDuration("300ms"), std::chrono::milliseconds(300));
  EXPECT_EQ(*ParseGoDuration("1.5h"), std::chrono::minutes(90));
  EXPECT_EQ(*ParseGoDuration("2h45m"), std::chrono::minutes(165));
  EXPECT_EQ(*ParseGoDuration("-1s"), std::chrono::seconds(-1));
  EXPECT_EQ(*ParseGoDuration("10us"), std::chrono::microseconds(10));
  EXPECT_FALSE(ParseGoDuration("").ok());
  EXPECT_FALSE(ParseGoDuration("5").ok());
  EXPECT_FALSE(ParseGoDuration("5x").ok());
  EXPECT_FALSE(ParseGoDuration("ms").ok());
}

}  // namespace
}  // namespace etcd::benchmark
