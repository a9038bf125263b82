#include "tools/etcdutl/usage.h"

#include "absl/strings/str_cat.h"
#include "config/manpage.h"

namespace etcd::etcdutl {
namespace {

using config::RoffEscape;

std::string FlagItem(const UtlFlag& f) {
  std::string s = ".TP\n";
  if (f.shorthand != 0) absl::StrAppend(&s, "\\fB\\-", std::string(1, f.shorthand), "\\fR, ");
  absl::StrAppend(&s, "\\fB\\-\\-", RoffEscape(f.name), "\\fR");
  if (!f.is_bool) absl::StrAppend(&s, "=\\fI", RoffEscape(f.value_name), "\\fR");
  absl::StrAppend(&s, "\n", RoffEscape(f.usage));
  if (!f.def.empty()) absl::StrAppend(&s, RoffEscape(absl::StrCat(" (default: ", f.def, ")")));
  return s + "\n";
}

}  // namespace

const std::vector<UtlCommand>& Commands() {
  static const auto* const kCommands = new std::vector<UtlCommand>{
      {"backup",
       "",
       "[legacy] offline backup of etcd directory",
       "Copies the member's WAL and backend to a new directory, rewriting the member and "
       "cluster identity so that the copy can be started as a new single-member cluster.",
       {{"data-dir", 0, false, "path", "", "Path to the etcd data dir (required)"},
        {"wal-dir", 0, false, "path", "", "Path to the etcd wal dir"},
        {"backup-dir", 0, false, "path", "", "Path to the backup dir (required)"},
        {"backup-wal-dir", 0, false, "path", "", "Path to the backup wal dir"},
        {"with-v3", 0, true, "", "", "Backup v3 backend data (accepted; always done)"}}},
      {"defrag",
       "",
       "Defragments the storage of the etcd",
       "Compacts the backend files of a stopped member's data directory in place.",
       {{"data-dir", 0, false, "path", "", "Path to the etcd data dir (required)"}}},
      {"help", "[command]", "Help about any command", "", {}},
      {"snapshot restore",
       "<filename>",
       "Restores an etcd member snapshot to an etcd directory",
       "Creates a new data directory (which must not exist) holding the snapshot's keys "
       "and a new cluster membership built from \\-\\-initial\\-cluster; every member of the "
       "new cluster is restored from the same snapshot with its own \\-\\-name and "
       "\\-\\-initial\\-advertise\\-peer\\-urls.",
       {{"data-dir", 0, false, "path", "", "Path to the data directory (default: <name>.etcd)"},
        {"wal-dir", 0, false, "path", "",
         "Path to the WAL directory (default: the data directory's)"},
        {"name", 0, false, "string", "default", "Human-readable name for this member"},
        {"initial-cluster", 0, false, "string", "default=http://localhost:2380",
         "Initial cluster configuration for restore bootstrap"},
        {"initial-cluster-token", 0, false, "string", "etcd-cluster",
         "Initial cluster token for the etcd cluster during restore bootstrap"},
        {"initial-advertise-peer-urls", 0, false, "string", "http://localhost:2380",
         "List of this member's peer URLs to advertise to the rest of the cluster"},
        {"skip-hash-check", 0, true, "", "",
         "Ignore snapshot integrity hash value (required if copied from data directory)"},
        {"initial-memory-map-size", 0, false, "number", "",
         "Accepted for compatibility; has no effect"}}},
      {"snapshot status",
       "<filename>",
       "Gets backend snapshot status of a given file",
       "Prints the snapshot's hash, revision, total keys, size and (with \\-w table or "
       "json) its version.",
       {}},
      {"version", "", "Prints the version of etcdutl", "", {}},
  };
  return *kCommands;
}

const std::vector<UtlFlag>& GlobalFlags() {
  static const auto* const kFlags = new std::vector<UtlFlag>{
      {"help", 'h', true, "", "", "help for etcdutl"},
      {"write-out", 'w', false, "string", "\"simple\"",
       "set the output format (fields, json, protobuf, simple, table)"},
  };
  return *kFlags;
}

std::map<std::string, bool> KnownFlags() {
  std::map<std::string, bool> known;
  for (const UtlFlag& f : GlobalFlags()) {
    known[f.name] = f.is_bool;
    if (f.shorthand != 0 && f.is_bool) known[std::string(1, f.shorthand)] = true;
  }
  for (const UtlCommand& c : Commands()) {
    for (const UtlFlag& f : c.flags) known[f.name] = f.is_bool;
  }
  return known;
}

std::string UsageText() {
  std::string s =
      "NAME:\n\tetcdutl - An administrative command line tool for etcd3.\n\n"
      "USAGE:\n\tetcdutl [flags] <command>\n\n"
      "COMMANDS:\n";
  for (const UtlCommand& c : Commands()) {
    absl::StrAppend(&s, "\t", c.path, c.path.size() < 16 ? "\t\t" : "\t", c.short_help, "\n");
  }
  s += "\nOPTIONS:\n";
  for (const UtlFlag& f : GlobalFlags()) {
    std::string name = f.shorthand != 0 ? absl::StrCat("  -", std::string(1, f.shorthand), ", --")
                                        : std::string("      --");
    absl::StrAppend(&name, f.name);
    if (!f.is_bool) absl::StrAppend(&name, " ", f.value_name);
    absl::StrAppend(&s, name, name.size() < 16 ? "\t\t\t" : "\t", f.usage);
    if (!f.def.empty()) absl::StrAppend(&s, " (default ", f.def, ")");
    s += "\n";
  }
  return s;
}

std::string ManPage(absl::string_view version) {
  std::string out = absl::StrCat(
      ".\\\" Generated from etcdutl's command table (src/tools/etcdutl/usage.cc) by "
      "docs/gen_manpage_tools.\n"
      ".TH ETCDUTL 1 \"\" \"etcdutl ",
      RoffEscape(version),
      "\" \"User Commands\"\n"
      ".ad l\n"
      ".SH NAME\n"
      "etcdutl \\- an administrative command line tool for etcd3 (offline: snapshot files "
      "and data directories)\n"
      ".SH SYNOPSIS\n"
      ".B etcdutl\n"
      "[\\fIflags\\fR] \\fIcommand\\fR [\\fIarguments\\fR]\n"
      ".SH DESCRIPTION\n"
      "\\fBetcdutl\\fR works on files, never on a running cluster: it reads and restores "
      "snapshot files written by \\fBetcdctl snapshot save\\fR, and defragments or backs "
      "up the data directory of a stopped member. It is etcd 3.5's etcdutl.\n"
      ".SH GLOBAL FLAGS\n");
  for (const UtlFlag& f : GlobalFlags()) out += FlagItem(f);
  out += ".SH COMMANDS\n";
  for (const UtlCommand& c : Commands()) {
    absl::StrAppend(&out, ".SS ", RoffEscape(c.path), "\n", RoffEscape(c.short_help), ".\n",
                    ".PP\n.B etcdutl ", RoffEscape(c.path), "\n");
    if (!c.args.empty()) absl::StrAppend(&out, "\\fI", RoffEscape(c.args), "\\fR\n");
    // long_help is written in roff already (its own \- escapes).
    if (!c.long_help.empty()) absl::StrAppend(&out, ".PP\n", c.long_help, "\n");
    if (!c.flags.empty()) {
      out += ".PP\nFlags:\n.RS\n";
      for (const UtlFlag& f : c.flags) out += FlagItem(f);
      out += ".RE\n";
    }
  }
  out +=
      ".SH EXIT STATUS\n"
      "0 success; 1 an error; 4 unsupported output format; 128 invalid arguments.\n"
      ".SH SEE ALSO\n"
      ".BR etcd (1),\n"
      ".BR etcdctl (1)\n";
  return out;
}

}  // namespace etcd::etcdutl
