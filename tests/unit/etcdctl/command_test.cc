// Command lookup, flag errors and exit codes that need no server.
#include "tools/etcdctl/command.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

namespace etcd::etcdctl {
namespace {

struct CtlRun {
  int code;
  std::string out, err;
};

CtlRun Exec(std::vector<std::string> args) {
  args.insert(args.begin(), "etcdctl");
  std::ostringstream out, err;
  std::istringstream in;
  const int code = Main(args, out, err, in);
  return {code, out.str(), err.str()};
}

TEST(CommandTest, Version) {
  CtlRun r = Exec({"version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, std::string("etcdctl version: ") + ETCD_VERSION + "\nAPI version: 3.5\n");
}

TEST(CommandTest, UnknownCommandWithSuggestions) {
  CtlRun r = Exec({"gte"});
  EXPECT_EQ(r.code, kExitError);
  const std::string msg =
      "Error: unknown command \"gte\" for \"etcdctl\"\n\nDid you mean this?\n\tget\n\n";
  EXPECT_EQ(r.err, msg + "Run 'etcdctl --help' for usage.\n" + msg);
  CtlRun n = Exec({"no-such-command"});
  EXPECT_EQ(n.err,
            "Error: unknown command \"no-such-command\" for \"etcdctl\"\n"
            "Run 'etcdctl --help' for usage.\n"
            "Error: unknown command \"no-such-command\" for \"etcdctl\"\n");
}

TEST(CommandTest, FlagErrorPrintsUsage) {
  CtlRun r = Exec({"get", "foo", "--bogus"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.err, "Error: unknown flag: --bogus\n\nError: unknown flag: --bogus\n");
  EXPECT_NE(r.out.find("etcdctl get"), std::string::npos);
}

TEST(CommandTest, ArgumentErrorsBeforeAnyConnection) {
  CtlRun r = Exec({"get"});
  EXPECT_EQ(r.code, kExitBadArgs);
  EXPECT_EQ(r.err,
            "Error: get command needs one argument as key and an optional argument as range_end\n");
  CtlRun l = Exec({"lease", "revoke", "zz"});
  EXPECT_EQ(l.code, kExitBadArgs);
  EXPECT_EQ(l.err,
            "Error: bad lease ID arg (strconv.ParseInt: parsing \"zz\": invalid syntax), expecting "
            "ID in Hex\n");
  CtlRun m = Exec({"mem", "rem", "zz"});  // prefix matching
  EXPECT_EQ(m.code, kExitBadArgs);
  EXPECT_EQ(m.err,
            "Error: bad member ID arg (strconv.ParseUint: parsing \"zz\": invalid syntax), "
            "expecting ID in Hex\n");
  CtlRun w = Exec({"watch"});
  EXPECT_EQ(w.code, kExitBadArgs);
  EXPECT_EQ(w.err, "Error: bad number of arguments\n");
}

TEST(CommandTest, OutputFormatAndTlsOptionErrors) {
  CtlRun f = Exec({"--endpoints=127.0.0.1:1", "member", "list", "-w", "yaml"});
  EXPECT_EQ(f.code, kExitBadFeature);
  EXPECT_EQ(f.err, "Error: unsupported output format\n");
  CtlRun c = Exec({"--endpoints=127.0.0.1:1", "get", "a", "--cert="});
  EXPECT_EQ(c.code, kExitBadArgs);
  EXPECT_EQ(c.err, "Error: empty string is passed to --cert option\n");
  CtlRun n = Exec({"--endpoints=127.0.0.1:1", "get", "a", "--cacert=/nonexistent"});
  EXPECT_EQ(n.code, kExitBadArgs);
  EXPECT_EQ(n.err, "Error: open /nonexistent: no such file or directory\n");
}

TEST(CommandTest, EnvironmentConflictIsFatal) {
  setenv("ETCDCTL_ENDPOINTS", "127.0.0.1:1", 1);
  CtlRun r = Exec({"--endpoints=127.0.0.1:2", "get", "a", "-w", "yaml"});
  unsetenv("ETCDCTL_ENDPOINTS");
  EXPECT_EQ(r.code, kExitError);
  EXPECT_NE(r.err.find("C | pkg/flags: conflicting environment variable \"ETCDCTL_ENDPOINTS\" is "
                       "shadowed by corresponding command-line flag (either unset environment "
                       "variable or disable flag)\n"),
            std::string::npos);
}

TEST(CommandTest, EnvironmentSetsGlobalsAndDebugListsThem) {
  setenv("ETCDCTL_WRITE_OUT", "yaml", 1);
  CtlRun r = Exec({"--endpoints=127.0.0.1:1", "--debug", "member", "list"});
  unsetenv("ETCDCTL_WRITE_OUT");
  EXPECT_EQ(r.code, kExitBadFeature);  // the env value was used
  EXPECT_NE(r.err.find("ETCDCTL_ENDPOINTS=[127.0.0.1:1]\n"), std::string::npos);
  EXPECT_NE(r.err.find("ETCDCTL_DIAL_TIMEOUT=2s\n"), std::string::npos);
  EXPECT_NE(r.err.find("ETCDCTL_WRITE_OUT=yaml\n"), std::string::npos);
}

TEST(CommandTest, HelpAndGroups) {
  CtlRun h = Exec({"--help"});
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("member list"), std::string::npos);
  CtlRun g = Exec({"member"});
  EXPECT_EQ(g.code, 0);
  EXPECT_NE(g.out.find("promote"), std::string::npos);
  CtlRun c = Exec({"completion", "bash"});
  EXPECT_EQ(c.code, 0);
  EXPECT_NE(c.out.find("complete -F _etcdctl etcdctl"), std::string::npos);
}

}  // namespace
}  // namespace etcd::etcdctl
