// etcd(1), the manual page, generated from the same flag table as `etcd --help`
// (config/flags.h), so the two never disagree. Meson runs docs/gen_manpage at build
// time and installs the result under share/man/man1.
//
// Pure; safe from any thread.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace etcd::config {

// The page in man(7) roff. `version` goes into the header line (e.g. "3.5.0").
std::string ManPage(absl::string_view version);

// Escapes text for roff: backslashes, hyphens (\-), and a leading '.' or '\''.
std::string RoffEscape(absl::string_view text);

}  // namespace etcd::config
