// watch: one key, a range or a prefix; interactive mode (-i, "watch ..." and
// "progress" lines on stdin); exec mode (`watch k -- cmd args`, run once per event
// with ETCD_WATCH_* in its environment).
#include <atomic>
#include <cstdlib>
#include <deque>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "mvccpb/kv.pb.h"
#include "tools/etcdctl/commands.h"
#include "tools/etcdctl/go_format.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

constexpr char kBadArgsNum[] = "bad number of arguments";
constexpr char kBadArgsNumConflictEnv[] =
    "bad number of arguments (found conflicting environment key)";
constexpr char kBadArgsNumSeparator[] =
    "bad number of arguments (found separator --, but no commands)";

void AddWatchFlags(FlagSet* f) {
  f->Bool("interactive", 'i', false, "Interactive mode");
  f->Bool("prefix", 0, false, "Watch on a prefix if prefix is set");
  f->Int64("rev", 0, 0, "Revision to start watching");
  f->Bool("prev-kv", 0, false, "get the previous key-value pair before the event happens");
}

struct WatchSpec {
  std::vector<std::string> keys;  // key [range_end]
  std::vector<std::string> exec;
  bool prefix = false;
  bool prev_kv = false;
  int64_t rev = 0;
};

// clientv3's error for a canceled watch response.
std::string CancelError(const WatchResponse& r) {
  if (r.compact_revision() != 0) return "etcdserver: mvcc: required revision has been compacted";
  if (!r.cancel_reason().empty()) {
    if (r.cancel_reason().rfind("etcdserver: ", 0) == 0) return r.cancel_reason();
    return "rpc error: code = FailedPrecondition desc = " + r.cancel_reason();
  }
  return "etcdserver: mvcc: required revision is a future revision";
}

// Builds the create request; exit 128 on bad arguments (as getWatchChan).
WatchCreateRequest CreateRequest(const WatchSpec& spec, std::string* error) {
  WatchCreateRequest c;
  if (spec.keys.empty()) {
    *error = kBadArgsNum;
    return c;
  }
  c.set_key(spec.keys[0]);
  if (spec.keys.size() >= 2) {
    if (spec.prefix) {
      *error = "`range_end` and `--prefix` are mutually exclusive";
      return c;
    }
    c.set_range_end(spec.keys[1]);
  }
  if (spec.prefix) {
    if (spec.keys[0].empty()) {
      c.set_key(std::string(1, '\0'));
      c.set_range_end(std::string(1, '\0'));
    } else {
      c.set_range_end(PrefixRangeEnd(spec.keys[0]));
    }
  }
  if (spec.rev > 0) c.set_start_revision(spec.rev);
  if (spec.prev_kv) c.set_prev_kv(true);
  return c;
}

// The responses of one gRPC watch stream, handed from gRPC's thread to the main one.
class WatchSession {
 public:
  explicit WatchSession(client::Client* cli) {
    stream_ = cli->Watch(
        [this](const WatchResponse& r) {
          absl::MutexLock lock(&mu_);
          queue_.push_back(r);
        },
        [this](const absl::Status& s) {
          absl::MutexLock lock(&mu_);
          done_ = true;
          status_ = s;
        });
  }
  ~WatchSession() {
    stream_->Cancel();
    (void)stream_->Await();
  }
  void Create(const WatchCreateRequest& c, std::vector<std::string> exec) {
    {
      absl::MutexLock lock(&mu_);
      pending_exec_.push_back(std::move(exec));
    }
    WatchRequest req;
    *req.mutable_create_request() = c;
    stream_->Write(req);
  }
  void RequestProgress() {
    WatchRequest req;
    req.mutable_progress_request();
    stream_->Write(req);
  }
  // Waits for the next response (or the stream's end: nullopt).
  std::optional<WatchResponse> Next(absl::Duration timeout = absl::InfiniteDuration()) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&WatchSession::Ready, this), timeout);
    if (queue_.empty()) return std::nullopt;
    WatchResponse r = std::move(queue_.front());
    queue_.pop_front();
    if (r.created() && !pending_exec_.empty()) {
      exec_[r.watch_id()] = std::move(pending_exec_.front());
      pending_exec_.pop_front();
    }
    return r;
  }
  bool done() {
    absl::MutexLock lock(&mu_);
    return done_ && queue_.empty();
  }
  std::vector<std::string> ExecFor(int64_t id) {
    absl::MutexLock lock(&mu_);
    auto it = exec_.find(id);
    return it == exec_.end() ? std::vector<std::string>{} : it->second;
  }
  size_t active() {
    absl::MutexLock lock(&mu_);
    return exec_.size() + pending_exec_.size();
  }
  void Forget(int64_t id) {
    absl::MutexLock lock(&mu_);
    exec_.erase(id);
  }

 private:
  static bool Ready(WatchSession* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) {
    return !s->queue_.empty() || s->done_;
  }
  std::unique_ptr<client::WatchStream> stream_;
  absl::Mutex mu_;
  std::deque<WatchResponse> queue_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::deque<std::vector<std::string>> pending_exec_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, std::vector<std::string>> exec_ ABSL_GUARDED_BY(mu_);
};

// Prints one response (etcdctl's printWatchCh body); false when it ended its watch.
bool HandleResponse(Context& ctx, WatchSession& session, const WatchResponse& r) {
  if (r.created() && !r.canceled()) return true;  // clientv3 does not deliver these
  if (r.canceled()) ctx.err() << "watch was canceled (" << CancelError(r) << ")\n" << std::flush;
  if (r.events_size() == 0 && !r.canceled() && !r.created() && r.compact_revision() == 0 &&
      r.header().revision() != 0) {
    ctx.out() << "progress notify: " << r.header().revision() << "\n";
  }
  ctx.Display().Watch(r);
  ctx.out() << std::flush;
  const std::vector<std::string> exec = session.ExecFor(r.watch_id());
  if (!exec.empty()) {
    for (const mvccpb::Event& ev : r.events()) {
      const std::vector<std::string> env = {
          absl::StrCat("ETCD_WATCH_REVISION=", r.header().revision()),
          "ETCD_WATCH_EVENT_TYPE=" + GoQuote(mvccpb::Event::EventType_Name(ev.type())),
          "ETCD_WATCH_KEY=" + GoQuote(ev.kv().key()),
          "ETCD_WATCH_VALUE=" + GoQuote(ev.kv().value())};
      const int rc = RunProgram(exec, env);
      if (rc != 0) {
        std::vector<std::string> quoted;
        for (const auto& a : exec) quoted.push_back(GoQuote(a));
        ctx.err() << "command [" << absl::StrJoin(quoted, " ") << "] error ("
                  << (rc > 128 && rc < 256 ? absl::StrCat("signal: ", rc - 128)
                                           : absl::StrCat("exit status ", rc))
                  << ")\n";
        ExitSilently(kExitError);
      }
    }
  }
  if (r.canceled()) {
    session.Forget(r.watch_id());
    return false;
  }
  return true;
}

void WatchInteractive(Context& ctx, const std::string& env_key, const std::string& env_range) {
  auto cli = ctx.MustClient();
  WatchSession session(cli.get());
  // Responses are printed as they come while this thread reads the next line (etcdctl
  // prints from one goroutine per watch).
  std::atomic<bool> stop{false};
  std::thread printer([&] {
    try {
      while (!stop.load()) {
        if (auto r = session.Next(absl::Milliseconds(50))) HandleResponse(ctx, session, *r);
      }
    } catch (const CtlExit& e) {
      ctx.out() << std::flush;
      if (!e.silent) ctx.err() << "Error: " << e.message << "\n";
      ctx.err() << std::flush;
      std::_Exit(e.code);
    }
  });
  struct Joiner {
    std::atomic<bool>* stop;
    std::thread* t;
    ~Joiner() {
      stop->store(true);
      t->join();
    }
  } joiner{&stop, &printer};
  std::string line;
  for (;;) {
    if (!std::getline(ctx.in(), line)) {
      ExitWithError(kExitInvalidInput, "Error reading watch request line: EOF");
    }
    std::vector<std::string> args = Argify(line);
    if (args.empty()) {
      ctx.err() << "Invalid command: " << line << " (watch and progress supported)\n";
      continue;
    }
    if (args[0] == "watch") {
      if (args.size() < 2 && env_key.empty()) {
        ctx.err() << "Invalid command " << line << " (command type or key is not provided)\n";
        continue;
      }
      std::vector<std::string> rest(args.begin() + 1, args.end());
      FlagSet fs;
      AddWatchFlags(&fs);
      if (absl::Status s = fs.Parse(rest); !s.ok()) {
        ExitWithError(kExitBadArgs, std::string(s.message()));
      }
      WatchSpec spec;
      const int dash = fs.args_len_at_dash();
      const std::vector<std::string>& pos = fs.args();
      if (dash >= 0 && static_cast<size_t>(dash) == pos.size()) {
        ExitWithError(kExitBadArgs, kBadArgsNumSeparator);
      }
      std::vector<std::string> keys(pos.begin(), dash >= 0 ? pos.begin() + dash : pos.end());
      if (dash < 0 && env_key.empty() && keys.empty()) ExitWithError(kExitBadArgs, kBadArgsNum);
      if (dash < 0 && !keys.empty() && !env_key.empty()) {
        ExitWithError(kExitBadArgs, kBadArgsNumConflictEnv);
      }
      if (dash >= 0) spec.exec.assign(pos.begin() + dash, pos.end());
      if (!env_key.empty()) {
        std::vector<std::string> ranges = {env_key};
        if (!env_range.empty()) ranges.push_back(env_range);
        keys.insert(keys.begin(), ranges.begin(), ranges.end());
      }
      spec.keys = keys;
      spec.prefix = fs.GetBool("prefix");
      spec.prev_kv = fs.GetBool("prev-kv");
      spec.rev = fs.GetInt("rev");
      std::string error;
      WatchCreateRequest c = CreateRequest(spec, &error);
      if (!error.empty()) {
        ctx.err() << "Invalid command " << line << " (" << error << ")\n";
        continue;
      }
      session.Create(c, spec.exec);
    } else if (args[0] == "progress") {
      session.RequestProgress();
    } else {
      ctx.err() << "Invalid command " << line << " (only support watch)\n";
    }
  }
}

}  // namespace

std::unique_ptr<Command> NewWatchCommand() {
  auto c = MakeCommand(
      "watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]",
      "Watches events stream on keys or prefixes", [](Context& ctx) {
        const char* ek = std::getenv("ETCDCTL_WATCH_KEY");
        const char* er = std::getenv("ETCDCTL_WATCH_RANGE_END");
        const std::string env_key = ek != nullptr ? ek : "", env_range = er != nullptr ? er : "";
        if (env_key.empty() && !env_range.empty()) {
          ExitWithError(
              kExitBadArgs,
              "ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=" + GoQuote(env_range));
        }
        if (ctx.flags().GetBool("interactive")) {
          WatchInteractive(ctx, env_key, env_range);
          return;
        }
        // The words after "watch" on the command line decide about "--" (as etcdctl).
        std::vector<std::string> raw = ctx.os_args();
        for (size_t i = 0; i < raw.size(); ++i) {
          if (raw[i] == "watch") {
            raw.erase(raw.begin(), raw.begin() + static_cast<long>(i) + 1);
            break;
          }
        }
        const int dash = ctx.args_len_at_dash();
        const bool exec_exist = dash >= 0;
        if (exec_exist && static_cast<size_t>(dash) == ctx.args().size()) {
          ExitWithError(kExitBadArgs, kBadArgsNumSeparator);
        }
        if (!exec_exist && raw.empty() && env_key.empty()) ExitWithError(kExitBadArgs, kBadArgsNum);
        std::vector<std::string> keys(ctx.args().begin(),
                                      exec_exist ? ctx.args().begin() + dash : ctx.args().end());
        if (!env_key.empty() && !keys.empty()) ExitWithError(kExitBadArgs, kBadArgsNumConflictEnv);
        WatchSpec spec;
        if (exec_exist) spec.exec.assign(ctx.args().begin() + dash, ctx.args().end());
        if (!env_key.empty()) {
          keys.insert(keys.begin(), env_key);
          if (!env_range.empty()) keys.insert(keys.begin() + 1, env_range);
        }
        spec.keys = keys;
        spec.prefix = ctx.flags().GetBool("prefix");
        spec.prev_kv = ctx.flags().GetBool("prev-kv");
        spec.rev = ctx.flags().GetInt("rev");
        auto cli = ctx.MustClient();
        std::string error;
        WatchCreateRequest create = CreateRequest(spec, &error);
        if (!error.empty()) ExitWithError(kExitBadArgs, error);
        {
          WatchSession session(cli.get());
          session.Create(create, spec.exec);
          while (auto r = session.Next()) {
            if (!HandleResponse(ctx, session, *r)) break;
          }
        }
        ExitWithError(kExitInterrupted, "watch is canceled by the server");
      });
  AddWatchFlags(&c->flags);
  return c;
}

}  // namespace etcd::etcdctl
