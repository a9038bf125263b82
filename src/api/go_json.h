// The parts of Go's encoding/json that the JSON gateway's wire behaviour depends on:
//   - a scanner for the first JSON value of a request body that fails with Go's exact
//     messages ("invalid character 'o' in literal null (expecting 'u')", "unexpected
//     EOF", ...) and keeps number literals as written (Go quotes them in errors);
//   - string quoting as json.Marshal does it (HTML-safe: <, >, & as \u003c..., U+2028
//     and U+2029 escaped, invalid UTF-8 replaced by U+FFFD);
//   - base64 (StdEncoding) decoding with Go's "illegal base64 data at input byte N".
//
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace etcd::api::gojson {

struct Value {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;          // kNumber: the literal as written; kString: the decoded string
  std::vector<Value> items;  // kArray
  std::vector<std::pair<std::string, Value>> members;  // kObject, in order (duplicates kept)

  // The last member named `key` (Go's map semantics), or null.
  const Value* Find(std::string_view key) const;
  // Go's name for the kind in UnmarshalTypeError: "number", "string", "bool", "array",
  // "object" (and "null").
  const char* GoKind() const;
};

// Parses the first JSON value in `input` as json.Decoder.Decode does: leading white
// space is skipped; bytes after a complete object or array are ignored; a top-level
// scalar must be followed by white space or the end. `*empty` is set (and OK returned)
// when the input holds only white space (io.EOF, which the gateway ignores). Errors are
// Go's messages, as InvalidArgument.
// `*consumed` (optional) receives the offset just past the value, for reading a stream
// of values.
absl::StatusOr<Value> DecodeFirst(std::string_view input, bool* empty, size_t* consumed = nullptr);

// Parses a whole document as json.Unmarshal does (trailing non-space is an error:
// "invalid character 'x' after top-level value"; empty input: "unexpected end of JSON
// input").
absl::StatusOr<Value> Unmarshal(std::string_view input);

// json.Marshal of a string, quotes included.
std::string Quote(std::string_view s);

// base64.StdEncoding.DecodeString with Go's errors ("illegal base64 data at input byte
// N"; '\r' and '\n' are skipped).
absl::StatusOr<std::string> DecodeBase64(std::string_view s);
std::string EncodeBase64(std::string_view s);

}  // namespace etcd::api::gojson
