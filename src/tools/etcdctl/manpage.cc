// ManPage(): etcdctl(1) from the command tree.
#include "tools/etcdctl/manpage.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "config/manpage.h"
#include "tools/etcdctl/go_format.h"

namespace etcd::etcdctl {
namespace {

using config::RoffEscape;

// "\fB\-w\fR, \fB\-\-write\-out\fR=\fIstring\fR (default: "simple")" and the usage.
std::string FlagItem(const Flag& f) {
  std::string head = ".TP\n";
  if (f.shorthand != 0) absl::StrAppend(&head, "\\fB\\-", std::string(1, f.shorthand), "\\fR, ");
  absl::StrAppend(&head, "\\fB\\-\\-", RoffEscape(f.name), "\\fR");
  std::string def;
  switch (f.type) {
    case FlagType::kBool:
      def = f.default_text == "true" ? " (default: true)" : "";
      break;
    case FlagType::kString:
      absl::StrAppend(&head, "=\\fIstring\\fR");
      if (!f.default_text.empty()) def = " (default: " + GoQuote(f.default_text) + ")";
      break;
    case FlagType::kStringSlice:
      absl::StrAppend(&head, "=\\fIlist\\fR");
      if (!f.default_text.empty()) def = " (default: " + f.default_text + ")";
      break;
    case FlagType::kDuration:
      absl::StrAppend(&head, "=\\fIduration\\fR");
      def = " (default: " + f.default_text + ")";
      break;
    case FlagType::kInt:
    case FlagType::kInt64:
      absl::StrAppend(&head, "=\\fInumber\\fR");
      if (f.default_text != "0") def = " (default: " + f.default_text + ")";
      break;
  }
  return absl::StrCat(head, "\n", RoffEscape(f.usage + def), "\n");
}

void Collect(const Command& c, std::vector<const Command*>* out) {
  for (const auto& child : c.children) {
    if (child->run) out->push_back(child.get());
    Collect(*child, out);
  }
}

// Long help: one paragraph per blank-line separated block, lines kept.
std::string Text(absl::string_view text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    absl::string_view line =
        text.substr(start, nl == absl::string_view::npos ? text.npos : nl - start);
    if (line.empty()) {
      out += ".PP\n";
    } else {
      absl::StrAppend(&out, RoffEscape(line), "\n.br\n");
    }
    if (nl == absl::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace

std::string ManPage(const Command& root, absl::string_view version) {
  std::string out = absl::StrCat(
      ".\\\" Generated from etcdctl's command tree (src/tools/etcdctl) by "
      "docs/gen_manpage_tools.\n"
      ".TH ETCDCTL 1 \"\" \"etcdctl ",
      RoffEscape(version),
      "\" \"User Commands\"\n"
      ".ad l\n"
      ".SH NAME\n"
      "etcdctl \\- ",
      RoffEscape(root.short_help),
      "\n"
      ".SH SYNOPSIS\n"
      ".B etcdctl\n"
      "[\\fIglobal flags\\fR] \\fIcommand\\fR [\\fIflags\\fR] [\\fIarguments\\fR]\n"
      ".br\n"
      ".B etcdctl\n"
      "\\fIcommand\\fR \\-\\-help\n"
      ".SH DESCRIPTION\n"
      "\\fBetcdctl\\fR talks to an etcd cluster through the v3 gRPC API: keys, watches, "
      "leases, members, authentication, maintenance and snapshots. It behaves as etcdctl "
      "3.4 with ETCDCTL_API=3. Commands may be abbreviated to any unambiguous prefix "
      "(\\fBmem li\\fR is \\fBmember list\\fR).\n");
  out += ".SH GLOBAL FLAGS\nThese flags are accepted by every command.\n";
  for (const Flag& f : root.persistent.flags()) out += FlagItem(f);
  for (const Flag& f : root.flags.flags()) out += FlagItem(f);
  out +=
      ".SH ENVIRONMENT\n"
      "Every global flag may be set as ETCDCTL_ followed by the flag name in upper case "
      "with '\\-' turned into '_' (\\-\\-endpoints becomes ETCDCTL_ENDPOINTS, "
      "\\-\\-write\\-out becomes ETCDCTL_WRITE_OUT). A flag given on the command line must "
      "not also be set in the environment (etcdctl 3.4 refuses the combination).\n"
      ".TP\n.B ETCDCTL_API\n"
      "Only 3 is supported (the default).\n";

  out += ".SH COMMANDS\n";
  std::vector<const Command*> cmds;
  Collect(root, &cmds);
  std::sort(cmds.begin(), cmds.end(),
            [](const Command* a, const Command* b) { return a->Path() < b->Path(); });
  for (const Command* c : cmds) {
    const std::string prefix = c->parent == nullptr ? "" : c->parent->Path() + " ";
    const std::string name = c->Path().substr(root.Path().size() + 1);  // "member add"
    absl::StrAppend(&out, ".SS ", RoffEscape(name), "\n", RoffEscape(c->short_help), ".\n.PP\n.B ",
                    RoffEscape(prefix + c->use), "\n");
    if (!c->long_help.empty()) absl::StrAppend(&out, ".PP\n", Text(c->long_help));
    FlagSet own;
    own.Merge(c->flags);
    own.Merge(c->persistent);
    // Flags a parent group (not the root) passes down, such as `lease keep-alive`'s.
    for (const Command* p = c->parent; p != nullptr && p->parent != nullptr; p = p->parent) {
      own.Merge(p->persistent);
    }
    if (!own.flags().empty()) {
      out += ".PP\nFlags:\n.RS\n";
      for (const Flag& f : own.flags()) out += FlagItem(f);
      out += ".RE\n";
    }
  }
  out +=
      ".SH EXIT STATUS\n"
      "0 success; 1 an error (from the cluster, or a bad flag); 2 no connection could be "
      "made (endpoints, credentials); 3 invalid input; 4 unsupported feature (such as an "
      "unknown output format); 5 interrupted; 6 I/O error; 128 invalid arguments to a "
      "command. These are etcdctl 3.4's codes.\n"
      ".SH SEE ALSO\n"
      ".BR etcd (1),\n"
      ".BR etcdutl (1)\n";
  return out;
}

}  // namespace etcd::etcdctl
