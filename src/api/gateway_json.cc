#include "api/gateway_json.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"

namespace etcd::api {
namespace {

using gojson::Value;
using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// ---------------------------------------------------------------- output

void WriteMessage(const Message& m, std::string* out);

void WriteSingle(const Message& m, const Reflection* r, const FieldDescriptor* f, int index,
                 std::string* out) {
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, "\"", rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f), "\"");
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, "\"", rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f),
                      "\"");
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      absl::StrAppend(out, rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      absl::StrAppend(out, rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      *out += (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int v = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      const EnumValueDescriptor* ev = f->enum_type()->FindValueByNumber(v);
      if (ev != nullptr) {
        *out += gojson::Quote(ev->name());
      } else {
        absl::StrAppend(out, v);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = rep ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                 : r->GetStringReference(m, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        absl::StrAppend(out, "\"", gojson::EncodeBase64(s), "\"");
      } else {
        *out += gojson::Quote(s);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      WriteMessage(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), out);
      break;
  }
}

void WriteMessage(const Message& m, std::string* out) {
  const Descriptor* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  *out += '{';
  bool first = true;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    int n = 0;
    if (f->is_repeated()) {
      n = r->FieldSize(m, f);
      if (n == 0) continue;
    } else if (!r->HasField(m, f)) {  // proto3: unset message, zero scalar, other oneof
      continue;
    }
    if (!first) *out += ',';
    first = false;
    absl::StrAppend(out, "\"", f->name(), "\":");
    if (f->is_repeated()) {
      *out += '[';
      for (int k = 0; k < n; ++k) {
        if (k > 0) *out += ',';
        WriteSingle(m, r, f, k, out);
      }
      *out += ']';
    } else {
      WriteSingle(m, r, f, -1, out);
    }
  }
  *out += '}';
}

// ---------------------------------------------------------------- input

absl::Status TypeError(const std::string& what, const std::string& go_type) {
  return absl::InvalidArgumentError(
      absl::StrCat("json: cannot unmarshal ", what, " into Go value of type ", go_type));
}

// The Go type protoc-gen-go (gogo) generates for an enum: package.Outer_Inner.
std::string GoEnumType(const EnumDescriptor* e) {
  const std::string& pkg = e->file()->package();
  std::string rel = e->full_name();
  if (!pkg.empty() && rel.starts_with(pkg + ".")) rel = rel.substr(pkg.size() + 1);
  return absl::StrCat(pkg, ".", absl::StrReplaceAll(rel, {{".", "_"}}));
}

std::string GoIntType(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return "int32";
    case FieldDescriptor::CPPTYPE_UINT32:
      return "uint32";
    case FieldDescriptor::CPPTYPE_INT64:
      return "int64";
    case FieldDescriptor::CPPTYPE_UINT64:
      return "uint64";
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "float32";
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return "float64";
    case FieldDescriptor::CPPTYPE_ENUM:
      return GoEnumType(f->enum_type());
    default:
      return "";
  }
}

// The number literal for a numeric field: a JSON number, or (jsonpb) a string whose
// content is parsed as JSON again.
absl::StatusOr<std::string> NumberLiteral(const Value& v, const std::string& go_type) {
  if (v.kind == Value::Kind::kNumber) return v.text;
  if (v.kind == Value::Kind::kString) {
    ASSIGN_OR_RETURN(Value inner, gojson::Unmarshal(v.text));
    if (inner.kind != Value::Kind::kNumber) return TypeError(inner.GoKind(), go_type);
    return inner.text;
  }
  return TypeError(v.GoKind(), go_type);
}

// strconv.ParseInt/ParseUint(literal, 10, bits) as encoding/json uses them.
template <typename T>
absl::StatusOr<T> ParseInteger(const std::string& literal, const std::string& go_type) {
  T value;
  bool ok;
  if constexpr (std::is_signed_v<T>) {
    int64_t v64;
    ok = absl::SimpleAtoi(literal, &v64) && literal.find_first_of(".eE+") == std::string::npos &&
         v64 >= std::numeric_limits<T>::min() && v64 <= std::numeric_limits<T>::max();
    value = static_cast<T>(v64);
  } else {
    uint64_t v64;
    ok = literal.find_first_of(".eE+-") == std::string::npos && absl::SimpleAtoi(literal, &v64) &&
         v64 <= std::numeric_limits<T>::max();
    value = static_cast<T>(v64);
  }
  if (!ok) return TypeError(absl::StrCat("number ", literal), go_type);
  return value;
}

absl::Status SetOne(const Value& v, Message* m, const FieldDescriptor* f);

absl::Status IntoMessage(const Value& v, Message* m) {
  if (v.kind == Value::Kind::kNull) return absl::OkStatus();
  if (v.kind != Value::Kind::kObject) {
    return TypeError(v.GoKind(), "map[string]json.RawMessage");
  }
  const Descriptor* d = m->GetDescriptor();
  // jsonpb sets the plain fields in declaration order, then the oneof members.
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if ((f->real_containing_oneof() != nullptr) != (pass == 1)) continue;
      const Value* fv = v.Find(f->name());
      if (fv == nullptr) fv = v.Find(f->json_name());
      if (fv == nullptr || fv->kind == Value::Kind::kNull) continue;
      if (f->is_repeated()) {
        if (fv->kind != Value::Kind::kArray) return TypeError(fv->GoKind(), "[]json.RawMessage");
        for (const Value& item : fv->items) RETURN_IF_ERROR(SetOne(item, m, f));
      } else {
        RETURN_IF_ERROR(SetOne(*fv, m, f));
      }
    }
  }
  return absl::OkStatus();
}

// Sets (or, for repeated fields, appends) one value.
absl::Status SetOne(const Value& v, Message* m, const FieldDescriptor* f) {
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  const bool null = v.kind == Value::Kind::kNull;  // an array element: the zero value
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* sub = rep ? r->AddMessage(m, f) : r->MutableMessage(m, f);
      return IntoMessage(v, sub);
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      if (!null && v.kind != Value::Kind::kBool) return TypeError(v.GoKind(), "bool");
      rep ? r->AddBool(m, f, v.boolean) : r->SetBool(m, f, v.boolean);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s;
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        if (!null) {
          if (v.kind != Value::Kind::kString) return TypeError(v.GoKind(), "[]uint8");
          ASSIGN_OR_RETURN(s, gojson::DecodeBase64(v.text));
        }
      } else {
        if (!null && v.kind != Value::Kind::kString) return TypeError(v.GoKind(), "string");
        s = v.text;
      }
      rep ? r->AddString(m, f, std::move(s)) : r->SetString(m, f, std::move(s));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      int number = 0;
      if (v.kind == Value::Kind::kString) {
        const EnumValueDescriptor* ev = f->enum_type()->FindValueByName(v.text);
        if (ev == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat("unknown value ", gojson::Quote(v.text),
                                                         " for enum ", GoEnumType(f->enum_type())));
        }
        number = ev->number();
      } else if (!null) {
        const std::string go_type = GoEnumType(f->enum_type());
        if (v.kind != Value::Kind::kNumber) return TypeError(v.GoKind(), go_type);
        ASSIGN_OR_RETURN(number, ParseInteger<int32_t>(v.text, go_type));
      }
      rep ? r->AddEnumValue(m, f, number) : r->SetEnumValue(m, f, number);
      return absl::OkStatus();
    }
    default:
      break;
  }
  // Numbers.
  const std::string go_type = GoIntType(f);
  std::string literal = "0";
  if (!null) {
    ASSIGN_OR_RETURN(literal, NumberLiteral(v, go_type));
  }
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      ASSIGN_OR_RETURN(int32_t x, ParseInteger<int32_t>(literal, go_type));
      rep ? r->AddInt32(m, f, x) : r->SetInt32(m, f, x);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      ASSIGN_OR_RETURN(uint32_t x, ParseInteger<uint32_t>(literal, go_type));
      rep ? r->AddUInt32(m, f, x) : r->SetUInt32(m, f, x);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      ASSIGN_OR_RETURN(int64_t x, ParseInteger<int64_t>(literal, go_type));
      rep ? r->AddInt64(m, f, x) : r->SetInt64(m, f, x);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      ASSIGN_OR_RETURN(uint64_t x, ParseInteger<uint64_t>(literal, go_type));
      rep ? r->AddUInt64(m, f, x) : r->SetUInt64(m, f, x);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double x;
      if (!absl::SimpleAtod(literal, &x))
        return TypeError(absl::StrCat("number ", literal), go_type);
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        rep ? r->AddDouble(m, f, x) : r->SetDouble(m, f, x);
      } else {
        rep ? r->AddFloat(m, f, static_cast<float>(x)) : r->SetFloat(m, f, static_cast<float>(x));
      }
      break;
    }
    default:
      break;
  }
  return absl::OkStatus();
}

}  // namespace

std::string GatewayMarshal(const Message& message) {
  std::string out;
  WriteMessage(message, &out);
  return out;
}

absl::Status GatewayUnmarshalValue(const Value& value, Message* message) {
  message->Clear();
  return IntoMessage(value, message);
}

absl::Status GatewayUnmarshal(std::string_view body, Message* message) {
  message->Clear();
  bool empty = false;
  ASSIGN_OR_RETURN(Value v, gojson::DecodeFirst(body, &empty));
  if (empty) return absl::OkStatus();
  return IntoMessage(v, message);
}

}  // namespace etcd::api
