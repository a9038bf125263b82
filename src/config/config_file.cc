#include "config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <exception>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "leveldb/env.h"

namespace etcd::config {
namespace {

struct TlsKey {
  const char* yaml;         // key inside *-transport-security
  const char* client_flag;  // nullptr: not available for client
  const char* peer_flag;
};

constexpr std::array<TlsKey, 8> kTlsKeys = {{
    {"cert-file", "cert-file", "peer-cert-file"},
    {"key-file", "key-file", "peer-key-file"},
    {"client-cert-auth", "client-cert-auth", "peer-client-cert-auth"},
    {"trusted-ca-file", "trusted-ca-file", "peer-trusted-ca-file"},
    {"auto-tls", "auto-tls", "peer-auto-tls"},
    {"crl-file", "client-crl-file", "peer-crl-file"},
    {"allowed-cn", nullptr, "peer-cert-allowed-cn"},
    {"allowed-hostname", "client-cert-allowed-hostname", "peer-cert-allowed-hostname"},
}};

// Flags that exist on the command line only.
bool CommandLineOnly(absl::string_view flag) {
  return flag == "config-file" || flag == "check-config" || flag == "version";
}

// Converts one YAML node to the text a flag would carry. Returns an error message, or
// "" with *text set.
std::string NodeToText(const FlagSpec& spec, const YAML::Node& node, std::string* text) {
  if (node.IsSequence()) {
    if (spec.kind != FlagKind::kUrls && spec.kind != FlagKind::kList) {
      return "expected a single value, not a list";
    }
    std::vector<std::string> items;
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) return "expected a list of plain values";
      items.push_back(item.Scalar());
    }
    *text = absl::StrJoin(items, ",");
    return "";
  }
  if (!node.IsScalar()) return "expected a single value, not a mapping";
  std::string s = node.Scalar();
  if (spec.kind == FlagKind::kBool) {
    std::string lower = absl::AsciiStrToLower(s);
    if (lower == "yes" || lower == "on" || lower == "y") s = "true";
    if (lower == "no" || lower == "off" || lower == "n") s = "false";
  }
  if (spec.kind == FlagKind::kDuration && !s.empty() &&
      s.find_first_not_of("-0123456789") == std::string::npos && s != "0") {
    s += "ns";  // etcd reads a bare number in the file as nanoseconds
  }
  *text = s;
  return "";
}

absl::Status AddValue(const FlagSpec& spec, absl::string_view key, const YAML::Node& node,
                      const std::string& path, RawValues* out) {
  if (node.IsNull()) return absl::OkStatus();  // "key:" with no value keeps the default
  std::string text;
  std::string err = NodeToText(spec, node, &text);
  if (!err.empty()) {
    return ConfigError(absl::StrCat("invalid value for \"", key, "\" in config file ", path, ": ",
                                    err, spec.expected.empty() ? "" : " (" + spec.expected + ")"));
  }
  (*out)[spec.name] = RawValue{text, Source{Source::kConfigFile, path}};
  return absl::OkStatus();
}

absl::Status ParseTlsSection(const YAML::Node& section, bool peer, absl::string_view section_key,
                             const std::string& path, RawValues* out,
                             std::vector<std::string>* warnings) {
  if (section.IsNull()) return absl::OkStatus();
  if (!section.IsMap()) {
    return ConfigError(absl::StrCat("invalid value for \"", section_key, "\" in config file ", path,
                                    ": expected a mapping with cert-file, key-file, "
                                    "client-cert-auth, trusted-ca-file, auto-tls"));
  }
  for (const auto& kv : section) {
    const std::string key = kv.first.Scalar();
    const char* flag = nullptr;
    for (const TlsKey& t : kTlsKeys) {
      if (key == t.yaml) flag = peer ? t.peer_flag : t.client_flag;
    }
    const FlagSpec* spec = flag ? FindFlag(flag) : nullptr;
    if (!spec) {
      warnings->push_back(absl::StrCat("unknown key \"", section_key, ".", key,
                                       "\" in config file ", path, " is ignored"));
      continue;
    }
    RETURN_IF_ERROR(AddValue(*spec, absl::StrCat(section_key, ".", key), kv.second, path, out));
  }
  return absl::OkStatus();
}

}  // namespace

std::string YamlKeyForFlag(absl::string_view flag) {
  for (const TlsKey& t : kTlsKeys) {
    if (t.client_flag && flag == t.client_flag) {
      return absl::StrCat("client-transport-security.", t.yaml);
    }
    if (flag == t.peer_flag) return absl::StrCat("peer-transport-security.", t.yaml);
  }
  const FlagSpec* spec = FindFlag(flag);
  if (!spec || spec->legacy || CommandLineOnly(flag)) return "";
  return std::string(flag);
}

absl::Status ParseConfigYaml(absl::string_view yaml, const std::string& path, RawValues* out,
                             std::vector<std::string>* warnings) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const std::exception& e) {
    return ConfigError(absl::StrCat("error parsing config file ", path, ": ", e.what()));
  }
  if (root.IsNull()) return absl::OkStatus();  // empty file: all defaults
  if (!root.IsMap()) {
    return ConfigError(absl::StrCat("error parsing config file ", path,
                                    ": expected a mapping of setting names to values"));
  }
  try {
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) {
        return ConfigError(
            absl::StrCat("error parsing config file ", path, ": keys must be plain names"));
      }
      const std::string key = kv.first.Scalar();
      if (key == "client-transport-security" || key == "peer-transport-security") {
        RETURN_IF_ERROR(
            ParseTlsSection(kv.second, key == "peer-transport-security", key, path, out, warnings));
        continue;
      }
      const FlagSpec* spec = FindFlag(key);
      if (!spec || spec->legacy || CommandLineOnly(key) || YamlKeyForFlag(key) != key) {
        std::string hint;
        if (spec && YamlKeyForFlag(key) != key && !YamlKeyForFlag(key).empty()) {
          hint = absl::StrCat(" (write it as ", YamlKeyForFlag(key), ")");
        }
        warnings->push_back(
            absl::StrCat("unknown key \"", key, "\" in config file ", path, " is ignored", hint));
        continue;
      }
      RETURN_IF_ERROR(AddValue(*spec, key, kv.second, path, out));
    }
  } catch (const std::exception& e) {
    return ConfigError(absl::StrCat("error parsing config file ", path, ": ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status LoadConfigFile(const std::string& path, leveldb::Env* fs, RawValues* out,
                            std::vector<std::string>* warnings) {
  if (fs == nullptr) fs = leveldb::Env::Default();
  std::string data;
  leveldb::Status s = leveldb::ReadFileToString(fs, path, &data);
  if (s.IsNotFound() || (!s.ok() && !fs->FileExists(path))) {
    return ConfigError(absl::StrCat("open ", path, ": no such file or directory"));
  }
  if (!s.ok()) {
    return ConfigError(absl::StrCat("cannot read config file ", path, ": ", s.ToString()));
  }
  return ParseConfigYaml(data, path, out, warnings);
}

}  // namespace etcd::config
