#include "tools/etcdctl/manpage.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/manpage.h"

namespace etcd::etcdctl {
namespace {

void Leaves(const Command& c, std::vector<const Command*>* out) {
  for (const auto& child : c.children) {
    if (child->run) out->push_back(child.get());
    Leaves(*child, out);
  }
}

TEST(ManPageTest, EveryCommandOfHelpHasASection) {
  auto root = NewRootCommand();
  const std::string page = ManPage(*root, "3.5.0");
  const std::string help = UsageText(*root);
  std::vector<const Command*> leaves;
  Leaves(*root, &leaves);
  ASSERT_GT(leaves.size(), 40u);
  for (const Command* c : leaves) {
    const std::string path = c->Path().substr(std::string("etcdctl ").size());
    EXPECT_NE(help.find("  " + path + " "), std::string::npos) << path;
    EXPECT_NE(page.find(".SS " + config::RoffEscape(path) + "\n"), std::string::npos) << path;
  }
}

TEST(ManPageTest, EveryFlagIsDocumented) {
  auto root = NewRootCommand();
  const std::string page = ManPage(*root, "3.5.0");
  std::vector<const Command*> cmds;
  Leaves(*root, &cmds);
  cmds.push_back(root.get());
  for (const Command* c : cmds) {
    for (const FlagSet* fs : {&c->flags, &c->persistent}) {
      for (const Flag& f : fs->flags()) {
        EXPECT_NE(page.find("\\fB\\-\\-" + config::RoffEscape(f.name) + "\\fR"), std::string::npos)
            << c->Path() << " --" << f.name;
      }
    }
  }
}

TEST(ManPageTest, HeaderAndSections) {
  auto root = NewRootCommand();
  const std::string page = ManPage(*root, "3.5.0");
  EXPECT_EQ(page.find(".\\\""), 0u);
  EXPECT_NE(page.find(".TH ETCDCTL 1 \"\" \"etcdctl 3.5.0\""), std::string::npos);
  for (const char* s : {".SH NAME", ".SH SYNOPSIS", ".SH GLOBAL FLAGS", ".SH ENVIRONMENT",
                        ".SH COMMANDS", ".SH EXIT STATUS", ".SH SEE ALSO"}) {
    EXPECT_NE(page.find(std::string("\n") + s + "\n"), std::string::npos) << s;
  }
  // Defaults shown as --help shows them.
  EXPECT_NE(page.find("(default: \"simple\")"), std::string::npos);
  EXPECT_NE(page.find("(default: 5s)"), std::string::npos);
}

}  // namespace
}  // namespace etcd::etcdctl
