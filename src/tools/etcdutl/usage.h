// etcdutl's command and flag table: the one source of `etcdutl --help`, of the flags
// the parser knows, and of etcdutl(1) (Meson runs docs/gen_manpage_tools at build time
// and installs the page under share/man/man1).
//
// Pure; safe from any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace etcd::etcdutl {

struct UtlFlag {
  std::string name;    // "data-dir"
  char shorthand = 0;  // 'w'
  bool is_bool = false;
  std::string value_name;  // "string", "path"; empty for a bool
  std::string def;         // default, as shown ("" for none)
  std::string usage;
};

struct UtlCommand {
  std::string path;        // "snapshot restore"
  std::string args;        // "<filename>"
  std::string short_help;  // the --help line
  std::string long_help;   // the man page's paragraph (may be empty)
  std::vector<UtlFlag> flags;
};

const std::vector<UtlCommand>& Commands();
const std::vector<UtlFlag>& GlobalFlags();

// name -> takes no value (bool), for every flag of every command, globals and -h.
std::map<std::string, bool> KnownFlags();

// `etcdutl --help`.
std::string UsageText();

// etcdutl(1) in man(7) roff; `version` goes into the header.
std::string ManPage(absl::string_view version);

}  // namespace etcd::etcdutl
