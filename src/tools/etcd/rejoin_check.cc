#include "tools/etcd/rejoin_check.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/url.h"
#include "membership/cluster.h"
#include "membership/member.h"
#include "server/etcd_server.h"
#include "transport/peer_client.h"

namespace etcd::tools {
namespace {

constexpr std::chrono::milliseconds kBootstrapTimeout{1000};  // per URL, as etcd

std::vector<std::string> Strings(const std::vector<config::Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.ToString());
  return out;
}

}  // namespace

absl::Status CheckNotAlreadyBootstrapped(const config::ServerConfig& cfg,
                                         const FetchMembersFn& fetch) {
  if (cfg.initial_cluster_state != config::ClusterState::kNew || cfg.initial_cluster.size() < 2) {
    return absl::OkStatus();
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> ic;
  std::vector<std::string> others;
  for (const auto& [name, urls] : cfg.initial_cluster) {
    ic.emplace_back(name, Strings(urls));
    if (name == cfg.name) continue;
    for (const auto& u : urls) others.push_back(u.ToString());
  }
  auto local = membership::RaftCluster::FromInitialCluster(cfg.initial_cluster_token, ic);
  if (!local.ok()) return absl::OkStatus();  // the bootstrap itself reports it
  auto self = (*local)->FindByName(cfg.name);
  if (!self.has_value() || others.empty()) return absl::OkStatus();
  auto fetched = fetch(others);
  if (!fetched.ok()) return absl::OkStatus();  // nobody up yet: a normal new cluster
  if (fetched->cluster_id() != (*local)->id()) {
    // user-pain §4: etcd 3.4 starts anyway and logs "cluster ID mismatch" forever.
    std::string responder = "a member", running;
    for (const auto& m : fetched->members()) {
      const std::string urls = absl::StrJoin(m.peer_urls(), ",");
      if (m.id() == fetched->member_id()) {
        responder = absl::StrCat("member \"", m.name(), "\" (", urls, ")");
      }
      absl::StrAppend(&running, running.empty() ? "" : ",",
                      m.name().empty() ? "(unstarted)" : m.name(), "=", urls);
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "cluster ID mismatch: this member \"", cfg.name, "\" would bootstrap a new cluster ",
        membership::IdToHex((*local)->id()),
        " from --initial-cluster-token=", cfg.initial_cluster_token, " and --initial-cluster=",
        config::FormatInitialCluster(cfg.initial_cluster), ", but ", responder,
        " already belongs to the running cluster ", membership::IdToHex(fetched->cluster_id()),
        " (", running, "). To add this member to that cluster: ", server::RejoinHint(cfg),
        ". To create a new cluster instead: give every member the same "
        "--initial-cluster-token and the same --initial-cluster, listing only the new "
        "members (a member that ran before keeps its cluster in its data dir)"));
  }
  std::vector<std::string> self_urls = self->peer_urls;
  std::sort(self_urls.begin(), self_urls.end());
  for (const auto& m : fetched->members()) {
    // This member: its bootstrap ID, or (re-added with `member add`) its peer URLs.
    std::vector<std::string> urls(m.peer_urls().begin(), m.peer_urls().end());
    std::sort(urls.begin(), urls.end());
    if ((m.id() != self->id && urls != self_urls) || m.client_urls().empty()) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "member ", membership::IdToHex(m.id()),
        " has already been bootstrapped: the "
        "running cluster ",
        membership::IdToHex(fetched->cluster_id()), " knows \"", m.name(), "\" (",
        absl::StrJoin(m.peer_urls(), ","),
        ") as a started member, but "
        "its data dir ",
        cfg.data_dir,
        " holds no WAL, so it would start again from an "
        "empty log (the data was lost, or the wrong --data-dir is given). If the data is "
        "lost: run \"etcdctl member remove ",
        membership::IdToHex(m.id()), "\" against the running cluster, then ",
        server::RejoinHint(cfg)));
  }
  return absl::OkStatus();
}

std::string ExplainCreateFailure(const absl::Status& s, const config::ServerConfig& cfg) {
  std::string msg(s.message());
  if (absl::StrContains(msg, "/LOCK") &&
      absl::StrContains(msg, "Resource temporarily unavailable")) {
    absl::StrAppend(&msg,
                    " (another process, most likely a second etcd, is using the data "
                    "dir ",
                    cfg.data_dir,
                    "; stop it first, or give this member its "
                    "own --data-dir)");
  }
  return msg;
}

FetchMembersFn QuickFetchMembers(const config::ServerConfig& cfg) {
  return [cfg](const std::vector<std::string>& urls) {
    peerpb::HandshakeRequest hello;
    hello.set_cluster_id(0);  // a newcomer: any cluster
    hello.set_name(cfg.name);
    for (const auto& u : cfg.initial_advertise_peer_urls) hello.add_peer_urls(u.ToString());
    hello.set_version(ETCD_VERSION);
    return transport::FetchMembers(urls, hello, kBootstrapTimeout);
  };
}

}  // namespace etcd::tools
