// `etcd --check-config`: the effective configuration with each value's source
// (config::DescribeConfig), the warnings a start would log, and what the data directory
// means for bootstrapping (user-pain.md §1: a directory that already holds a member
// silently ignores every --initial-* and discovery setting).
//
// Reads the file system (whether the WAL exists); writes to the given streams.
#pragma once

#include <cstdio>
#include <string>

#include "common/env.h"
#include "config/parser.h"

namespace etcd::tools {

// The data-directory paragraph of the report.
std::string DescribeDataDir(const config::ParseResult& parsed, Env* fs);

// Prints the report on `out` and the warnings, one "warning: ..." line each, on `err`.
void PrintCheckConfig(const config::ParseResult& parsed, Env* fs, std::FILE* out, std::FILE* err);

}  // namespace etcd::tools
