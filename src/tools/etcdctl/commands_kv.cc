// get, put, del, txn, compaction.
#include <iostream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/etcdctl/commands.h"
#include "tools/etcdctl/go_format.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

void AddGetFlags(FlagSet* f) {
  f->String("consistency", 0, "l", "Linearizable(l) or Serializable(s)");
  f->String("order", 0, "", "Order of results; ASCEND or DESCEND (ASCEND by default)");
  f->String("sort-by", 0, "", "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION");
  f->Int64("limit", 0, 0, "Maximum number of results");
  f->Bool("prefix", 0, false, "Get keys with matching prefix");
  f->Bool("from-key", 0, false, "Get keys that are greater than or equal to the given key");
  f->Int64("rev", 0, 0, "Specify the kv revision");
  f->Bool("keys-only", 0, false, "Get only the keys");
  f->Bool("print-value-only", 0, false,
          "Only write values when using the \"simple\" output format");
}

void AddPutFlags(FlagSet* f) {
  f->String("lease", 0, "0", "lease ID (in hexadecimal) to attach to the key");
  f->Bool("prev-kv", 0, false, "return the previous key-value pair before modification");
  f->Bool("ignore-value", 0, false, "updates the key using its current value");
  f->Bool("ignore-lease", 0, false, "updates the key using its current lease");
}

void AddDelFlags(FlagSet* f) {
  f->Bool("prefix", 0, false, "delete keys with matching prefix");
  f->Bool("prev-kv", 0, false, "return deleted key-value pairs");
  f->Bool("from-key", 0, false, "delete keys that are greater than or equal to the given key");
}

const std::string kNul(1, '\0');

}  // namespace

RangeRequest GetOp(const FlagSet& f, const std::vector<std::string>& args) {
  if (args.empty()) {
    ExitWithError(kExitBadArgs,
                  "get command needs one argument as key and an optional argument as range_end");
  }
  const bool prefix = f.GetBool("prefix"), from_key = f.GetBool("from-key");
  if (prefix && from_key) {
    ExitWithError(kExitBadArgs,
                  "`--prefix` and `--from-key` cannot be set at the same time, choose one");
  }
  RangeRequest req;
  const std::string& consistency = f.GetString("consistency");
  if (consistency == "s") {
    req.set_serializable(true);
  } else if (consistency != "l") {
    ExitWithError(kExitBadFeature, "unknown consistency flag " + GoQuote(consistency));
  }
  std::string key = args[0];
  if (args.size() > 1) {
    if (prefix || from_key) {
      ExitWithError(kExitBadArgs,
                    "too many arguments, only accept one argument when `--prefix` or "
                    "`--from-key` is set");
    }
    req.set_range_end(args[1]);
  }
  req.set_limit(f.GetInt("limit"));
  if (f.GetInt("rev") > 0) req.set_revision(f.GetInt("rev"));
  const std::string order = absl::AsciiStrToUpper(f.GetString("order"));
  RangeRequest::SortOrder sort_order = RangeRequest::NONE;
  if (order == "ASCEND") {
    sort_order = RangeRequest::ASCEND;
  } else if (order == "DESCEND") {
    sort_order = RangeRequest::DESCEND;
  } else if (!order.empty()) {
    ExitWithError(kExitBadFeature, "bad sort order " + f.GetString("order"));
  }
  const std::string target = absl::AsciiStrToUpper(f.GetString("sort-by"));
  RangeRequest::SortTarget sort_target = RangeRequest::KEY;
  if (target == "CREATE") {
    sort_target = RangeRequest::CREATE;
  } else if (target == "KEY" || target.empty()) {
    sort_target = RangeRequest::KEY;
  } else if (target == "MODIFY") {
    sort_target = RangeRequest::MOD;
  } else if (target == "VALUE") {
    sort_target = RangeRequest::VALUE;
  } else if (target == "VERSION") {
    sort_target = RangeRequest::VERSION;
  } else {
    ExitWithError(kExitBadFeature, "bad sort target " + f.GetString("sort-by"));
  }
  // Keys come back in ascending key order anyway; clientv3 then asks for no sort.
  if (sort_target == RangeRequest::KEY && sort_order == RangeRequest::ASCEND) {
    sort_order = RangeRequest::NONE;
  }
  req.set_sort_order(sort_order);
  req.set_sort_target(sort_target);
  if (prefix) {
    if (key.empty()) {
      key = kNul;
      req.set_range_end(kNul);
    } else {
      req.set_range_end(PrefixRangeEnd(key));
    }
  }
  if (from_key) {
    if (key.empty()) key = kNul;
    req.set_range_end(kNul);
  }
  if (f.GetBool("keys-only")) req.set_keys_only(true);
  req.set_key(key);
  return req;
}

PutRequest PutOp(const FlagSet& f, const std::vector<std::string>& args, std::istream& in) {
  constexpr char kNeeds[] = "put command needs 1 argument and input from stdin or 2 arguments";
  if (args.empty()) ExitWithError(kExitBadArgs, kNeeds);
  const bool ignore_value = f.GetBool("ignore-value");
  if (ignore_value && args.size() > 1) {
    ExitWithError(kExitBadArgs, "put command needs only 1 argument when 'ignore-value' is set");
  }
  PutRequest req;
  req.set_key(args[0]);
  if (!ignore_value) {
    if (args.size() > 1) {
      req.set_value(args[1]);
    } else {
      std::string v((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (v.empty()) ExitWithError(kExitBadArgs, kNeeds);
      req.set_value(v);
    }
  }
  auto id = GoParseInt(f.GetString("lease"), 16);
  if (!id.ok()) {
    ExitWithError(kExitBadArgs,
                  absl::StrCat("bad lease ID (", id.status().message(), "), expecting ID in Hex"));
  }
  if (*id != 0) req.set_lease(*id);
  if (f.GetBool("prev-kv")) req.set_prev_kv(true);
  if (ignore_value) req.set_ignore_value(true);
  if (f.GetBool("ignore-lease")) req.set_ignore_lease(true);
  return req;
}

DeleteRangeRequest DelOp(const FlagSet& f, const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) {
    ExitWithError(kExitBadArgs,
                  "del command needs one argument as key and an optional argument as range_end");
  }
  const bool prefix = f.GetBool("prefix"), from_key = f.GetBool("from-key");
  if (prefix && from_key) {
    ExitWithError(kExitBadArgs,
                  "`--prefix` and `--from-key` cannot be set at the same time, choose one");
  }
  DeleteRangeRequest req;
  std::string key = args[0];
  if (args.size() > 1) {
    if (prefix || from_key) {
      ExitWithError(kExitBadArgs,
                    "too many arguments, only accept one argument when `--prefix` or "
                    "`--from-key` is set");
    }
    req.set_range_end(args[1]);
  }
  if (prefix) {
    if (key.empty()) {
      key = kNul;
      req.set_range_end(kNul);
    } else {
      req.set_range_end(PrefixRangeEnd(key));
    }
  }
  if (f.GetBool("prev-kv")) req.set_prev_kv(true);
  if (from_key) {
    if (key.empty()) key = kNul;
    req.set_range_end(kNul);
  }
  req.set_key(key);
  return req;
}

std::unique_ptr<Command> NewGetCommand() {
  auto c = MakeCommand(
      "get [options] <key> [range_end]", "Gets the key or a range of keys", [](Context& ctx) {
        RangeRequest req = GetOp(ctx.flags(), ctx.args());
        auto cli = ctx.MustClient();
        auto resp = cli->Range(req);
        if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
        if (ctx.flags().GetBool("print-value-only")) {
          if (!ctx.Display().is_simple()) {
            ExitWithError(kExitBadArgs, "print-value-only is only for `--write-out=simple`");
          }
          ctx.Display().set_value_only(true);
        }
        ctx.Display().Get(*resp);
      });
  AddGetFlags(&c->flags);
  return c;
}

std::unique_ptr<Command> NewPutCommand() {
  auto c = MakeCommand("put [options] <key> <value>", "Puts the given key into the store",
                       [](Context& ctx) {
                         PutRequest req = PutOp(ctx.flags(), ctx.args(), ctx.in());
                         auto cli = ctx.MustClient();
                         auto resp = cli->Put(req);
                         if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
                         ctx.Display().Put(*resp);
                       });
  c->long_help =
      "The value is read from standard input when it is not given. A value starting\n"
      "with '-' goes after '--': put <key> -- <value>.";
  AddPutFlags(&c->flags);
  return c;
}

std::unique_ptr<Command> NewDelCommand() {
  auto c =
      MakeCommand("del [options] <key> [range_end]",
                  "Removes the specified key or range of keys [key, range_end)", [](Context& ctx) {
                    DeleteRangeRequest req = DelOp(ctx.flags(), ctx.args());
                    auto cli = ctx.MustClient();
                    auto resp = cli->DeleteRange(req);
                    if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
                    ctx.Display().Del(*resp);
                  });
  AddDelFlags(&c->flags);
  return c;
}

// --- txn ---

namespace {

// Go's Unquote of a "..." or `...` literal at s[*pos]; nullopt if there is none.
std::optional<std::string> ScanQuoted(const std::string& s, size_t* pos) {
  size_t i = *pos;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  if (i >= s.size()) return std::nullopt;
  if (s[i] == '`') {
    const size_t end = s.find('`', i + 1);
    if (end == std::string::npos) return std::nullopt;
    *pos = end + 1;
    return s.substr(i + 1, end - i - 1);
  }
  if (s[i] != '"') return std::nullopt;
  std::string out;
  for (size_t k = i + 1; k < s.size(); ++k) {
    const char c = s[k];
    if (c == '"') {
      *pos = k + 1;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++k >= s.size()) return std::nullopt;
    const char e = s[k];
    auto hexval = [&](size_t n) -> std::optional<uint32_t> {
      if (k + n >= s.size()) return std::nullopt;
      auto v = GoParseUint(s.substr(k + 1, n), 16);
      if (!v.ok()) return std::nullopt;
      k += n;
      return static_cast<uint32_t>(*v);
    };
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x': {
        auto v = hexval(2);
        if (!v) return std::nullopt;
        out += static_cast<char>(*v);
        break;
      }
      case 'u':
      case 'U': {
        auto v = hexval(e == 'u' ? 4 : 8);
        if (!v) return std::nullopt;
        uint32_t r = *v;
        if (r < 0x80) {
          out += static_cast<char>(r);
        } else if (r < 0x800) {
          out += static_cast<char>(0xC0 | (r >> 6));
          out += static_cast<char>(0x80 | (r & 0x3F));
        } else if (r < 0x10000) {
          out += static_cast<char>(0xE0 | (r >> 12));
          out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (r & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (r >> 18));
          out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (r & 0x3F));
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7' && k + 2 < s.size()) {
          auto v = GoParseUint(s.substr(k, 3), 8);
          if (!v.ok() || *v > 255) return std::nullopt;
          out += static_cast<char>(*v);
          k += 2;
          break;
        }
        return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> Argify(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '"') {
      size_t pos = i;
      auto q = ScanQuoted(line, &pos);
      if (q) {
        out.push_back(*q);
        i = pos;
      } else {
        ++i;
      }
      continue;
    }
    if (c == '\'') {
      const size_t end = line.find('\'', i + 1);
      if (end == std::string::npos) {
        ++i;
        continue;
      }
      out.push_back(line.substr(i + 1, end - i - 1));
      i = end + 1;
      continue;
    }
    size_t end = i;
    while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
    out.push_back(line.substr(i, end - i));
    i = end;
  }
  return out;
}

Compare ParseCompare(const std::string& line) {
  const size_t lp = line.find('(');
  if (lp == std::string::npos) ExitWithError(kExitInvalidInput, "malformed comparison: " + line);
  const std::string target = line.substr(0, lp);
  const std::string rest = line.substr(lp + 1);
  size_t pos = 0;
  std::string key, op, val;
  int n = 0;
  if (auto k = ScanQuoted(rest, &pos); k) {
    key = *k;
    ++n;
    if (pos < rest.size() && rest[pos] == ')') {
      ++pos;
      while (pos < rest.size() && std::isspace(static_cast<unsigned char>(rest[pos]))) ++pos;
      size_t end = pos;
      while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end]))) ++end;
      if (end > pos) {
        op = rest.substr(pos, end - pos);
        ++n;
        pos = end;
        if (auto v = ScanQuoted(rest, &pos); v) {
          val = *v;
          ++n;
        }
      }
    }
  }
  if (n != 3) {
    ExitWithError(kExitInvalidInput, absl::StrCat("malformed comparison: ", line, "; got ", target,
                                                  "(", GoQuote(key), ") ", op, " ", GoQuote(val)));
  }
  Compare cmp;
  cmp.set_key(key);
  if (op == "=") {
    cmp.set_result(Compare::EQUAL);
  } else if (op == "!=") {
    cmp.set_result(Compare::NOT_EQUAL);
  } else if (op == "<") {
    cmp.set_result(Compare::LESS);
  } else if (op == ">") {
    cmp.set_result(Compare::GREATER);
  } else {
    // etcdctl 3.4 panics here; we refuse the input instead.
    ExitWithError(kExitInvalidInput, "invalid txn compare request: " + line);
  }
  auto number = [&](int base) {
    auto v = GoParseInt(val, base);
    if (!v.ok()) ExitWithError(kExitInvalidInput, "invalid txn compare request: " + line);
    return *v;
  };
  if (target == "ver" || target == "version") {
    cmp.set_target(Compare::VERSION);
    cmp.set_version(number(10));
  } else if (target == "c" || target == "create") {
    cmp.set_target(Compare::CREATE);
    cmp.set_create_revision(number(10));
  } else if (target == "m" || target == "mod") {
    cmp.set_target(Compare::MOD);
    cmp.set_mod_revision(number(10));
  } else if (target == "val" || target == "value") {
    cmp.set_target(Compare::VALUE);
    cmp.set_value(val);
  } else if (target == "lease") {
    cmp.set_target(Compare::LEASE);
    cmp.set_lease(number(16));
  } else {
    ExitWithError(kExitInvalidInput,
                  absl::StrCat("malformed comparison: ", line, " (unknown target ", target, ")"));
  }
  return cmp;
}

RequestOp ParseRequestOp(const std::string& line, std::istream& in) {
  const std::vector<std::string> words = Argify(line);
  if (words.size() < 2) ExitWithError(kExitInvalidInput, "invalid txn compare request: " + line);
  auto invalid = [&] { ExitWithError(kExitInvalidInput, "invalid txn request: " + line); };
  // The op name may be abbreviated as any command (cobra prefix matching).
  const std::string& name = words[0];
  std::string which;
  for (const char* cand : {"put", "get", "del"}) {
    if (std::string(cand).rfind(name, 0) == 0) {
      if (!which.empty()) invalid();
      which = cand;
    }
  }
  if (which.empty() || name.empty()) invalid();
  FlagSet flags;
  if (which == "put") AddPutFlags(&flags);
  if (which == "get") AddGetFlags(&flags);
  if (which == "del") AddDelFlags(&flags);
  if (!flags.Parse(std::vector<std::string>(words.begin() + 1, words.end())).ok()) invalid();
  RequestOp op;
  if (which == "put") *op.mutable_request_put() = PutOp(flags, flags.args(), in);
  if (which == "get") *op.mutable_request_range() = GetOp(flags, flags.args());
  if (which == "del") *op.mutable_request_delete_range() = DelOp(flags, flags.args());
  return op;
}

namespace {

// bufio.Reader.ReadString('\n') + TrimSpace; EOF (even after a partial line) exits 3.
std::string ReadTxnLine(std::istream& in) {
  std::string line;
  if (!std::getline(in, line) || in.eof()) ExitWithError(kExitInvalidInput, "EOF");
  return std::string(absl::StripAsciiWhitespace(line));
}

}  // namespace

std::unique_ptr<Command> NewTxnCommand() {
  auto c = MakeCommand("txn [options]", "Txn processes all the requests in one transaction",
                       [](Context& ctx) {
                         if (!ctx.args().empty())
                           ExitWithError(kExitBadArgs, "txn command does not accept argument");
                         const bool interactive = ctx.flags().GetBool("interactive");
                         auto cli = ctx.MustClient();
                         auto prompt = [&](const char* s) {
                           if (interactive) ctx.out() << s << "\n" << std::flush;
                         };
                         TxnRequest req;
                         prompt("compares:");
                         for (;;) {
                           const std::string line = ReadTxnLine(ctx.in());
                           if (line.empty()) break;
                           *req.add_compare() = ParseCompare(line);
                         }
                         prompt("success requests (get, put, del):");
                         for (;;) {
                           const std::string line = ReadTxnLine(ctx.in());
                           if (line.empty()) break;
                           *req.add_success() = ParseRequestOp(line, ctx.in());
                         }
                         prompt("failure requests (get, put, del):");
                         for (;;) {
                           const std::string line = ReadTxnLine(ctx.in());
                           if (line.empty()) break;
                           *req.add_failure() = ParseRequestOp(line, ctx.in());
                         }
                         auto resp = cli->Txn(req);
                         if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
                         ctx.Display().Txn(*resp);
                       });
  c->long_help =
      "Reads three blocks from standard input, each ended by an empty line: compares\n"
      "(<target>(\"<key>\") <op> \"<value>\", target ver|create|mod|value|lease, op = != < >),\n"
      "then the requests run on success, then those run on failure (put/get/del lines).";
  c->flags.Bool("interactive", 'i', false, "Input transaction in interactive mode");
  return c;
}

std::unique_ptr<Command> NewCompactionCommand() {
  auto c = MakeCommand("compaction [options] <revision>", "Compacts the event history in etcd",
                       [](Context& ctx) {
                         if (ctx.args().size() != 1)
                           ExitWithError(kExitBadArgs, "compaction command needs 1 argument");
                         auto rev = GoParseInt(ctx.args()[0], 10);
                         if (!rev.ok())
                           ExitWithError(kExitError, std::string(rev.status().message()));
                         CompactionRequest req;
                         req.set_revision(*rev);
                         req.set_physical(ctx.flags().GetBool("physical"));
                         auto cli = ctx.MustClient();
                         auto resp = cli->Compact(req);
                         if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
                         ctx.out() << "compacted revision " << *rev << "\n";
                       });
  c->flags.Bool("physical", 0, false, "wait for the compaction to physically remove old revisions");
  return c;
}

}  // namespace etcd::etcdctl
