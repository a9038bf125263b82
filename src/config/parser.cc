#include "config/parser.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "config/config_file.h"
#include "config/diagnostics.h"
#include "config/flags.h"
#include "config/go_values.h"
#include "config/url.h"
#include "config/validate.h"

namespace etcd::config {
namespace {

struct CommandLine {
  std::vector<std::pair<const FlagSpec*, RawValue>> values;  // in argv order
  std::vector<std::string> positional;
  // The argument just before the first positional one, and whether it was a flag
  // given without "=value".
  const FlagSpec* flag_before_positional = nullptr;
  bool help = false;
};

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Suggestion(absl::string_view name) {
  const FlagSpec* best = nullptr;
  size_t best_distance = 3;  // suggest only close matches
  for (const FlagSpec& f : AllFlags()) {
    if (f.legacy) continue;
    size_t d = EditDistance(name, f.name);
    if (d < best_distance) best = &f, best_distance = d;
  }
  if (best) return absl::StrCat(" (did you mean --", best->name, "? see 'etcd --help')");
  return " (see 'etcd --help' for the list of flags)";
}

// Go `flag` package syntax: -x, --x, -x=v, --x=v, -x v (non-boolean), "--" ends flags,
// the first non-flag argument ends flags.
absl::StatusOr<CommandLine> ParseArgs(const std::vector<std::string>& args) {
  CommandLine cl;
  size_t i = 0;
  const FlagSpec* last_bare_flag = nullptr;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') break;
    size_t dashes = 1;
    if (arg[1] == '-') {
      dashes = 2;
      if (arg.size() == 2) {  // "--"
        ++i;
        last_bare_flag = nullptr;
        break;
      }
    }
    std::string name = arg.substr(dashes);
    if (name.empty() || name[0] == '-' || name[0] == '=') {
      return SyntaxError(
          absl::StrCat("bad flag syntax: ", arg, " (flags are written -name or --name)"));
    }
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "help" || name == "h") {
      cl.help = true;
      return cl;
    }
    const FlagSpec* spec = FindFlag(name);
    if (spec == nullptr) {
      return SyntaxError(absl::StrCat("flag provided but not defined: -", name, Suggestion(name)));
    }
    if (spec->kind == FlagKind::kBool) {
      if (has_value && !spec->legacy && !ParseGoBool(value)) {
        return SyntaxError(
            absl::StrFormat("invalid boolean value \"%s\" for -%s: parse error%s", value, name,
                            Context(name, Source{Source::kFlag, "--" + name}, spec->expected)));
      }
      if (!has_value) value = "true";
    } else if (!has_value) {
      if (i + 1 >= args.size()) {
        return SyntaxError(absl::StrCat("flag needs an argument: -", name, " (write --", name,
                                        " <value> or --", name, "=<value>)"));
      }
      value = args[++i];
    }
    RawValue raw{value, Source{Source::kFlag, "--" + name}};
    if (spec->set && !spec->legacy) {
      // Go's flag package rejects a bad value while parsing (exit 2), in argv order.
      ServerConfig scratch;
      if (std::optional<std::string> err = spec->set(value, scratch)) {
        return InvalidValueError(*spec, raw, *err);
      }
    }
    cl.values.emplace_back(spec, std::move(raw));
    last_bare_flag = (spec->kind == FlagKind::kBool && !has_value) ? spec : nullptr;
  }
  for (; i < args.size(); ++i) cl.positional.push_back(args[i]);
  cl.flag_before_positional = last_bare_flag;
  return cl;
}

absl::Status PositionalError(const CommandLine& cl) {
  const std::string& word = cl.positional.front();
  std::string hint;
  const FlagSpec* prev = cl.flag_before_positional;
  if (prev && prev->legacy) {
    hint = absl::StrCat("--", prev->name,
                        " is no longer supported and takes no separate value; remove both");
  } else if (prev && ParseGoBool(word)) {
    hint =
        absl::StrCat("boolean flags take their value after '=': write --", prev->name, "=", word);
  } else {
    hint = "settings are given as --name value or --name=value; see 'etcd --help'";
  }
  return ConfigError(absl::StrCat("'", word, "' is not a valid flag (", hint, ")"));
}

bool SameSetting(const FlagSpec& spec, const std::string& a, const std::string& b) {
  if (a == b) return true;
  if (spec.set) {
    ServerConfig ca = DefaultConfig(), cb = DefaultConfig();
    if (spec.set(a, ca) || spec.set(b, cb)) return false;
    return ca == cb;
  }
  if (spec.name == "initial-cluster") {
    auto pa = ParseInitialCluster(a);
    auto pb = ParseInitialCluster(b);
    return pa.ok() && pb.ok() && FormatInitialCluster(*pa) == FormatInitialCluster(*pb);
  }
  return false;
}

// True for flags handled by Parse() itself rather than stored in the config.
bool ControlFlag(absl::string_view name) {
  return name == "version" || name == "check-config" || name == "config-file";
}

}  // namespace

absl::StatusOr<ParseResult> Parse(const std::vector<std::string>& args,
                                  const std::map<std::string, std::string>& env, leveldb::Env* fs) {
  ParseResult result;
  result.config = DefaultConfig();
  ASSIGN_OR_RETURN(CommandLine cl, ParseArgs(args));
  if (cl.help) {
    result.help = true;
    return result;
  }
  if (!cl.positional.empty()) return PositionalError(cl);

  RawValues cmd;  // the last occurrence of a flag wins, as in Go
  for (const auto& [spec, raw] : cl.values) {
    if (spec->legacy) {
      result.warnings.push_back(
          absl::StrCat("--", spec->name, " is no longer supported and is ignored"));
      continue;
    }
    cmd[spec->name] = raw;
  }
  if (auto it = cmd.find("version"); it != cmd.end() && *ParseGoBool(it->second.value)) {
    result.version = true;
    return result;
  }
  if (auto it = cmd.find("check-config"); it != cmd.end()) {
    result.check_config = *ParseGoBool(it->second.value);
  }

  // --config-file, else ETCD_CONFIG_FILE.
  RawValue config_file;
  if (auto it = cmd.find("config-file"); it != cmd.end() && !it->second.value.empty()) {
    config_file = it->second;
  } else if (auto e = env.find("ETCD_CONFIG_FILE"); e != env.end() && !e->second.empty()) {
    config_file = RawValue{e->second, Source{Source::kEnv, "ETCD_CONFIG_FILE"}};
  }
  const bool file_mode = !config_file.value.empty();

  RawValues raw;
  std::vector<std::string> ignored;  // settings a config file makes us ignore
  if (file_mode) {
    RETURN_IF_ERROR(LoadConfigFile(config_file.value, fs, &raw, &result.warnings));
    if (auto e = env.find("ETCD_CONFIG_FILE"); config_file.source.kind == Source::kFlag &&
                                               e != env.end() && !e->second.empty() &&
                                               e->second != config_file.value) {
      ignored.push_back("ETCD_CONFIG_FILE");
    }
    for (const auto& [name, value] : cmd) {
      if (!ControlFlag(name)) ignored.push_back(value.source.detail);
    }
  } else {
    for (const auto& [name, value] : cmd) {
      if (!ControlFlag(name)) raw[name] = value;
    }
  }

  // ETCD_* variables.
  for (const auto& [var, value] : env) {
    if (!absl::StartsWith(var, "ETCD_") || var == "ETCD_CONFIG_FILE") continue;
    if (var == "ETCD_UNSUPPORTED_ARCH") continue;  // meaningful to etcd's launcher only
    const std::string flag = FlagNameForEnv(var);
    const FlagSpec* spec = FindFlag(flag);
    if (spec == nullptr || EnvNameForFlag(flag) != var) {
      result.warnings.push_back(
          absl::StrCat("unrecognized environment variable ", var, "=", value));
      continue;
    }
    if (value.empty()) continue;  // an empty ETCD_X= is ignored, as in etcd
    if (spec->legacy) {
      result.warnings.push_back(
          absl::StrCat(var, "=", value, " is no longer supported and is ignored"));
      continue;
    }
    if (flag == "version") {
      // etcd only prints the version for the --version flag; ETCD_VERSION=true does
      // nothing, and a non-boolean value (some images export the etcd version this
      // way) made etcd 3.4 refuse to start. We ignore it either way.
      if (!ParseGoBool(value)) {
        result.warnings.push_back(absl::StrCat("ignoring ", var, "=", value,
                                               " (use the --version flag to print the "
                                               "version)"));
      }
      continue;
    }
    RawValue env_value{value, Source{Source::kEnv, var}};
    if (flag == "check-config") {
      if (cmd.count(flag) == 0) {
        std::optional<bool> b = ParseGoBool(value);
        if (!b) return InvalidValueError(*spec, env_value, "parse error");
        result.check_config = *b;
      }
      continue;
    }
    if (file_mode) {
      ignored.push_back(var);
      continue;
    }
    if (auto it = cmd.find(flag); it != cmd.end()) {
      // etcd 3.4 exits here ("conflicting environment variable ... is shadowed by
      // corresponding command-line flag"); we let the flag win and say so.
      if (!SameSetting(*spec, it->second.value, value)) {
        result.warnings.push_back(absl::StrFormat(
            "--%s=\"%s\" on the command line overrides %s=\"%s\" in the environment; "
            "using \"%s\" (etcd 3.4 refuses to start in this case; unset %s or drop --%s "
            "to silence this warning)",
            flag, it->second.value, var, value, it->second.value, var, flag));
      }
      continue;
    }
    raw[flag] = env_value;
  }

  if (file_mode) {
    result.config.config_file = config_file.value;
    if (!ignored.empty()) {
      result.warnings.push_back(
          absl::StrCat("configuration is read from config file ", config_file.value,
                       " only; as in etcd, these command-line flags and environment variables were "
                       "ignored: ",
                       absl::StrJoin(ignored, ", ")));
    }
  }

  // Store every value, in table order.
  for (const FlagSpec& spec : AllFlags()) {
    if (spec.legacy || spec.name == "version" || spec.name == "check-config") continue;
    if (spec.name == "config-file") {
      if (file_mode)
        result.sources[spec.name] = config_file.source;
      else
        result.sources[spec.name] = Source{};
      continue;
    }
    auto it = raw.find(spec.name);
    if (it == raw.end()) {
      result.sources[spec.name] = Source{};
      continue;
    }
    result.sources[spec.name] = it->second.source;
    if (!spec.set) continue;
    if (std::optional<std::string> err = spec.set(it->second.value, result.config)) {
      return InvalidValueError(spec, it->second, *err);
    }
  }

  RETURN_IF_ERROR(ResolveAndValidate(raw, &result));
  return result;
}

}  // namespace etcd::config
