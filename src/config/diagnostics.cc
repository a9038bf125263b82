#include "config/diagnostics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "config/config_file.h"

namespace etcd::config {

absl::Status SyntaxError(absl::string_view message) { return absl::InvalidArgumentError(message); }

absl::Status ConfigError(absl::string_view message) {
  return absl::FailedPreconditionError(message);
}

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return 0;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

std::string DescribeSource(absl::string_view flag, const Source& source) {
  switch (source.kind) {
    case Source::kFlag:
      return absl::StrCat(source.detail.empty() ? absl::StrCat("--", flag) : source.detail,
                          " on the command line");
    case Source::kEnv:
      return absl::StrCat(source.detail, " in the environment");
    case Source::kConfigFile: {
      std::string key = YamlKeyForFlag(flag);
      return absl::StrCat("\"", key.empty() ? std::string(flag) : key, "\" in config file ",
                          source.detail);
    }
    case Source::kDefault:
      return "the default";
  }
  return "";
}

std::string DescribeValue(absl::string_view flag, const Source& source, absl::string_view value) {
  switch (source.kind) {
    case Source::kFlag:
      return absl::StrFormat("%s=\"%s\" on the command line",
                             source.detail.empty() ? absl::StrCat("--", flag) : source.detail,
                             value);
    case Source::kEnv:
      return absl::StrFormat("%s=\"%s\" in the environment", source.detail, value);
    case Source::kConfigFile: {
      std::string key = YamlKeyForFlag(flag);
      return absl::StrFormat("%s: \"%s\" in config file %s", key.empty() ? flag : key, value,
                             source.detail);
    }
    case Source::kDefault:
      return absl::StrFormat("the default \"%s\"", value);
  }
  return "";
}

std::string Context(absl::string_view flag, const Source& source, absl::string_view value,
                    absl::string_view hint) {
  std::string out = absl::StrCat(" (from ", DescribeValue(flag, source, value));
  if (!hint.empty()) absl::StrAppend(&out, "; ", hint);
  out += ")";
  return out;
}

std::string Context(absl::string_view flag, const Source& source, absl::string_view hint) {
  std::string out = absl::StrCat(" (from ", DescribeSource(flag, source));
  if (!hint.empty()) absl::StrAppend(&out, "; ", hint);
  out += ")";
  return out;
}

absl::Status InvalidValueError(const FlagSpec& spec, const RawValue& raw,
                               absl::string_view reason) {
  const bool from_flag = raw.source.kind == Source::kFlag;
  std::string head =
      (spec.kind == FlagKind::kBool && from_flag)
          ? absl::StrFormat("invalid boolean value \"%s\" for -%s: %s", raw.value, spec.name,
                            reason)
          : absl::StrFormat("invalid value \"%s\" for flag -%s: %s", raw.value, spec.name, reason);
  std::string message = head + Context(spec.name, raw.source, spec.expected);
  return from_flag ? SyntaxError(message) : ConfigError(message);
}

}  // namespace etcd::config
