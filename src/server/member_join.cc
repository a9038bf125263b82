// Joining a running cluster (--initial-cluster-state existing) and the restart-time
// report of ignored bootstrap settings. docs/design/server.md "Joining an existing
// cluster".
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "membership/member.h"
#include "server/etcd_server.h"
#include "transport/peer_client.h"

namespace etcd::server {
namespace {

constexpr std::chrono::milliseconds kFetchTimeoutPerUrl{2000};

// Go's %v of etcd's RaftCluster for the "error validating peerURLs" message.
std::string GoClusterText(const peerpb::MembersResponse& r) {
  std::vector<std::string> ms;
  for (const auto& m : r.members()) {
    ms.push_back(absl::StrCat("&{ID:", membership::IdToHex(m.id()), " RaftAttributes:{PeerURLs:[",
                              absl::StrJoin(m.peer_urls(), " "), "] IsLearner:",
                              m.is_learner() ? "true" : "false", "} Attributes:{Name:", m.name(),
                              " ClientURLs:[", absl::StrJoin(m.client_urls(), " "), "]}}"));
  }
  return absl::StrCat("{ClusterID:", membership::IdToHex(r.cluster_id()), " Members:[",
                      absl::StrJoin(ms, " "), "] RemovedMemberIDs:[]}");
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

std::string RejoinHint(const config::ServerConfig& cfg) {
  std::vector<std::string> urls;
  for (const auto& u : cfg.initial_advertise_peer_urls) urls.push_back(u.ToString());
  return absl::StrCat("remove the data dir ", cfg.data_dir, ", run \"etcdctl member add ", cfg.name,
                      " --peer-urls=", absl::StrJoin(urls, ","),
                      "\" against the running cluster, then start this member with "
                      "--initial-cluster-state existing and the --initial-cluster it prints");
}

absl::Status EtcdServer::BootstrapJoin(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& ic) {
  // The local view: --initial-cluster with IDs derived as for a new cluster; each member
  // must match a member of the running cluster by peer URLs and takes its ID.
  ASSIGN_OR_RETURN(auto local,
                   membership::RaftCluster::FromInitialCluster(cfg_.initial_cluster_token, ic));
  auto self = local->FindByName(cfg_.name);
  if (!self.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("couldn't find local name \"", cfg_.name,
                                                   "\" in the initial cluster configuration"));
  }
  std::vector<std::string> remote_urls;
  for (const auto& m : local->Members()) {
    if (m.name == cfg_.name) continue;
    remote_urls.insert(remote_urls.end(), m.peer_urls.begin(), m.peer_urls.end());
  }
  if (remote_urls.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot fetch cluster info from peer urls: could not retrieve cluster information "
        "from the given URLs (--initial-cluster-state existing, but --initial-cluster lists "
        "no member other than \"",
        cfg_.name, "\")"));
  }
  absl::StatusOr<peerpb::MembersResponse> fetched;
  if (deps_.fetch_members) {
    fetched = deps_.fetch_members(remote_urls);
  } else {
    peerpb::HandshakeRequest hello;
    hello.set_cluster_id(0);  // joining: any cluster
    // No member ID yet: the bootstrap-style ID computed from --initial-cluster may be
    // that of a removed member with the same peer URLs (a member re-added after
    // `member remove`), which the peers would refuse to talk to.
    hello.set_member_id(0);
    hello.set_name(cfg_.name);
    for (const auto& u : self->peer_urls) hello.add_peer_urls(u);
    hello.set_version(ETCD_VERSION);
    fetched = transport::FetchMembers(remote_urls, hello, kFetchTimeoutPerUrl);
  }
  if (!fetched.ok()) {
    logger().Warn("could not get cluster response", {{"peer-urls", absl::StrJoin(remote_urls, ",")},
                                                     {"error", fetched.status().ToString()}});
    return absl::UnavailableError(absl::StrCat(
        "cannot fetch cluster info from peer urls: could not retrieve cluster information "
        "from the given URLs (asked ",
        absl::StrJoin(remote_urls, ", "), ": ", fetched.status().message(), ")"));
  }
  const peerpb::MembersResponse& existing = *fetched;
  const std::vector<membership::Member> locals = local->Members();
  if (static_cast<size_t>(existing.members_size()) != locals.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "error validating peerURLs ", GoClusterText(existing), ": member count is unequal (",
        "the running cluster ", membership::IdToHex(existing.cluster_id()), " has ",
        existing.members_size(), " members, --initial-cluster lists ", locals.size(),
        "; add this member with \"etcdctl member add ", cfg_.name,
        " --peer-urls=...\" first and start it with the --initial-cluster printed there)"));
  }
  std::map<std::string, uint64_t> ids_by_name;  // local name -> existing ID
  std::set<std::string> matched;
  for (const auto& em : existing.members()) {
    std::vector<std::string> eurls = Sorted({em.peer_urls().begin(), em.peer_urls().end()});
    bool found = false;
    for (const auto& lm : locals) {
      if (matched.count(lm.name) == 0 && Sorted(lm.peer_urls) == eurls) {
        ids_by_name[lm.name] = em.id();
        matched.insert(lm.name);
        found = true;
        break;
      }
    }
    if (!found) {
      return absl::FailedPreconditionError(
          absl::StrCat("error validating peerURLs ", GoClusterText(existing),
                       ": PeerURLs: no match found for existing member (",
                       membership::IdToHex(em.id()), ", [", absl::StrJoin(eurls, " "),
                       "]), last resolver error (<nil>) (no member of "
                       "--initial-cluster has exactly these peer URLs)"));
    }
  }
  auto it = ids_by_name.find(cfg_.name);
  if (it == ids_by_name.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "error validating peerURLs ", GoClusterText(existing), ": this member \"", cfg_.name,
        "\" (", absl::StrJoin(self->peer_urls, ","), ") is not a member of the running cluster"));
  }
  member_id_ = it->second;
  for (const auto& em : existing.members()) {
    // Published (client URLs set by its first start): this member ran before, and its
    // data dir has been lost since (etcd 3.4 panics later in raft instead).
    if (em.id() == member_id_ && em.client_urls_size() > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "member ", membership::IdToHex(member_id_),
          " has already been bootstrapped: the "
          "running cluster ",
          membership::IdToHex(existing.cluster_id()), " knows \"", em.name(),
          "\" as a started member (client URLs ", absl::StrJoin(em.client_urls(), ","),
          "), but its data dir ", cfg_.data_dir,
          " holds no WAL (the data was lost or the wrong --data-dir is given). If the data "
          "is lost: run \"etcdctl member remove ",
          membership::IdToHex(member_id_), "\", then ", RejoinHint(cfg_)));
    }
  }
  join_peers_.clear();
  for (const auto& em : existing.members()) {
    join_peers_.push_back(membership::Member::FromProto(em));
    if (em.id() == member_id_) is_learner_ = em.is_learner();
  }
  // The membership records arrive with the leader's log (or snapshot): conf changes are
  // validated against the applied history, exactly as on every other member.
  cluster_ = std::make_unique<membership::RaftCluster>();
  cluster_->SetId(existing.cluster_id());

  RETURN_IF_ERROR(OpenStateMachine());
  if (backend_->ConsistentIndex() > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("member ", membership::IdToHex(member_id_),
                     " has already been bootstrapped (the backend in ", cfg_.DbDir(),
                     " holds data but the WAL directory ", cfg_.WalDir(), " is missing)"));
  }
  wal::WalOptions wopts;
  wopts.no_fsync = cfg_.unsafe_no_fsync;
  wopts.nonce = rng_.Next();
  ASSIGN_OR_RETURN(wal_,
                   wal::Wal::Create(deps_.env, cfg_.WalDir(),
                                    EncodeWalMetadata(member_id_, existing.cluster_id()), wopts));
  raft_storage_ = std::make_unique<raft::MemoryStorage>();
  ASSIGN_OR_RETURN(node_, NewRawNode(0));
  std::vector<std::string> names;
  for (const auto& m : join_peers_) {
    names.push_back(absl::StrCat(membership::IdToHex(m.id), m.is_learner ? "(learner)" : "", "=",
                                 absl::StrJoin(m.peer_urls, ",")));
  }
  logger().Info("starting member to join an existing cluster",
                {{"local-member-id", membership::IdToHex(member_id_)},
                 {"cluster-id", membership::IdToHex(existing.cluster_id())},
                 {"is-learner", is_learner_.load()},
                 {"fetched-from", absl::StrJoin(remote_urls, ",")},
                 {"members", absl::StrJoin(names, " ")}});
  return absl::OkStatus();
}

void EtcdServer::LogIgnoredBootstrapSettings() {
  std::vector<std::string> stored;
  for (const auto& m : cluster_->Members()) {
    stored.push_back(absl::StrCat(m.name.empty() ? "(unstarted)" : m.name, "=",
                                  absl::StrJoin(m.peer_urls, ","),
                                  m.is_learner ? " (learner)" : ""));
  }
  const std::string members = absl::StrJoin(stored, ",");
  const std::string cluster_id = membership::IdToHex(cluster_->id());
  auto warn = [&](const std::string& flag, const std::string& value) {
    logger().Warn("ignoring a bootstrap setting: the data directory already holds a member",
                  {{"setting", flag},
                   {"given", value},
                   {"data-dir", cfg_.data_dir},
                   {"local-member-id", membership::IdToHex(member_id_)},
                   {"stored-cluster-id", cluster_id},
                   {"stored-members", members}});
  };
  if (cfg_.initial_cluster_given) {
    std::vector<std::string> parts;
    for (const auto& [name, urls] : cfg_.initial_cluster) {
      for (const auto& u : urls) {
        std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
        parts.push_back(absl::StrCat(name, "=", u.scheme, "://", host,
                                     u.port != 0 ? absl::StrCat(":", u.port) : "", u.path));
      }
    }
    warn("--initial-cluster", absl::StrJoin(parts, ","));
  }
  if (cfg_.initial_cluster_state == config::ClusterState::kExisting) {
    warn("--initial-cluster-state", "existing");
  }
  if (cfg_.initial_cluster_given && cfg_.initial_cluster_token != "etcd-cluster") {
    warn("--initial-cluster-token", cfg_.initial_cluster_token);
  }
  if (!cfg_.discovery.empty()) warn("--discovery", cfg_.discovery);
  if (!cfg_.discovery_srv.empty()) warn("--discovery-srv", cfg_.discovery_srv);
}

}  // namespace etcd::server
