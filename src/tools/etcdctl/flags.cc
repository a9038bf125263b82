#include "tools/etcdctl/flags.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/etcdctl/go_format.h"

namespace etcd::etcdctl {

std::string Flag::ValueString() const {
  switch (type) {
    case FlagType::kBool:
      return b ? "true" : "false";
    case FlagType::kString:
      return s;
    case FlagType::kInt64:
    case FlagType::kInt:
      return std::to_string(i);
    case FlagType::kDuration:
      return FormatGoDuration(i);
    case FlagType::kStringSlice:
      return "[" + absl::StrJoin(slice, ",") + "]";
  }
  return "";
}

std::string Flag::DisplayName() const {
  if (shorthand != 0) return absl::StrCat("-", std::string(1, shorthand), ", --", name);
  return "--" + name;
}

Flag& FlagSet::Add(const std::string& name, char shorthand, FlagType type, const std::string& def,
                   const std::string& usage) {
  Flag f;
  f.name = name;
  f.shorthand = shorthand;
  f.type = type;
  f.default_text = def;
  f.usage = usage;
  flags_.push_back(std::move(f));
  return flags_.back();
}

void FlagSet::Bool(const std::string& name, char shorthand, bool def, const std::string& usage) {
  Add(name, shorthand, FlagType::kBool, def ? "true" : "false", usage).b = def;
}

void FlagSet::String(const std::string& name, char shorthand, const std::string& def,
                     const std::string& usage) {
  Add(name, shorthand, FlagType::kString, def, usage).s = def;
}

void FlagSet::Int64(const std::string& name, char shorthand, int64_t def,
                    const std::string& usage) {
  Add(name, shorthand, FlagType::kInt64, std::to_string(def), usage).i = def;
}

void FlagSet::Int(const std::string& name, char shorthand, int64_t def, const std::string& usage) {
  Add(name, shorthand, FlagType::kInt, std::to_string(def), usage).i = def;
}

void FlagSet::Duration(const std::string& name, char shorthand, const std::string& def,
                       const std::string& usage) {
  Add(name, shorthand, FlagType::kDuration, def, usage).i = ParseGoDuration(def).value_or(0);
}

void FlagSet::StringSlice(const std::string& name, char shorthand, const std::string& def_csv,
                          const std::string& usage) {
  Flag& f = Add(name, shorthand, FlagType::kStringSlice, def_csv, usage);
  if (!def_csv.empty()) f.slice = absl::StrSplit(def_csv, ',');
}

void FlagSet::Merge(const FlagSet& other) {
  for (const Flag& f : other.flags_) {
    if (Lookup(f.name) == nullptr) flags_.push_back(f);
  }
}

Flag* FlagSet::Lookup(const std::string& name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Flag* FlagSet::Lookup(const std::string& name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Flag* FlagSet::LookupShort(char c) {
  for (Flag& f : flags_) {
    if (f.shorthand == c) return &f;
  }
  return nullptr;
}

absl::Status FlagSet::Set(Flag* f, const std::string& value) {
  switch (f->type) {
    case FlagType::kBool: {
      ASSIGN_OR_RETURN(f->b, GoParseBool(value));
      break;
    }
    case FlagType::kString:
      f->s = value;
      break;
    case FlagType::kInt64: {
      ASSIGN_OR_RETURN(f->i, GoParseInt(value, 10));
      break;
    }
    case FlagType::kInt: {
      ASSIGN_OR_RETURN(f->i, GoParseInt(value, 10));
      break;
    }
    case FlagType::kDuration: {
      ASSIGN_OR_RETURN(f->i, ParseGoDuration(value));
      break;
    }
    case FlagType::kStringSlice: {
      std::vector<std::string> items;
      if (!value.empty()) items = absl::StrSplit(value, ',');
      if (!f->slice_set_once) {
        f->slice = items;
        f->slice_set_once = true;
      } else {
        f->slice.insert(f->slice.end(), items.begin(), items.end());
      }
      break;
    }
  }
  f->changed = true;
  return absl::OkStatus();
}

absl::Status FlagSet::SetWithContext(Flag* f, const std::string& value) {
  absl::Status s = Set(f, value);
  if (s.ok()) return s;
  return absl::InvalidArgumentError(absl::StrCat("invalid argument ", GoQuote(value), " for ",
                                                 GoQuote(f->DisplayName()),
                                                 " flag: ", s.message()));
}

absl::Status FlagSet::Parse(const std::vector<std::string>& in) {
  args_.clear();
  dash_ = -1;
  help_ = false;
  for (size_t k = 0; k < in.size(); ++k) {
    const std::string& a = in[k];
    if (a.size() < 2 || a[0] != '-') {
      args_.push_back(a);
      continue;
    }
    if (a[1] == '-') {
      if (a.size() == 2) {  // "--": the rest are arguments
        dash_ = static_cast<int>(args_.size());
        args_.insert(args_.end(), in.begin() + static_cast<long>(k) + 1, in.end());
        return absl::OkStatus();
      }
      std::string name = a.substr(2);
      if (name[0] == '-' || name[0] == '=') {
        return absl::InvalidArgumentError("bad flag syntax: " + a);
      }
      std::string value;
      bool has_value = false;
      if (const size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      Flag* f = Lookup(name);
      if (f == nullptr) {
        if (name == "help") {
          help_ = true;
          continue;
        }
        return absl::InvalidArgumentError("unknown flag: --" + name);
      }
      if (!has_value) {
        if (f->type == FlagType::kBool) {
          value = "true";
        } else if (k + 1 < in.size()) {
          value = in[++k];
        } else {
          return absl::InvalidArgumentError("flag needs an argument: " + a);
        }
      }
      RETURN_IF_ERROR(SetWithContext(f, value));
      continue;
    }
    // Shorthands.
    std::string shorthands = a.substr(1);
    while (!shorthands.empty()) {
      const char c = shorthands[0];
      Flag* f = LookupShort(c);
      if (f == nullptr) {
        if (c == 'h') {
          help_ = true;
          shorthands.erase(0, 1);
          continue;
        }
        return absl::InvalidArgumentError(
            absl::StrCat("unknown shorthand flag: '", std::string(1, c), "' in -", shorthands));
      }
      std::string value;
      if (shorthands.size() > 2 && shorthands[1] == '=') {
        value = shorthands.substr(2);
        shorthands.clear();
      } else if (f->type == FlagType::kBool) {
        value = "true";
        shorthands.erase(0, 1);
      } else if (shorthands.size() > 1) {
        value = shorthands.substr(1);
        shorthands.clear();
      } else if (k + 1 < in.size()) {
        value = in[++k];
        shorthands.clear();
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("flag needs an argument: '", std::string(1, c), "' in -", shorthands));
      }
      RETURN_IF_ERROR(SetWithContext(f, value));
    }
  }
  return absl::OkStatus();
}

bool FlagSet::GetBool(const std::string& name) const {
  const Flag* f = Lookup(name);
  return f != nullptr && f->b;
}

const std::string& FlagSet::GetString(const std::string& name) const {
  static const std::string kEmpty;
  const Flag* f = Lookup(name);
  return f != nullptr ? f->s : kEmpty;
}

int64_t FlagSet::GetInt(const std::string& name) const {
  const Flag* f = Lookup(name);
  return f != nullptr ? f->i : 0;
}

const std::vector<std::string>& FlagSet::GetStringSlice(const std::string& name) const {
  static const std::vector<std::string> kEmpty;
  const Flag* f = Lookup(name);
  return f != nullptr ? f->slice : kEmpty;
}

bool FlagSet::Changed(const std::string& name) const {
  const Flag* f = Lookup(name);
  return f != nullptr && f->changed;
}

}  // namespace etcd::etcdctl
