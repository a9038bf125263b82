// HelpText() lists every flag of the real `etcd --help` (testdata/etcd-help.txt, a
// capture of etcd 3.4.23's output) with the same default, in the same groups.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "config/flags.h"
#include "config/parser.h"

namespace etcd::config {
namespace {

struct HelpFlag {
  std::string line;   // "  --name 'default'"
  std::string name;   // "name"
  std::string group;  // "Member"
};

// Flag lines of etcd's help: two spaces, "--", name, space, default. Groups are the
// lines ending with ':' that start in column 0.
std::vector<HelpFlag> EtcdHelpFlags() {
  std::ifstream in(std::string(CONFIG_TESTDATA) + "/etcd-help.txt");
  EXPECT_TRUE(in.good());
  std::vector<HelpFlag> out;
  std::string line, group;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && absl::EndsWith(line, ":")) {
      group = line.substr(0, line.size() - 1);
      continue;
    }
    if (!absl::StartsWith(line, "  --")) continue;
    std::string rest = line.substr(4);
    std::string name = rest.substr(0, rest.find(' '));
    if (rest.find(' ') == std::string::npos) continue;  // "etcd --version" style lines
    out.push_back({line, name, group});
  }
  return out;
}

TEST(HelpText, ListsEveryEtcdFlagWithTheSameDefault) {
  std::vector<HelpFlag> flags = EtcdHelpFlags();
  ASSERT_EQ(flags.size(), 80u);  // the capture lists 80 flags
  const std::string help = HelpText();
  for (const HelpFlag& f : flags) {
    EXPECT_NE(help.find(f.line + "\n"), std::string::npos) << "missing: " << f.line;
    EXPECT_NE(FindFlag(f.name), nullptr) << "not a flag we accept: --" << f.name;
  }
}

TEST(HelpText, KeepsEtcdsGroups) {
  const std::string help = HelpText();
  std::map<std::string, std::string> our_group;  // flag -> group heading above it
  std::string group;
  for (absl::string_view line : absl::StrSplit(help, '\n')) {
    if (!line.empty() && line[0] != ' ' && absl::EndsWith(line, ":")) {
      group = std::string(line.substr(0, line.size() - 1));
    } else if (absl::StartsWith(line, "  --")) {
      std::string rest(line.substr(4));
      our_group[rest.substr(0, rest.find(' '))] = group;
    }
  }
  for (const HelpFlag& f : EtcdHelpFlags()) {
    if (f.group == "TO BE DEPRECATED") {
      EXPECT_EQ(our_group[f.name], "To be deprecated") << f.name;
    } else {
      EXPECT_EQ(our_group[f.name], f.group) << f.name;
    }
  }
}

TEST(HelpText, ListsEveryFlagWeAccept) {
  const std::string help = HelpText();
  for (const FlagSpec& f : AllFlags()) {
    EXPECT_NE(help.find("--" + f.name + (f.legacy ? "" : " ")), std::string::npos) << f.name;
  }
}

TEST(HelpText, IsOurOwnWords) {
  // Same facts, different prose: no usage line is copied from etcd's help.
  std::ifstream in(std::string(CONFIG_TESTDATA) + "/etcd-help.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string help = HelpText();
  for (absl::string_view line : absl::StrSplit(ss.str(), '\n')) {
    if (!absl::StartsWith(line, "    ") || line.size() < 40) continue;
    EXPECT_EQ(help.find(std::string(line)), std::string::npos) << line;
  }
}

TEST(HelpText, LinesAreWrapped) {
  for (absl::string_view line : absl::StrSplit(HelpText(), '\n')) {
    EXPECT_LE(line.size(), 100u) << line;
  }
}

}  // namespace
}  // namespace etcd::config
