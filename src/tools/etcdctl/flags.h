// Go-style (spf13/pflag) command-line flags, as etcdctl 3.4 parses them: long flags
// `--name=value` / `--name value`, bool flags without a value, shorthands (`-w json`,
// `-wjson`, `-w=json`, grouped bool shorthands), flags interspersed with arguments,
// `--` ending the flags. Error texts are pflag's ("unknown flag: --bogus", "flag needs
// an argument: --rev", "invalid argument \"x\" for \"--rev\" flag: ...").
//
// (CLI11 was considered; it cannot reproduce pflag's error texts, its interspersed
// parsing of inherited flags or cobra's prefix matching of commands, so this small
// parser is our own.)
//
// Thread safety: none; a FlagSet belongs to one command invocation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace etcd::etcdctl {

enum class FlagType { kBool, kString, kInt64, kInt, kDuration, kStringSlice };

struct Flag {
  std::string name;
  char shorthand = 0;
  FlagType type = FlagType::kString;
  std::string default_text;  // as given at definition
  std::string usage;
  bool changed = false;
  // Current value (typed).
  bool b = false;
  std::string s;
  int64_t i = 0;  // kInt64, kInt and kDuration (nanoseconds)
  std::vector<std::string> slice;
  bool slice_set_once = false;

  // pflag's Value.String(): "true", "2s", "[a,b]", the string itself.
  std::string ValueString() const;
  // "-w, --write-out" or "--rev" (as pflag names a flag in errors).
  std::string DisplayName() const;
};

class FlagSet {
 public:
  void Bool(const std::string& name, char shorthand, bool def, const std::string& usage);
  void String(const std::string& name, char shorthand, const std::string& def,
              const std::string& usage);
  void Int64(const std::string& name, char shorthand, int64_t def, const std::string& usage);
  void Int(const std::string& name, char shorthand, int64_t def, const std::string& usage);
  void Duration(const std::string& name, char shorthand, const std::string& def,
                const std::string& usage);
  void StringSlice(const std::string& name, char shorthand, const std::string& def_csv,
                   const std::string& usage);
  // Adds a copy of every flag of `other` not already defined here.
  void Merge(const FlagSet& other);

  Flag* Lookup(const std::string& name);
  const Flag* Lookup(const std::string& name) const;
  Flag* LookupShort(char c);
  // Sets a flag from text (pflag Set); marks it changed. Errors are the bare value
  // error ("strconv.ParseInt: parsing ...").
  absl::Status Set(Flag* flag, const std::string& value);

  // Parses `args`; the non-flag arguments go to args(). Returns pflag's error text
  // on failure. `help` is set when -h/--help was given (not an error).
  absl::Status Parse(const std::vector<std::string>& args);
  const std::vector<std::string>& args() const { return args_; }
  // Index in args() of the first argument after "--", or -1.
  int args_len_at_dash() const { return dash_; }
  bool help() const { return help_; }

  bool GetBool(const std::string& name) const;
  const std::string& GetString(const std::string& name) const;
  int64_t GetInt(const std::string& name) const;  // kInt, kInt64, kDuration (ns)
  const std::vector<std::string>& GetStringSlice(const std::string& name) const;
  bool Changed(const std::string& name) const;

  const std::vector<Flag>& flags() const { return flags_; }

 private:
  Flag& Add(const std::string& name, char shorthand, FlagType type, const std::string& def,
            const std::string& usage);
  absl::Status SetWithContext(Flag* flag, const std::string& value);

  std::vector<Flag> flags_;
  std::vector<std::string> args_;
  int dash_ = -1;
  bool help_ = false;
};

}  // namespace etcd::etcdctl
