// Second half of Parse(): settings that depend on each other (data-dir from name, the
// default initial cluster, discovery clearing it, advertise URLs when only listen URLs
// were given), then every check etcd 3.4 makes at flag-verification and startup time
// that needs no network or disk, each error saying where the value came from.
//
// Internal to config/. Pure; safe from any thread.
#pragma once

#include "absl/status/status.h"
#include "config/diagnostics.h"
#include "config/parser.h"

namespace etcd::config {

// `raw` holds the textual values that were set (flags without a setter, such as
// initial-cluster and auto-compaction-mode, are read from it); `result` already has
// every setter applied and `sources` filled.
absl::Status ResolveAndValidate(const RawValues& raw, ParseResult* result);

}  // namespace etcd::config
