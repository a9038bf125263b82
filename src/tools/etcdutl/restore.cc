#include "tools/etcdutl/restore.h"

#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "config/url.h"
#include "membership/cluster.h"
#include "raftpb/raft.pb.h"
#include "server/etcd_server.h"
#include "snapshot/image_format.h"
#include "snapshot/status.h"
#include "storage/backend.h"
#include "storage/leveldb_backend.h"
#include "wal/snapshotter.h"
#include "wal/wal.h"

namespace etcd::etcdutl {
namespace {

using storage::Bucket;

constexpr size_t kCommitEveryBytes = 8 << 20;

std::vector<std::string> UrlStrings(const std::vector<config::Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.ToString());
  return out;
}

}  // namespace

std::string GoBytes(std::string_view b) {
  std::vector<std::string> parts;
  for (char c : b) parts.push_back(std::to_string(static_cast<uint8_t>(c)));
  return "[" + absl::StrJoin(parts, " ") + "]";
}

absl::StatusOr<RestoreResult> Restore(const RestoreConfig& cfg, Env* env) {
  namespace fs = std::filesystem;
  RestoreResult res;
  // Membership of the new cluster (etcd's VerifyBootstrap checks first).
  ASSIGN_OR_RETURN(auto ic, config::ParseInitialCluster(cfg.initial_cluster));
  ASSIGN_OR_RETURN(auto peer_urls, config::ParseUrlList(cfg.initial_advertise_peer_urls));
  std::vector<std::pair<std::string, std::vector<std::string>>> members;
  const std::vector<config::Url>* mine = nullptr;
  for (const auto& [name, urls] : ic) {
    members.emplace_back(name, UrlStrings(urls));
    if (name == cfg.name) mine = &urls;
  }
  if (mine == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("couldn't find local name \"", cfg.name,
                                                   "\" in the initial cluster configuration"));
  }
  if (UrlStrings(*mine) != UrlStrings(peer_urls)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--initial-cluster has ", cfg.name, "=", absl::StrJoin(UrlStrings(*mine), ","),
                     " but missing from --initial-advertise-peer-urls=",
                     absl::StrJoin(UrlStrings(peer_urls), ",")));
  }
  ASSIGN_OR_RETURN(auto cluster,
                   membership::RaftCluster::FromInitialCluster(cfg.initial_cluster_token, members));

  res.data_dir = cfg.data_dir.empty() ? cfg.name + ".etcd" : cfg.data_dir;
  std::error_code ec;
  if (fs::exists(res.data_dir, ec)) {
    return absl::AlreadyExistsError(absl::StrCat("data-dir \"", res.data_dir, "\" exists"));
  }
  res.wal_dir = cfg.wal_dir;
  if (res.wal_dir.empty()) {
    res.wal_dir = res.data_dir + "/member/wal";
  } else if (fs::exists(res.wal_dir, ec)) {
    return absl::AlreadyExistsError(absl::StrCat("wal-dir \"", res.wal_dir, "\" exists"));
  }
  res.snap_dir = res.data_dir + "/member/snap";

  // The file: hash check as etcd does it, then our own integrity checks.
  ASSIGN_OR_RETURN(std::string file, snapshot::ReadWholeFile(cfg.snapshot_path));
  auto split = snapshot::SplitSavedFile(file);
  std::string_view image;
  std::string_view sha;
  if (split.ok()) {
    image = split->image;
    sha = split->sha256;
  } else {
    image = file;  // not n*512(+32): no hash; the image check below fails it
  }
  if (sha.empty() && !cfg.skip_hash_check) {
    return absl::FailedPreconditionError("snapshot missing hash but --skip-hash-check=false");
  }
  if (!sha.empty() && !cfg.skip_hash_check) {
    std::string got = snapshot::Sha256(image);
    if (got != sha) {
      return absl::DataLossError(
          absl::StrCat("expected sha256 ", GoBytes(sha), ", got ", GoBytes(got)));
    }
  }
  if (auto parsed = snapshot::ParseImage(image, nullptr); !parsed.ok()) {
    if (absl::IsDataLoss(parsed.status())) {
      return absl::FailedPreconditionError(snapshot::IntegrityError(parsed.status().message()));
    }
    return parsed.status();
  }

  // The backend.
  fs::create_directories(res.snap_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("mkdir ", res.snap_dir, ": ", ec.message()));
  fs::permissions(res.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  {
    ASSIGN_OR_RETURN(auto backend, storage::Backend::Open(env, res.data_dir + "/member/db"));
    size_t pending = 0;
    absl::Status scan =
        snapshot::ParseImage(
            image,
            [&](char bucket, std::string_view k, std::string_view v) -> absl::Status {
              Bucket b = static_cast<Bucket>(bucket);
              if (b == Bucket::kMembers || b == Bucket::kAlarm) return absl::OkStatus();
              if (b == Bucket::kMeta &&
                  (k == storage::kConsistentIndexKey || k == storage::kConsistentTermKey)) {
                return absl::OkStatus();
              }
              if (b == Bucket::kCluster && k == membership::RaftCluster::kClusterIdKey) {
                return absl::OkStatus();
              }
              if (b == Bucket::kKey && k.size() >= 8) {
                int64_t main = 0;
                for (int i = 0; i < 8; ++i) main = (main << 8) | static_cast<uint8_t>(k[i]);
                res.revision = main;
              }
              backend->Put(b, k, v);
              pending += k.size() + v.size();
              if (pending >= kCommitEveryBytes) {
                pending = 0;
                return backend->Commit(0, 0);
              }
              return absl::OkStatus();
            })
            .status();
    RETURN_IF_ERROR(scan);
    for (const auto& m : cluster->Members()) {
      cluster->AddMember(m, backend.get());
      res.added_members.push_back(m.name + "=" + membership::IdToHex(m.id));
    }
    const uint64_t commit = cluster->Members().size();
    RETURN_IF_ERROR(backend->CommitSync(commit, 1));
  }

  // The WAL and the Raft snapshot.
  auto self = cluster->FindByName(cfg.name);
  res.member_id = self->id;
  res.cluster_id = cluster->id();
  std::random_device rd;
  wal::WalOptions wopts;
  wopts.nonce = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  ASSIGN_OR_RETURN(
      auto w, wal::Wal::Create(env, res.wal_dir,
                               server::EncodeWalMetadata(res.member_id, res.cluster_id), wopts));
  std::vector<raftpb::Entry> ents;
  raftpb::ConfState cs;
  for (const auto& m : cluster->Members()) {
    raftpb::ConfChange cc;
    cc.set_type(raftpb::CONF_CHANGE_ADD_NODE);
    cc.set_node_id(m.id);
    cc.set_context(m.ToProto().SerializeAsString());
    raftpb::Entry e;
    e.set_type(raftpb::ENTRY_CONF_CHANGE);
    e.set_term(1);
    e.set_index(ents.size() + 1);
    e.set_data(cc.SerializeAsString());
    ents.push_back(std::move(e));
    cs.add_voters(m.id);
  }
  const uint64_t commit = ents.size();
  raftpb::HardState hs;
  hs.set_term(1);
  hs.set_vote(cluster->Members().front().id);
  hs.set_commit(commit);
  RETURN_IF_ERROR(w->Save(hs, ents));
  raftpb::Snapshot snap;
  snap.set_data(server::EncodeSnapshotData(commit));
  snap.mutable_metadata()->set_index(commit);
  snap.mutable_metadata()->set_term(1);
  *snap.mutable_metadata()->mutable_conf_state() = cs;
  wal::Snapshotter snapper(env, res.snap_dir);
  RETURN_IF_ERROR(snapper.SaveSnap(snap));
  RETURN_IF_ERROR(w->SaveSnapshot({commit, 1}));
  RETURN_IF_ERROR(w->Close());
  return res;
}

}  // namespace etcd::etcdutl
