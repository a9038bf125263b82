// A protobuf message as Go's encoding/json writes etcd's gogo-generated structs: keys
// are the .proto field names in declaration order, every field omitempty (zero
// scalars, empty strings/bytes/lists and unset messages left out), 64-bit integers as
// JSON numbers, bytes as base64, enums as numbers, a oneof as
// {"<GoOneofName>":{"<GoFieldName>":value}}. Pure functions; thread-safe.
#pragma once

#include <google/protobuf/message.h>

#include <string>

namespace etcd::etcdctl {

std::string GoJson(const google::protobuf::Message& msg);
void AppendGoJson(const google::protobuf::Message& msg, std::string* out);
// Go's exported name of a proto field ("response_range" -> "ResponseRange").
std::string GoCamelName(const std::string& proto_name);

}  // namespace etcd::etcdctl
