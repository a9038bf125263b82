// member add/remove/update/list/promote, endpoint health/status/hashkv, alarm
// list/disarm, defrag, move-leader.
#include <chrono>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "tools/etcdctl/commands.h"
#include "tools/etcdctl/go_format.h"
#include "tools/etcdctl/tool_hooks.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

uint64_t MemberIdArg(Context& ctx) {
  if (ctx.args().size() != 1) ExitWithError(kExitBadArgs, "member ID is not provided");
  auto id = GoParseUint(ctx.args()[0], 16);
  if (!id.ok()) {
    ExitWithError(kExitBadArgs, absl::StrCat("bad member ID arg (", id.status().message(),
                                             "), expecting ID in Hex"));
  }
  return *id;
}

// clientv3 checks peer URLs as types.NewURLs does before sending them.
void CheckPeerUrls(const std::vector<std::string>& urls) {
  for (const std::string& u : urls) {
    const size_t colon = u.find(':');
    const bool starts_alpha = !u.empty() && std::isalpha(static_cast<unsigned char>(u[0]));
    std::string scheme;
    if (colon != std::string::npos && starts_alpha) {
      scheme = u.substr(0, colon);
      for (char ch : scheme) {
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '+' && ch != '-' && ch != '.') {
          scheme.clear();
          break;
        }
      }
    }
    if (scheme.empty()) {
      if (colon == 0)
        ExitWithError(kExitError, "parse " + GoQuote(u) + ": missing protocol scheme");
      const std::string first_segment = u.substr(0, u.find('/'));
      if (first_segment.find(':') != std::string::npos) {
        ExitWithError(kExitError,
                      "parse " + GoQuote(u) + ": first path segment in URL cannot contain colon");
      }
    }
    const std::string lower = absl::AsciiStrToLower(scheme);
    if (lower != "http" && lower != "https" && lower != "unix" && lower != "unixs") {
      ExitWithError(kExitError, "URL scheme must be http, https, unix, or unixs: " + u);
    }
    if (!absl::StartsWith(u.substr(colon + 1), "//")) {
      ExitWithError(kExitError, "URL address does not have the form \"host:port\": " + u);
    }
    const std::string rest = u.substr(colon + 3);
    const size_t slash = rest.find('/');
    const std::string host = rest.substr(0, slash);
    const size_t port_colon = host.rfind(':');
    if (port_colon == std::string::npos ||
        (host.find(']') != std::string::npos && port_colon < host.find(']'))) {
      ExitWithError(kExitError, "URL address does not have the form \"host:port\": " + u);
    }
    if (slash != std::string::npos && rest.substr(slash) != "/") {
      ExitWithError(kExitError, "URL must not contain a path: " + u);
    }
  }
}

void MemberAdd(Context& ctx) {
  const auto& args = ctx.args();
  if (args.empty()) ExitWithError(kExitBadArgs, "member name not provided");
  if (args.size() > 1) {
    std::string ev = "too many arguments";
    for (const auto& s : args) {
      if (absl::StartsWith(absl::AsciiStrToLower(s), "http")) {
        ev += ", did you mean --peer-urls=" + s;
      }
    }
    ExitWithError(kExitBadArgs, ev);
  }
  const std::string name = args[0];
  const std::string peer_urls = ctx.flags().GetString("peer-urls");
  if (peer_urls.empty()) ExitWithError(kExitBadArgs, "member peer urls not provided");
  std::vector<std::string> urls = absl::StrSplit(peer_urls, ',');
  auto cli = ctx.MustClient();
  CheckPeerUrls(urls);
  MemberAddRequest req;
  for (const auto& u : urls) req.add_peerurls(u);
  req.set_islearner(ctx.flags().GetBool("learner"));
  auto resp = cli->MemberAdd(req);
  if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
  const uint64_t new_id = resp->member().id();
  ctx.Display().MemberAdd(*resp);
  if (!ctx.Display().is_simple()) return;
  std::vector<std::string> conf;
  for (const Member& m : resp->members()) {
    for (const auto& u : m.peerurls()) {
      conf.push_back((m.id() == new_id ? name : m.name()) + "=" + u);
    }
  }
  ctx.out() << "\n";
  ctx.out() << "ETCD_NAME=" << GoQuote(name) << "\n";
  ctx.out() << "ETCD_INITIAL_CLUSTER=" << GoQuote(absl::StrJoin(conf, ",")) << "\n";
  ctx.out() << "ETCD_INITIAL_ADVERTISE_PEER_URLS=" << GoQuote(peer_urls) << "\n";
  ctx.out() << "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n";
}

void MemberRemove(Context& ctx) {
  const uint64_t id = MemberIdArg(ctx);
  auto cli = ctx.MustClient();
  auto resp = cli->MemberRemove(id);
  if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
  ctx.Display().MemberRemove(id, *resp);
}

void MemberUpdate(Context& ctx) {
  const uint64_t id = MemberIdArg(ctx);
  const std::string peer_urls = ctx.flags().GetString("peer-urls");
  if (peer_urls.empty()) ExitWithError(kExitBadArgs, "member peer urls not provided");
  auto cli = ctx.MustClient();
  MemberUpdateRequest req;
  req.set_id(id);
  for (absl::string_view u : absl::StrSplit(peer_urls, ',')) req.add_peerurls(std::string(u));
  auto resp = cli->MemberUpdate(req);
  if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
  ctx.Display().MemberUpdate(id, *resp);
}

void MemberList(Context& ctx) {
  auto cli = ctx.MustClient();
  auto resp = cli->MemberList();
  if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
  ctx.Display().MemberList(*resp);
}

void MemberPromote(Context& ctx) {
  const uint64_t id = MemberIdArg(ctx);
  auto cli = ctx.MustClient();
  auto resp = cli->MemberPromote(id);
  if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
  ctx.Display().MemberPromote(id, *resp);
}

// A client for one endpoint with the command's settings.
std::unique_ptr<client::Client> ClientFor(Context& ctx, const std::string& ep) {
  ClientConfig cfg = ctx.Config();
  cfg.endpoints = {ep};
  return ctx.MustClient(cfg);
}

void EpHealthCmd(Context& ctx) {
  ClientConfig base = ctx.Config();
  const std::vector<std::string> eps = ctx.EndpointsFromCluster();
  absl::Mutex mu;
  std::vector<EpHealth> list;
  std::vector<std::thread> threads;
  for (const std::string& ep : eps) {
    threads.emplace_back([&, ep] {
      ClientConfig cfg = base;
      cfg.endpoints = {ep};
      EpHealth h;
      h.ep = ep;
      auto cli = client::Client::Connect(Context::Options(cfg));
      if (!cli.ok()) {
        h.error = ClientErrorText(cli.status());
      } else {
        const auto start = std::chrono::steady_clock::now();
        RangeRequest req;
        req.set_key("health");
        auto resp = (*cli)->Range(req);
        h.took = FormatGoDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::steady_clock::now() - start)
                                      .count());
        if (resp.ok() || resp.status().message() == "etcdserver: permission denied") {
          h.health = true;
        } else {
          h.error = ClientErrorText(resp.status());
        }
      }
      absl::MutexLock lock(&mu);
      list.push_back(h);
    });
  }
  for (auto& t : threads) t.join();
  bool errs = false;
  for (const auto& h : list) errs = errs || !h.error.empty();
  ctx.Display().EndpointHealth(list);
  if (errs) ExitWithError(kExitError, "unhealthy cluster");
}

void EpStatusCmd(Context& ctx) {
  ctx.Config();
  std::vector<EpStatus> list;
  bool failed = false;
  for (const std::string& ep : ctx.EndpointsFromCluster()) {
    auto cli = ClientFor(ctx, ep);
    auto resp = cli->Status(0);
    if (!resp.ok()) {
      failed = true;
      ctx.err() << "Failed to get the status of endpoint " << ep << " ("
                << ClientErrorText(resp.status()) << ")\n";
      continue;
    }
    list.push_back({ep, *resp});
  }
  ctx.Display().EndpointStatus(list);
  if (failed) ExitSilently(kExitError);
}

void EpHashKVCmd(Context& ctx) {
  ctx.Config();
  std::vector<EpHashKV> list;
  absl::Status last;
  for (const std::string& ep : ctx.EndpointsFromCluster()) {
    auto cli = ClientFor(ctx, ep);
    auto resp = cli->HashKV(0, ctx.flags().GetInt("rev"));
    if (!resp.ok()) {
      last = resp.status();
      ctx.err() << "Failed to get the hash of endpoint " << ep << " ("
                << ClientErrorText(resp.status()) << ")\n";
      continue;
    }
    list.push_back({ep, *resp});
  }
  ctx.Display().EndpointHashKV(list);
  if (!last.ok()) ExitWithStatus(kExitError, last);
}

void AlarmDisarm(Context& ctx) {
  if (!ctx.args().empty()) ExitWithError(kExitBadArgs, "alarm disarm command accepts no arguments");
  auto cli = ctx.MustClient();
  AlarmRequest list_req;
  list_req.set_action(AlarmRequest::GET);
  auto alarms = cli->Alarm(list_req);
  if (!alarms.ok()) ExitWithStatus(kExitError, alarms.status());
  AlarmResponse ret;
  for (const AlarmMember& a : alarms->alarms()) {
    AlarmRequest req;
    req.set_action(AlarmRequest::DEACTIVATE);
    req.set_memberid(a.memberid());
    req.set_alarm(a.alarm());
    auto resp = cli->Alarm(req);
    if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
    for (const auto& d : resp->alarms()) *ret.add_alarms() = d;
  }
  ctx.Display().Alarm(ret);
}

void AlarmList(Context& ctx) {
  if (!ctx.args().empty()) ExitWithError(kExitBadArgs, "alarm list command accepts no arguments");
  auto cli = ctx.MustClient();
  AlarmRequest req;
  req.set_action(AlarmRequest::GET);
  auto resp = cli->Alarm(req);
  if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
  ctx.Display().Alarm(*resp);
}

void Defrag(Context& ctx) {
  const std::string data_dir = ctx.flags().GetString("data-dir");
  if (!data_dir.empty()) {
    // Offline defragmentation belongs to etcdutl.
    const int rc = RunEtcdutl({"defrag", "--data-dir", data_dir});
    if (rc != 0) {
      ctx.err() << "Failed to defragment etcd data[" << data_dir << "] (etcdutl exited with " << rc
                << ")\n";
      ExitSilently(kExitError);
    }
    return;
  }
  ctx.Config();
  int failures = 0;
  for (const std::string& ep : ctx.EndpointsFromCluster()) {
    auto cli = ClientFor(ctx, ep);
    auto resp = cli->Defragment(0);
    if (!resp.ok()) {
      ctx.err() << "Failed to defragment etcd member[" << ep << "] ("
                << ClientErrorText(resp.status()) << ")\n";
      ++failures;
    } else {
      ctx.out() << "Finished defragmenting etcd member[" << ep << "]\n";
    }
  }
  if (failures != 0) ExitSilently(kExitError);
}

void MoveLeader(Context& ctx) {
  if (ctx.args().size() != 1) ExitWithError(kExitBadArgs, "move-leader command needs 1 argument");
  auto target = GoParseUint(ctx.args()[0], 16);
  if (!target.ok()) ExitWithError(kExitBadArgs, std::string(target.status().message()));
  const ClientConfig cfg = ctx.Config();
  std::unique_ptr<client::Client> leader;
  uint64_t leader_id = 0;
  for (const std::string& ep : cfg.endpoints) {
    auto cli = ClientFor(ctx, ep);
    auto st = cli->Status(0);
    if (!st.ok()) ExitWithStatus(kExitError, st.status());
    if (st->header().member_id() == st->leader()) {
      leader = std::move(cli);
      leader_id = st->leader();
      break;
    }
  }
  if (leader == nullptr) {
    ExitWithError(kExitBadArgs, "no leader endpoint given at " + GoStringSlice(cfg.endpoints));
  }
  auto resp = leader->MoveLeader(0, *target);
  if (!resp.ok()) ExitWithStatus(kExitError, resp.status());
  ctx.Display().MoveLeader(leader_id, *target, *resp);
}

}  // namespace

std::unique_ptr<Command> NewMemberCommand() {
  auto c = MakeCommand("member <subcommand>", "Membership related commands");
  auto add = MakeCommand("add <memberName> [options]", "Adds a member into the cluster", MemberAdd);
  add->flags.String("peer-urls", 0, "", "comma separated peer URLs for the new member");
  add->flags.Bool("learner", 0, false, "add the new member as a raft learner");
  c->Add(std::move(add));
  c->Add(MakeCommand("remove <memberID>", "Removes a member from the cluster", MemberRemove));
  auto upd =
      MakeCommand("update <memberID> [options]", "Updates a member in the cluster", MemberUpdate);
  upd->flags.String("peer-urls", 0, "", "comma separated peer URLs for the updated member");
  c->Add(std::move(upd));
  auto list = MakeCommand("list", "Lists all members in the cluster", MemberList);
  list->long_help =
      "Simple output: one line per member with ID, status, name, peer URLs, client URLs and\n"
      "whether it is a learner, separated by commas.";
  c->Add(std::move(list));
  c->Add(MakeCommand("promote <memberID>", "Promotes a learner member to a voting one",
                     MemberPromote));
  return c;
}

std::unique_ptr<Command> NewEndpointCommand() {
  auto c = MakeCommand("endpoint <subcommand>", "Endpoint related commands");
  c->persistent.Bool("cluster", 0, false, "use all endpoints from the cluster member list");
  c->Add(MakeCommand("health", "Checks the health of the endpoints in --endpoints", EpHealthCmd));
  auto st = MakeCommand("status", "Prints the status of the endpoints in --endpoints", EpStatusCmd);
  st->long_help =
      "Simple output: endpoint, ID, version, db size, is leader, is learner, raft term,\n"
      "raft index, raft applied index, errors; one line per endpoint.";
  c->Add(std::move(st));
  auto hk = MakeCommand("hashkv", "Prints the KV history hash of each endpoint in --endpoints",
                        EpHashKVCmd);
  hk->persistent.Int64("rev", 0, 0, "maximum revision to hash (default: all revisions)");
  c->Add(std::move(hk));
  return c;
}

std::unique_ptr<Command> NewAlarmCommand() {
  auto c = MakeCommand("alarm <subcommand>", "Alarm related commands");
  c->Add(MakeCommand("disarm", "Disarms all alarms", AlarmDisarm));
  c->Add(MakeCommand("list", "Lists all alarms", AlarmList));
  return c;
}

std::unique_ptr<Command> NewDefragCommand() {
  auto c = MakeCommand("defrag", "Defragments the storage of the members at the given endpoints",
                       Defrag);
  c->persistent.Bool("cluster", 0, false, "use all endpoints from the cluster member list");
  c->flags.String("data-dir", 0, "",
                  "defragment this data directory offline (through etcdutl) instead");
  return c;
}

std::unique_ptr<Command> NewMoveLeaderCommand() {
  return MakeCommand("move-leader <transferee-member-id>",
                     "Transfers leadership to another member of the cluster", MoveLeader);
}

}  // namespace etcd::etcdctl
