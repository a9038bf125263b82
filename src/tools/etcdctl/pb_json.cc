#include "tools/etcdctl/pb_json.h"

#include <google/protobuf/descriptor.h>

#include "absl/strings/str_cat.h"
#include "tools/etcdctl/go_format.h"

namespace etcd::etcdctl {

namespace pb = google::protobuf;

std::string GoCamelName(const std::string& proto_name) {
  std::string out;
  bool upper = true;
  for (char c : proto_name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

namespace {

void AppendValue(const pb::Message& msg, const pb::FieldDescriptor* f, int index,
                 std::string* out) {
  const pb::Reflection* r = msg.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, rep ? r->GetRepeatedInt32(msg, f, index) : r->GetInt32(msg, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, rep ? r->GetRepeatedInt64(msg, f, index) : r->GetInt64(msg, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt32(msg, f, index) : r->GetUInt32(msg, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt64(msg, f, index) : r->GetUInt64(msg, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      absl::StrAppend(out, rep ? r->GetRepeatedDouble(msg, f, index) : r->GetDouble(msg, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      absl::StrAppend(out, rep ? r->GetRepeatedFloat(msg, f, index) : r->GetFloat(msg, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      *out += (rep ? r->GetRepeatedBool(msg, f, index) : r->GetBool(msg, f)) ? "true" : "false";
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      absl::StrAppend(out, rep ? r->GetRepeatedEnumValue(msg, f, index) : r->GetEnumValue(msg, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      const std::string v = rep ? r->GetRepeatedString(msg, f, index) : r->GetString(msg, f);
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES) {
        *out += "\"" + Base64(v) + "\"";
      } else {
        *out += GoJsonString(v);
      }
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      AppendGoJson(rep ? r->GetRepeatedMessage(msg, f, index) : r->GetMessage(msg, f), out);
      break;
  }
}

bool IsZero(const pb::Message& msg, const pb::FieldDescriptor* f) {
  const pb::Reflection* r = msg.GetReflection();
  if (f->is_repeated()) return r->FieldSize(msg, f) == 0;
  if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) return !r->HasField(msg, f);
  // proto3 scalars: HasField is false exactly for the zero value.
  return !r->HasField(msg, f);
}

}  // namespace

void AppendGoJson(const pb::Message& msg, std::string* out) {
  const pb::Descriptor* d = msg.GetDescriptor();
  const pb::Reflection* r = msg.GetReflection();
  *out += '{';
  bool first = true;
  auto key = [&](const std::string& k) {
    if (!first) *out += ',';
    first = false;
    *out += "\"" + k + "\":";
  };
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (const pb::OneofDescriptor* o = f->real_containing_oneof(); o != nullptr) {
      if (o->field(0) != f) continue;  // the oneof is written once, at its first field
      key(GoCamelName(o->name()));
      const pb::FieldDescriptor* set = r->GetOneofFieldDescriptor(msg, o);
      if (set == nullptr) {
        *out += "null";
      } else {
        *out += "{\"" + GoCamelName(set->name()) + "\":";
        AppendValue(msg, set, 0, out);
        *out += '}';
      }
      continue;
    }
    if (IsZero(msg, f)) continue;
    key(f->name());
    if (f->is_repeated()) {
      *out += '[';
      const int n = r->FieldSize(msg, f);
      for (int k = 0; k < n; ++k) {
        if (k > 0) *out += ',';
        AppendValue(msg, f, k, out);
      }
      *out += ']';
    } else {
      AppendValue(msg, f, 0, out);
    }
  }
  *out += '}';
}

std::string GoJson(const pb::Message& msg) {
  std::string out;
  AppendGoJson(msg, &out);
  return out;
}

}  // namespace etcd::etcdctl
