// HelpText(): the usage text, generated from the flag table (config/flags.h).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "config/flags.h"
#include "config/parser.h"

namespace etcd::config {
namespace {

// Word-wraps `text` (which may contain '\n') at `width` columns, each line indented.
std::string Wrap(absl::string_view text, size_t width, absl::string_view indent) {
  std::string out;
  for (absl::string_view para : absl::StrSplit(text, '\n')) {
    std::string line;
    for (absl::string_view word : absl::StrSplit(para, ' ', absl::SkipEmpty())) {
      if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) {
        absl::StrAppend(&out, indent, line, "\n");
        line.clear();
      }
      if (!line.empty()) line += ' ';
      absl::StrAppend(&line, word);
    }
    absl::StrAppend(&out, indent, line, "\n");
  }
  return out;
}

}  // namespace

std::string HelpText() {
  std::string out =
      "Usage:\n"
      "\n"
      "  etcd [flags]\n"
      "    Run an etcd member.\n"
      "\n"
      "  etcd --version\n"
      "    Print the version and exit.\n"
      "\n"
      "  etcd -h | --help\n"
      "    Print this text and exit.\n"
      "\n"
      "  etcd --config-file <file.yml>\n"
      "    Read every setting from a YAML file whose keys are the flag names. When a file\n"
      "    is given, all other flags and ETCD_* variables are ignored (a warning lists\n"
      "    them).\n"
      "\n"
      "  etcd --check-config [flags]\n"
      "    Validate the configuration, print each setting and where it came from, and\n"
      "    exit.\n"
      "\n"
      "Every flag can also be set through the environment: ETCD_ followed by the flag\n"
      "name in upper case with '-' turned into '_' (--initial-cluster-token ->\n"
      "ETCD_INITIAL_CLUSTER_TOKEN). A flag given on the command line wins over its\n"
      "variable. Flags may be written -name or --name; booleans take their value after\n"
      "'=' (--enable-v2=false).\n";
  for (FlagGroup group :
       {FlagGroup::kMember, FlagGroup::kClustering, FlagGroup::kSecurity, FlagGroup::kAuth,
        FlagGroup::kProfiling, FlagGroup::kLogging, FlagGroup::kProxy, FlagGroup::kExperimental,
        FlagGroup::kUnsafe, FlagGroup::kDeprecated, FlagGroup::kOther}) {
    absl::StrAppend(&out, "\n", GroupTitle(group), ":\n");
    for (const FlagSpec& f : AllFlags()) {
      if (f.group != group || f.legacy) continue;
      absl::StrAppend(&out, "  --", f.name, " ", f.help_default, "\n", Wrap(f.usage, 88, "    "));
    }
    if (group == FlagGroup::kUnsafe) {
      out += "\nUnsafe flags can break the guarantees of the consensus protocol.\n";
    }
  }
  std::string legacy;
  for (const FlagSpec& f : AllFlags()) {
    if (f.legacy) absl::StrAppend(&legacy, legacy.empty() ? "" : " ", "--", f.name);
  }
  absl::StrAppend(&out, "\nAccepted for compatibility with old etcd releases and ignored:\n",
                  Wrap(legacy, 88, "  "));
  return out;
}

}  // namespace etcd::config
