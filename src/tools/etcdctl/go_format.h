// Text the way etcdctl 3.4 (a Go program) formats it: strconv.Quote, encoding/json
// strings, base64, go-humanize byte sizes, time.Duration, strconv parse errors.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace etcd::etcdctl {

// strconv.Quote: a double-quoted Go string literal (\xNN for invalid UTF-8).
std::string GoQuote(std::string_view s);
// A JSON string as encoding/json writes it, quotes included (HTML-safe escapes,
// invalid UTF-8 as \ufffd, U+2028/U+2029 escaped).
std::string GoJsonString(std::string_view s);
// Standard base64 with padding (encoding/json's []byte).
std::string Base64(std::string_view s);
// etcdctl --hex: every byte as \xNN.
std::string HexBytes(std::string_view s);
// go-humanize Bytes: SI units ("20 kB", "1.5 MB", "9 B").
std::string HumanizeBytes(uint64_t n);
// time.Duration.String ("7.052883ms", "1m0s", "0s").
std::string FormatGoDuration(int64_t nanos);
// time.ParseDuration; the error text is Go's ("time: invalid duration \"x\"").
absl::StatusOr<int64_t> ParseGoDuration(std::string_view s);
// strconv.ParseInt/ParseUint(s, base, 64); errors as Go's
// ("strconv.ParseInt: parsing \"zz\": invalid syntax").
absl::StatusOr<int64_t> GoParseInt(std::string_view s, int base);
absl::StatusOr<uint64_t> GoParseUint(std::string_view s, int base);
// strconv.ParseBool.
absl::StatusOr<bool> GoParseBool(std::string_view s);
// Go's %v of a []string: "[a b c]".
std::string GoStringSlice(const std::vector<std::string>& v);

}  // namespace etcd::etcdctl
