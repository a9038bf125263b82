#include "tools/etcdctl/flags.h"

#include <gtest/gtest.h>

namespace etcd::etcdctl {
namespace {

FlagSet Sample() {
  FlagSet f;
  f.String("write-out", 'w', "simple", "");
  f.Bool("prefix", 0, false, "");
  f.Bool("interactive", 'i', false, "");
  f.Bool("listen", 'l', false, "");
  f.Int64("rev", 0, 0, "");
  f.Duration("dial-timeout", 0, "2s", "");
  f.StringSlice("endpoints", 0, "127.0.0.1:2379", "");
  return f;
}

TEST(FlagsTest, LongShortAndInterspersed) {
  FlagSet f = Sample();
  ASSERT_TRUE(
      f.Parse({"foo", "--rev=3", "-w", "json", "--prefix", "bar", "--dial-timeout", "1s"}).ok());
  EXPECT_EQ(f.args(), (std::vector<std::string>{"foo", "bar"}));
  EXPECT_EQ(f.GetInt("rev"), 3);
  EXPECT_EQ(f.GetString("write-out"), "json");
  EXPECT_TRUE(f.GetBool("prefix"));
  EXPECT_EQ(f.GetInt("dial-timeout"), 1000000000);
  EXPECT_TRUE(f.Changed("rev"));
}

TEST(FlagsTest, ShorthandForms) {
  FlagSet f = Sample();
  ASSERT_TRUE(f.Parse({"-wjson", "-il"}).ok());
  EXPECT_EQ(f.GetString("write-out"), "json");
  EXPECT_TRUE(f.GetBool("interactive"));
  EXPECT_TRUE(f.GetBool("listen"));
  FlagSet g = Sample();
  ASSERT_TRUE(g.Parse({"-w=table"}).ok());
  EXPECT_EQ(g.GetString("write-out"), "table");
}

TEST(FlagsTest, DashDashEndsFlags) {
  FlagSet f = Sample();
  ASSERT_TRUE(f.Parse({"k", "--", "echo", "--prefix"}).ok());
  EXPECT_EQ(f.args(), (std::vector<std::string>{"k", "echo", "--prefix"}));
  EXPECT_EQ(f.args_len_at_dash(), 1);
  EXPECT_FALSE(f.GetBool("prefix"));
}

TEST(FlagsTest, ErrorsAsPflag) {
  FlagSet f = Sample();
  EXPECT_EQ(f.Parse({"--bogus"}).message(), "unknown flag: --bogus");
  EXPECT_EQ(Sample().Parse({"-x"}).message(), "unknown shorthand flag: 'x' in -x");
  EXPECT_EQ(Sample().Parse({"--rev"}).message(), "flag needs an argument: --rev");
  EXPECT_EQ(Sample().Parse({"-w"}).message(), "flag needs an argument: 'w' in -w");
  EXPECT_EQ(Sample().Parse({"--rev", "abc"}).message(),
            "invalid argument \"abc\" for \"--rev\" flag: strconv.ParseInt: parsing \"abc\": "
            "invalid syntax");
  EXPECT_EQ(Sample().Parse({"--dial-timeout=x"}).message(),
            "invalid argument \"x\" for \"--dial-timeout\" flag: time: invalid duration \"x\"");
  EXPECT_EQ(Sample().Parse({"-i=x"}).message(),
            "invalid argument \"x\" for \"-i, --interactive\" flag: strconv.ParseBool: parsing "
            "\"x\": invalid syntax");
}

TEST(FlagsTest, StringSliceReplacesDefaultThenAppends) {
  FlagSet f = Sample();
  EXPECT_EQ(f.Lookup("endpoints")->ValueString(), "[127.0.0.1:2379]");
  ASSERT_TRUE(f.Parse({"--endpoints=a:1,b:2", "--endpoints", "c:3"}).ok());
  EXPECT_EQ(f.GetStringSlice("endpoints"), (std::vector<std::string>{"a:1", "b:2", "c:3"}));
  EXPECT_EQ(f.Lookup("dial-timeout")->ValueString(), "2s");
}

TEST(FlagsTest, Help) {
  FlagSet f = Sample();
  ASSERT_TRUE(f.Parse({"-h"}).ok());
  EXPECT_TRUE(f.help());
}

}  // namespace
}  // namespace etcd::etcdctl
