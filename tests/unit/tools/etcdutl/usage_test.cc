#include "tools/etcdutl/usage.h"

#include <gtest/gtest.h>

#include <string>

#include "config/manpage.h"

namespace etcd::etcdutl {
namespace {

TEST(UsageTest, HelpTextIsUnchanged) {
  EXPECT_EQ(UsageText(),
            "NAME:\n\tetcdutl - An administrative command line tool for etcd3.\n\n"
            "USAGE:\n\tetcdutl [flags] <command>\n\n"
            "COMMANDS:\n"
            "\tbackup\t\t[legacy] offline backup of etcd directory\n"
            "\tdefrag\t\tDefragments the storage of the etcd\n"
            "\thelp\t\tHelp about any command\n"
            "\tsnapshot restore\tRestores an etcd member snapshot to an etcd directory\n"
            "\tsnapshot status\t\tGets backend snapshot status of a given file\n"
            "\tversion\t\tPrints the version of etcdutl\n\n"
            "OPTIONS:\n"
            "  -h, --help\t\t\thelp for etcdutl\n"
            "  -w, --write-out string\tset the output format (fields, json, protobuf, simple, "
            "table) (default \"simple\")\n");
}

TEST(UsageTest, KnownFlagsComeFromTheTable) {
  const auto known = KnownFlags();
  EXPECT_TRUE(known.at("help"));
  EXPECT_TRUE(known.at("h"));
  EXPECT_FALSE(known.at("write-out"));
  EXPECT_FALSE(known.at("data-dir"));
  EXPECT_TRUE(known.at("skip-hash-check"));
  EXPECT_TRUE(known.at("with-v3"));
  EXPECT_FALSE(known.at("initial-memory-map-size"));
  EXPECT_EQ(known.count("w"), 0u);  // -w is mapped to --write-out by the parser
}

TEST(UsageTest, ManPageHasEveryCommandAndFlag) {
  const std::string page = ManPage("3.5.0");
  EXPECT_NE(page.find(".TH ETCDUTL 1 \"\" \"etcdutl 3.5.0\""), std::string::npos);
  for (const UtlCommand& c : Commands()) {
    EXPECT_NE(page.find(".SS " + config::RoffEscape(c.path) + "\n"), std::string::npos) << c.path;
    for (const UtlFlag& f : c.flags) {
      EXPECT_NE(page.find("\\fB\\-\\-" + config::RoffEscape(f.name) + "\\fR"), std::string::npos)
          << c.path << " --" << f.name;
    }
  }
  for (const UtlFlag& f : GlobalFlags()) {
    EXPECT_NE(page.find("\\fB\\-\\-" + config::RoffEscape(f.name) + "\\fR"), std::string::npos);
  }
}

}  // namespace
}  // namespace etcd::etcdutl
