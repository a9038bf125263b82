// etcdctl(1), the manual page, generated from the command tree that `etcdctl --help`
// prints (NewRootCommand(): every command's use line, help texts and flags), so the
// two never disagree. Meson runs docs/gen_manpage_tools at build time and installs
// the page under share/man/man1.
//
// Pure; safe from any thread.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "tools/etcdctl/command.h"

namespace etcd::etcdctl {

// The page in man(7) roff for the tree under `root`; `version` goes into the header.
std::string ManPage(const Command& root, absl::string_view version);

}  // namespace etcd::etcdctl
