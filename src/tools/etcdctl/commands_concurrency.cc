// lock and elect, with clientv3's concurrency recipes on plain KV/Lease/Watch (as
// etcdctl does; they do not need the server's Lock/Election services): a session
// lease kept alive in the background, a key <name>/<lease hex> per participant, the
// owner is the key with the lowest create revision, waiters watch their predecessor.
#include <signal.h>

#include <atomic>
#include <deque>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "mvccpb/kv.pb.h"
#include "tools/etcdctl/commands.h"
#include "tools/etcdctl/go_format.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

// SIGINT/SIGTERM are blocked in every thread and taken synchronously here.
class Signals {
 public:
  Signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  // True when a signal arrived within `ms`.
  bool Wait(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    return sigtimedwait(&set_, nullptr, &ts) > 0;
  }

 private:
  sigset_t set_;
};

// A lease kept alive until Close; Done() once it is lost.
class Session {
 public:
  Session(client::Client* cli, int64_t ttl) : cli_(cli) {
    auto g = cli->LeaseGrant(ttl);
    if (!g.ok()) ExitWithStatus(kExitError, g.status());
    id_ = g->id();
    keeper_ = std::thread([this, ttl] {
      const int64_t period_ms = std::max<int64_t>(500, ttl * 1000 / 3);
      int64_t waited = 0;
      while (!stop_.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        waited += 100;
        if (waited < period_ms) continue;
        waited = 0;
        auto r = cli_->LeaseKeepAliveOnce(id_);
        if (!r.ok() || r->ttl() <= 0) lost_.store(true);
      }
    });
  }
  ~Session() { Close(false); }
  void Close(bool revoke) {
    if (stopped_) return;
    stopped_ = true;
    stop_.store(true);
    keeper_.join();
    if (revoke) (void)cli_->LeaseRevoke(id_);
  }
  int64_t id() const { return id_; }
  bool Done() const { return lost_.load(); }

 private:
  client::Client* cli_;
  int64_t id_ = 0;
  std::thread keeper_;
  std::atomic<bool> stop_{false}, lost_{false};
  bool stopped_ = false;
};

// Waits until `key` is deleted (watching from `rev`), a signal comes or the session
// is lost. Returns false for a signal.
bool WaitDelete(client::Client* cli, const std::string& key, int64_t rev, Signals& sig, Session& s,
                bool* interrupted) {
  struct State {
    absl::Mutex mu;
    bool deleted = false, ended = false;
  } st;
  auto stream = cli->Watch(
      [&st](const WatchResponse& r) {
        for (const auto& e : r.events()) {
          if (e.type() == mvccpb::Event::DELETE) {
            absl::MutexLock lock(&st.mu);
            st.deleted = true;
          }
        }
      },
      [&st](const absl::Status&) {
        absl::MutexLock lock(&st.mu);
        st.ended = true;
      });
  WatchRequest req;
  req.mutable_create_request()->set_key(key);
  req.mutable_create_request()->set_start_revision(rev);
  stream->Write(req);
  bool ok = false;
  for (;;) {
    {
      absl::MutexLock lock(&st.mu);
      if (st.deleted) {
        ok = true;
        break;
      }
      if (st.ended) break;
    }
    if (sig.Wait(50)) {
      *interrupted = true;
      break;
    }
    if (s.Done()) break;
  }
  stream->Cancel();
  (void)stream->Await();
  return ok;
}

RangeRequest LastCreateBefore(const std::string& pfx, int64_t max_create_rev) {
  RangeRequest r;
  r.set_key(pfx);
  r.set_range_end(PrefixRangeEnd(pfx));
  r.set_sort_target(RangeRequest::CREATE);
  r.set_sort_order(RangeRequest::DESCEND);
  r.set_limit(1);
  r.set_max_create_revision(max_create_rev);
  return r;
}

RangeRequest FirstCreate(const std::string& pfx) {
  RangeRequest r;
  r.set_key(pfx);
  r.set_range_end(PrefixRangeEnd(pfx));
  r.set_sort_target(RangeRequest::CREATE);
  r.set_sort_order(RangeRequest::ASCEND);
  r.set_limit(1);
  return r;
}

// Waits until every key under pfx created at or before max_create_rev is gone.
// False when interrupted or the session was lost.
bool WaitDeletes(client::Client* cli, const std::string& pfx, int64_t max_create_rev, Signals& sig,
                 Session& s, bool* interrupted) {
  for (;;) {
    auto r = cli->Range(LastCreateBefore(pfx, max_create_rev));
    if (!r.ok()) ExitWithStatus(kExitError, r.status());
    if (r->kvs_size() == 0) return true;
    if (!WaitDelete(cli, r->kvs(0).key(), r->header().revision(), sig, s, interrupted)) {
      return false;
    }
  }
}

// Creates key (with value, under the session lease) unless it exists; returns its
// create revision and the revision of the answer.
int64_t CreateOwnKey(client::Client* cli, const std::string& key, const std::string& value,
                     Session& s, const std::string& pfx, bool* existed, std::string* old_value) {
  TxnRequest t;
  Compare* c = t.add_compare();
  c->set_key(key);
  c->set_target(Compare::CREATE);
  c->set_result(Compare::EQUAL);
  c->set_create_revision(0);
  PutRequest* put = t.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  put->set_lease(s.id());
  t.add_failure()->mutable_request_range()->set_key(key);
  (void)pfx;
  auto r = cli->Txn(t);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  *existed = !r->succeeded();
  if (!r->succeeded() && r->responses_size() > 0 &&
      r->responses(0).response_range().kvs_size() > 0) {
    *old_value = r->responses(0).response_range().kvs(0).value();
    return r->responses(0).response_range().kvs(0).create_revision();
  }
  return r->header().revision();
}

void LockCmd(Context& ctx) {
  if (ctx.args().empty()) {
    ExitWithError(kExitBadArgs,
                  "lock takes a lock name argument and an optional command to execute");
  }
  Signals sig;
  auto cli = ctx.MustClient();
  Session s(cli.get(), ctx.flags().GetInt("ttl"));
  const std::string pfx = ctx.args()[0] + "/";
  const std::string key = pfx + absl::StrFormat("%x", s.id());
  bool existed = false, interrupted = false;
  std::string old;
  const int64_t my_rev = CreateOwnKey(cli.get(), key, "", s, pfx, &existed, &old);
  if (!WaitDeletes(cli.get(), pfx, my_rev - 1, sig, s, &interrupted)) {
    (void)cli->DeleteRange([&] {
      DeleteRangeRequest d;
      d.set_key(key);
      return d;
    }());
    s.Close(true);
    if (interrupted) ExitWithError(kExitError, "context canceled");
    ExitWithError(kExitError, "session expired");
  }
  RangeRequest get;
  get.set_key(key);
  auto k = cli->Range(get);
  if (!k.ok()) ExitWithStatus(kExitError, k.status());
  if (k->kvs_size() == 0) ExitWithError(kExitError, "lock lost on init");
  auto unlock = [&] {
    DeleteRangeRequest d;
    d.set_key(key);
    auto r = cli->DeleteRange(d);
    s.Close(true);
    return r.status();
  };
  if (ctx.args().size() > 1) {
    std::vector<std::string> argv(ctx.args().begin() + 1, ctx.args().end());
    const int rc = RunProgram(argv, {"ETCD_LOCK_KEY=" + key,
                                     absl::StrCat("ETCD_LOCK_REV=", k->kvs(0).create_revision())});
    const absl::Status us = unlock();
    if (rc == 127)
      ExitWithError(kExitError,
                    "exec: " + GoQuote(argv[0]) + ": executable file not found in $PATH");
    if (rc != 0) ExitWithError(kExitError, absl::StrCat("exit status ", rc));
    if (!us.ok()) ExitWithStatus(kExitError, us);
    return;
  }
  ctx.Display().Get(*k);
  ctx.out() << std::flush;
  for (;;) {
    if (sig.Wait(100)) {
      const absl::Status us = unlock();
      if (!us.ok()) ExitWithStatus(kExitError, us);
      return;
    }
    if (s.Done()) ExitWithError(kExitError, "session expired");
  }
}

void Campaign(Context& ctx, client::Client* cli, const std::string& name,
              const std::string& proposal, Signals& sig) {
  Session s(cli, 60);
  const std::string pfx = name + "/";
  const std::string key = pfx + absl::StrFormat("%x", s.id());
  bool existed = false, interrupted = false;
  std::string old;
  const int64_t rev = CreateOwnKey(cli, key, proposal, s, pfx, &existed, &old);
  if (existed && old != proposal) {
    PutRequest p;
    p.set_key(key);
    p.set_value(proposal);
    p.set_lease(s.id());
    (void)cli->Put(p);
  }
  auto resign = [&] {
    DeleteRangeRequest d;
    d.set_key(key);
    (void)cli->DeleteRange(d);
    s.Close(true);
  };
  if (!WaitDeletes(cli, pfx, rev - 1, sig, s, &interrupted)) {
    resign();
    if (interrupted) ExitWithError(kExitError, "context canceled");
    ExitWithError(kExitError, "elect: session expired");
  }
  RangeRequest get;
  get.set_key(key);
  auto r = cli->Range(get);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().Get(*r);
  ctx.out() << std::flush;
  for (;;) {
    if (sig.Wait(100)) break;
    if (s.Done()) ExitWithError(kExitError, "elect: session expired");
  }
  resign();
}

void Observe(Context& ctx, client::Client* cli, const std::string& name, Signals& sig) {
  const std::string pfx = name + "/";
  struct State {
    absl::Mutex mu;
    std::deque<WatchResponse> got;
    bool ended = false;
  };
  std::string last_key, last_value;
  for (;;) {
    auto r = cli->Range(FirstCreate(pfx));
    if (!r.ok()) ExitWithStatus(kExitError, r.status());
    // Watch the prefix from the next revision: a new leader, its changes, its end.
    State st;
    auto stream = cli->Watch(
        [&st](const WatchResponse& w) {
          absl::MutexLock lock(&st.mu);
          st.got.push_back(w);
        },
        [&st](const absl::Status&) {
          absl::MutexLock lock(&st.mu);
          st.ended = true;
        });
    WatchRequest req;
    req.mutable_create_request()->set_key(pfx);
    req.mutable_create_request()->set_range_end(PrefixRangeEnd(pfx));
    req.mutable_create_request()->set_start_revision(r->header().revision() + 1);
    stream->Write(req);
    std::string leader_key;
    if (r->kvs_size() > 0) {
      leader_key = r->kvs(0).key();
      if (leader_key != last_key || r->kvs(0).value() != last_value) {
        ctx.Display().Get(*r);
        ctx.out() << std::flush;
        last_key = leader_key;
        last_value = r->kvs(0).value();
      }
    }
    bool refetch = false;
    while (!refetch) {
      if (sig.Wait(50)) {
        stream->Cancel();
        (void)stream->Await();
        return;
      }
      std::deque<WatchResponse> batch;
      bool ended;
      {
        absl::MutexLock lock(&st.mu);
        batch.swap(st.got);
        ended = st.ended;
      }
      for (const WatchResponse& w : batch) {
        for (const auto& e : w.events()) {
          if (leader_key.empty() && e.type() == mvccpb::Event::PUT) {
            refetch = true;  // someone campaigns: find the owner
          } else if (e.kv().key() == leader_key) {
            if (e.type() == mvccpb::Event::DELETE) {
              refetch = true;
            } else if (e.kv().value() != last_value) {
              RangeResponse out;
              *out.mutable_header() = w.header();
              *out.add_kvs() = e.kv();
              out.set_count(1);
              ctx.Display().Get(out);
              ctx.out() << std::flush;
              last_value = e.kv().value();
            }
          }
        }
      }
      if (ended && !refetch) ExitWithError(kExitError, "elect: observer lost");
    }
    stream->Cancel();
    (void)stream->Await();
  }
}

void ElectCmd(Context& ctx) {
  const auto& args = ctx.args();
  if (args.size() != 1 && args.size() != 2) {
    ExitWithError(kExitBadArgs,
                  "elect takes one election name argument and an optional proposal argument");
  }
  const bool listen = ctx.flags().GetBool("listen");
  Signals sig;
  auto cli = ctx.MustClient();
  if (args.size() == 1) {
    if (!listen) ExitWithError(kExitBadArgs, "no proposal argument but -l not set");
    Observe(ctx, cli.get(), args[0], sig);
  } else {
    if (listen) ExitWithError(kExitBadArgs, "proposal given but -l is set");
    Campaign(ctx, cli.get(), args[0], args[1], sig);
  }
}

}  // namespace

std::unique_ptr<Command> NewLockCommand() {
  auto c =
      MakeCommand("lock <lockname> [exec-command arg1 arg2 ...]", "Acquires a named lock", LockCmd);
  c->flags.Int("ttl", 0, 10, "timeout for session");
  return c;
}

std::unique_ptr<Command> NewElectCommand() {
  auto c = MakeCommand("elect <election-name> [proposal]",
                       "Observes and participates in leader election", ElectCmd);
  c->flags.Bool("listen", 'l', false, "observation mode");
  return c;
}

}  // namespace etcd::etcdctl
