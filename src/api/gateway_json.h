// The JSON encoding of etcd 3.4's gRPC gateway: grpc-gateway v1 with golang/protobuf's
// jsonpb, OrigName=true, EmitDefaults=false. Written out here (not protobuf's
// JsonStringToMessage/MessageToJsonString) so that the bytes and the error texts are
// Go's:
//   output  fields in .proto declaration order, no spaces, proto field names;
//           zero scalars, empty repeated fields and unset messages omitted (a set but
//           empty message is {}); 64-bit integers as strings, 32-bit as numbers;
//           enums by name; bytes in padded standard base64; strings escaped as Go's
//           json.Marshal does (<, >, & as \u003c...).
//   input   the first JSON value of the body (trailing bytes after an object ignored,
//           an empty body is an empty request); field names as in the .proto or in
//           lowerCamelCase; unknown fields ignored; null leaves a field unset;
//           numbers may be quoted; enums by name or number; Go's error messages
//           ("invalid character ...", "json: cannot unmarshal string into Go value of
//           type bool", "illegal base64 data at input byte 0", "unknown value \"X\" for
//           enum etcdserverpb.RangeRequest_SortOrder", ...).
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "api/go_json.h"
#include "common/status.h"
#include "google/protobuf/message.h"

namespace etcd::api {

// jsonpb.Marshaler{OrigName: true}.Marshal.
std::string GatewayMarshal(const google::protobuf::Message& message);

// What grpc-gateway does with a request body: json.Decoder.Decode of one value (io.EOF
// ignored) then jsonpb unmarshalling into `message` (cleared first). Errors are
// InvalidArgument with Go's text.
absl::Status GatewayUnmarshal(std::string_view body, google::protobuf::Message* message);

// jsonpb unmarshalling of an already scanned value (for streams of requests).
absl::Status GatewayUnmarshalValue(const gojson::Value& value, google::protobuf::Message* message);

}  // namespace etcd::api
