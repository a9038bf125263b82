// Output of `etcdutl snapshot status` (and `etcdctl snapshot status`) in etcd's forms:
//   simple  "<hash hex>, <revision>, <total keys>, <total size>[, <version>]"
//   json    {"hash":N,"revision":N,"totalKey":N,"totalSize":N[,"version":"3.5.0"]}
//   table   tablewriter's box (headers upper-case and centred, cells right-aligned)
//   fields  "Hash" : N / "Revision" : N / "Keys" : N / "Size" : N [/ "Version" : v]
// `with_version`: etcdutl 3.5 adds the storage version column; etcdctl 3.4 has none.
// Sizes in go-humanize SI form ("25 kB").
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "snapshot/status.h"

namespace etcd::etcdutl {

// go-humanize's Bytes (SI, base 1000): "0 B", "9 B", "25 kB", "2.4 MB".
std::string HumanizeBytes(uint64_t n);

// olekukonko/tablewriter as etcdctl configures it (right-aligned rows).
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// The text for `format`; InvalidArgument "unsupported output format" for an unknown
// one (exit 4 in etcd), Unimplemented "<f> not supported as output format" for
// protobuf (exit 4).
absl::StatusOr<std::string> FormatStatus(const snapshot::ImageStatus& st, const std::string& format,
                                         bool with_version);

}  // namespace etcd::etcdutl
