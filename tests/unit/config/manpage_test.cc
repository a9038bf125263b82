#include "config/manpage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/flags.h"

namespace etcd::config {
namespace {

using ::testing::HasSubstr;

TEST(ManPageTest, Escaping) {
  EXPECT_EQ(RoffEscape("--name"), "\\-\\-name");
  EXPECT_EQ(RoffEscape("a\\b"), "a\\eb");
  EXPECT_EQ(RoffEscape(".starts with a dot"), "\\&.starts with a dot");
  EXPECT_EQ(RoffEscape("'quoted'"), "\\&'quoted'");
}

TEST(ManPageTest, EveryFlagWithItsDefaultAndVariable) {
  std::string page = ManPage("3.5.0");
  EXPECT_THAT(page, HasSubstr(".TH ETCD 1 \"\" \"etcd 3.5.0\""));
  for (const FlagSpec& f : AllFlags()) {
    SCOPED_TRACE(f.name);
    if (f.legacy) {
      EXPECT_THAT(page, HasSubstr("\\-\\-" + RoffEscape(f.name)));
      continue;
    }
    EXPECT_THAT(page, HasSubstr("\\fB\\-\\-" + RoffEscape(f.name) + "\\fR " +
                                RoffEscape(f.help_default) + "\n"));
    EXPECT_THAT(page, HasSubstr("Environment: " + RoffEscape(EnvNameForFlag(f.name)) + "\n"));
  }
  for (const char* section : {".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH ENVIRONMENT",
                              ".SH FILES", ".SH EXIT STATUS", ".SH SEE ALSO"}) {
    EXPECT_THAT(page, HasSubstr(section));
  }
}

}  // namespace
}  // namespace etcd::config
