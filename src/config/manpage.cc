// ManPage(): etcd(1) from the flag table.
#include "config/manpage.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "config/flags.h"

namespace etcd::config {
namespace {

// One paragraph per '\n' of a usage text.
std::string Paragraphs(absl::string_view text) {
  std::string out;
  bool first = true;
  for (absl::string_view para : absl::StrSplit(text, '\n')) {
    if (!first) out += ".br\n";
    first = false;
    absl::StrAppend(&out, RoffEscape(para), "\n");
  }
  return out;
}

constexpr FlagGroup kGroups[] = {
    FlagGroup::kMember,    FlagGroup::kClustering, FlagGroup::kSecurity, FlagGroup::kAuth,
    FlagGroup::kProfiling, FlagGroup::kLogging,    FlagGroup::kProxy,    FlagGroup::kExperimental,
    FlagGroup::kUnsafe,    FlagGroup::kDeprecated, FlagGroup::kOther,
};

}  // namespace

std::string RoffEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string ManPage(absl::string_view version) {
  std::string out = absl::StrCat(
      ".\\\" Generated from the flag table (src/config/flags.cc) by docs/gen_manpage.\n"
      ".TH ETCD 1 \"\" \"etcd ",
      RoffEscape(version),
      "\" \"User Commands\"\n"
      // Left-aligned: flag values such as 'jwt,pub-key=<path>,...' cannot be justified.
      ".ad l\n");
  out +=
      ".SH NAME\n"
      "etcd \\- distributed, reliable key\\-value store (a C++ implementation of etcd)\n"
      ".SH SYNOPSIS\n"
      ".B etcd\n"
      "[\\fIflags\\fR]\n"
      ".br\n"
      ".B etcd \\-\\-config\\-file\n"
      "\\fIfile.yml\\fR\n"
      ".br\n"
      ".B etcd \\-\\-check\\-config\n"
      "[\\fIflags\\fR]\n"
      ".br\n"
      ".B etcd \\-\\-version\n"
      ".br\n"
      ".B etcd \\-\\-help\n"
      ".SH DESCRIPTION\n"
      "\\fBetcd\\fR runs one member of an etcd cluster: a strongly consistent key\\-value "
      "store replicated with Raft, serving etcd's v3 gRPC API, its HTTP endpoints and the "
      "/v3 JSON gateway on the client URLs, and talking to the other members on the peer "
      "URLs. It accepts the flags and ETCD_* environment variables of etcd 3.4 and "
      "serves the API of etcd 3.5.\n"
      ".PP\n"
      "Every flag can also be set through the environment: ETCD_ followed by the flag "
      "name in upper case with '\\-' turned into '_' (\\-\\-initial\\-cluster\\-token "
      "becomes ETCD_INITIAL_CLUSTER_TOKEN). A flag on the command line wins over its "
      "variable; when the two differ, a warning names both. Flags may be written "
      "\\-name or \\-\\-name; booleans take their value after '=' "
      "(\\-\\-enable\\-v2=false). With \\-\\-config\\-file, the YAML file (keys are the "
      "flag names) is the only source and every other flag and variable is ignored.\n"
      ".PP\n"
      "\\-\\-check\\-config validates the configuration, prints every setting with its "
      "value and where it came from (flag, environment, config file or default), and "
      "exits without starting anything.\n"
      ".SH OPTIONS\n";
  for (FlagGroup group : kGroups) {
    absl::StrAppend(&out, ".SS ", RoffEscape(GroupTitle(group)), "\n");
    for (const FlagSpec& f : AllFlags()) {
      if (f.group != group || f.legacy) continue;
      absl::StrAppend(&out, ".TP\n\\fB\\-\\-", RoffEscape(f.name), "\\fR ",
                      RoffEscape(f.help_default), "\n", Paragraphs(f.usage),
                      ".br\nEnvironment: ", RoffEscape(EnvNameForFlag(f.name)), "\n");
    }
  }
  std::string legacy;
  for (const FlagSpec& f : AllFlags()) {
    if (f.legacy)
      absl::StrAppend(&legacy, legacy.empty() ? "" : ", ", "\\-\\-", RoffEscape(f.name));
  }
  absl::StrAppend(&out,
                  ".SS Legacy flags\nAccepted for compatibility with old etcd releases "
                  "and ignored, with a warning: ",
                  legacy, ".\n");
  out +=
      ".SH ENVIRONMENT\n"
      ".TP\n"
      "\\fBETCD_*\\fR\n"
      "One variable per flag, see OPTIONS. An ETCD_* variable that matches no flag is "
      "reported with a warning.\n"
      ".TP\n"
      "\\fBNOTIFY_SOCKET\\fR, \\fBWATCHDOG_USEC\\fR\n"
      "Set by systemd for Type=notify services: etcd reports READY=1, STATUS= lines "
      "(\"replaying WAL\", \"waiting for quorum: 1/3 peers reachable\", \"serving\"), "
      "WATCHDOG=1 and STOPPING=1.\n"
      ".TP\n"
      "\\fBJOURNAL_STREAM\\fR\n"
      "When it names etcd's standard error, \\-\\-log\\-outputs=default sends structured "
      "entries to the systemd journal.\n"
      ".SH FILES\n"
      ".TP\n"
      "\\fI/etc/etcd/etcd.conf\\fR\n"
      "ETCD_* settings read by etcd.service (EnvironmentFile=).\n"
      ".TP\n"
      "\\fI/var/lib/etcd\\fR\n"
      "The data directory of the packaged service (member/wal, member/snap, member/db).\n"
      ".SH EXIT STATUS\n"
      ".TP\n"
      "\\fB0\\fR\n"
      "Stopped by SIGTERM or SIGINT, or removed from its cluster (as etcd: remove the "
      "data directory before adding the member again); also \\-\\-help, \\-\\-version and "
      "a valid \\-\\-check\\-config.\n"
      ".TP\n"
      "\\fB1\\fR\n"
      "Invalid configuration (the message names the setting, its value and where it came "
      "from), a port already in use, or a fatal storage error.\n"
      ".TP\n"
      "\\fB2\\fR\n"
      "Command\\-line syntax error: unknown flag, missing or unparsable value.\n"
      ".SH EXAMPLES\n"
      "A three\\-member cluster, on the first host:\n"
      ".PP\n"
      ".nf\n"
      "etcd \\-\\-name n1 \\-\\-initial\\-advertise\\-peer\\-urls http://10.0.0.1:2380 \\e\n"
      "  \\-\\-listen\\-peer\\-urls http://10.0.0.1:2380 \\e\n"
      "  \\-\\-listen\\-client\\-urls http://10.0.0.1:2379,http://127.0.0.1:2379 \\e\n"
      "  \\-\\-advertise\\-client\\-urls http://10.0.0.1:2379 \\e\n"
      "  \\-\\-initial\\-cluster n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380,"
      "n3=http://10.0.0.3:2380 \\e\n"
      "  \\-\\-initial\\-cluster\\-token cluster\\-1 \\-\\-initial\\-cluster\\-state new\n"
      ".fi\n"
      ".SH SEE ALSO\n"
      "\\fBetcdctl\\fR(1), \\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1), "
      "\\fBsystemd.service\\fR(5)\n";
  return out;
}

}  // namespace etcd::config
