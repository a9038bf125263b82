// lease grant, revoke, timetolive, list, keep-alive.
#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "tools/etcdctl/commands.h"
#include "tools/etcdctl/go_format.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

int64_t LeaseFromArg(const std::string& arg) {
  auto id = GoParseInt(arg, 16);
  if (!id.ok()) {
    ExitWithError(kExitBadArgs, absl::StrCat("bad lease ID arg (", id.status().message(),
                                             "), expecting ID in Hex"));
  }
  return *id;
}

void Grant(Context& ctx) {
  if (ctx.args().size() != 1) ExitWithError(kExitBadArgs, "lease grant command needs TTL argument");
  auto ttl = GoParseInt(ctx.args()[0], 10);
  if (!ttl.ok())
    ExitWithError(kExitBadArgs, absl::StrCat("bad TTL (", ttl.status().message(), ")"));
  auto cli = ctx.MustClient();
  auto resp = cli->LeaseGrant(*ttl);
  if (!resp.ok()) {
    ExitWithError(kExitError, "failed to grant lease (" + ClientErrorText(resp.status()) + ")");
  }
  ctx.Display().Grant(*resp);
}

void Revoke(Context& ctx) {
  if (ctx.args().size() != 1) ExitWithError(kExitBadArgs, "lease revoke command needs 1 argument");
  const int64_t id = LeaseFromArg(ctx.args()[0]);
  auto cli = ctx.MustClient();
  auto resp = cli->LeaseRevoke(id);
  if (!resp.ok()) {
    ExitWithError(kExitError, "failed to revoke lease (" + ClientErrorText(resp.status()) + ")");
  }
  ctx.Display().Revoke(id, *resp);
}

void TimeToLive(Context& ctx) {
  if (ctx.args().size() != 1) {
    ExitWithError(kExitBadArgs, "lease timetolive command needs lease ID as argument");
  }
  const bool keys = ctx.flags().GetBool("keys");
  const int64_t id = LeaseFromArg(ctx.args()[0]);
  auto cli = ctx.MustClient();
  auto resp = cli->LeaseTimeToLive(id, keys);
  if (!resp.ok()) ExitWithStatus(kExitBadConnection, resp.status());
  ctx.Display().TimeToLive(*resp, keys);
}

void List(Context& ctx) {
  auto cli = ctx.MustClient();
  auto resp = cli->LeaseLeases();
  if (!resp.ok()) ExitWithStatus(kExitBadConnection, resp.status());
  ctx.Display().Leases(*resp);
}

void KeepAlive(Context& ctx) {
  if (ctx.args().size() != 1) {
    ExitWithError(kExitBadArgs, "lease keep-alive command needs lease ID as argument");
  }
  const int64_t id = LeaseFromArg(ctx.args()[0]);
  auto cli = ctx.MustClient();
  if (ctx.flags().GetBool("once")) {
    auto resp = cli->LeaseKeepAliveOnce(id);
    if (!resp.ok()) ExitWithStatus(kExitBadConnection, resp.status());
    if (resp->ttl() <= 0) {
      ExitWithError(kExitBadConnection, "etcdserver: requested lease not found");
    }
    ctx.Display().KeepAlive(*resp);
    return;
  }
  // Renew at a third of the TTL, as clientv3 does, until the lease is gone.
  struct State {
    absl::Mutex mu;
    std::deque<LeaseKeepAliveResponse> got ABSL_GUARDED_BY(mu);
    bool done ABSL_GUARDED_BY(mu) = false;
    static bool Ready(State* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
      return !s->got.empty() || s->done;
    }
  } st;
  auto stream = cli->LeaseKeepAlive(
      [&st](const LeaseKeepAliveResponse& r) {
        absl::MutexLock lock(&st.mu);
        st.got.push_back(r);
      },
      [&st](const absl::Status&) {
        absl::MutexLock lock(&st.mu);
        st.done = true;
      });
  LeaseKeepAliveRequest req;
  req.set_id(id);
  stream->Write(req);
  absl::Duration next = absl::Seconds(1);
  for (;;) {
    std::optional<LeaseKeepAliveResponse> r;
    {
      absl::MutexLock lock(&st.mu);
      st.mu.AwaitWithTimeout(absl::Condition(&State::Ready, &st), next);
      if (!st.got.empty()) {
        r = st.got.front();
        st.got.pop_front();
      } else if (st.done) {
        break;
      }
    }
    if (!r.has_value()) {
      stream->Write(req);
      next = absl::Seconds(1);
      continue;
    }
    if (r->ttl() <= 0) break;
    ctx.Display().KeepAlive(*r);
    ctx.out() << std::flush;
    next = absl::Seconds(std::max<int64_t>(1, r->ttl() / 3));
  }
  stream->Cancel();
  (void)stream->Await();
  if (ctx.Display().is_simple()) {
    ctx.out() << absl::StrFormat("lease %016x expired or revoked.\n", id);
  }
}

}  // namespace

std::unique_ptr<Command> NewLeaseCommand() {
  auto c = MakeCommand("lease <subcommand>", "Lease related commands");
  c->Add(MakeCommand("grant <ttl>", "Creates leases", Grant));
  c->Add(MakeCommand("revoke <leaseID>", "Revokes leases", Revoke));
  auto ttl = MakeCommand("timetolive <leaseID> [options]", "Get lease information", TimeToLive);
  ttl->flags.Bool("keys", 0, false, "Get keys attached to this lease");
  c->Add(std::move(ttl));
  c->Add(MakeCommand("list", "List all active leases", List));
  auto ka = MakeCommand("keep-alive [options] <leaseID>", "Keeps leases alive (renew)", KeepAlive);
  ka->flags.Bool("once", 0, false, "Resets the keep-alive time to its original value and exits");
  c->Add(std::move(ka));
  return c;
}

}  // namespace etcd::etcdctl
