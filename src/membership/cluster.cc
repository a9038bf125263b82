#include "membership/cluster.h"

#include <algorithm>

#include "common/errors.h"

namespace etcd::membership {
namespace {

std::string BigEndian64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (56 - 8 * i));
  return s;
}

uint64_t FromBigEndian64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) {
    v = (v << 8) | static_cast<unsigned char>(s[i]);
  }
  return v;
}

constexpr int kMaxLearners = 1;  // etcd 3.4: at most one learner

}  // namespace

std::string RaftCluster::MemberKey(uint64_t id) { return "m" + BigEndian64(id); }
std::string RaftCluster::RemovedKey(uint64_t id) { return "r" + BigEndian64(id); }

absl::StatusOr<std::unique_ptr<RaftCluster>> RaftCluster::FromInitialCluster(
    const std::string& token,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& initial_cluster) {
  // Group the URLs by name, keeping first-seen name order.
  std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
  std::set<std::string> seen_urls;
  for (const auto& entry : initial_cluster) {
    const std::string& name = entry.first;
    const std::vector<std::string>& urls = entry.second;
    if (name.empty()) return absl::InvalidArgumentError("member name is empty");
    if (urls.empty()) return absl::InvalidArgumentError("member " + name + " has no peer URL");
    auto it = std::find_if(grouped.begin(), grouped.end(),
                           [&name](const auto& g) { return g.first == name; });
    if (it == grouped.end()) {
      grouped.emplace_back(name, std::vector<std::string>{});
      it = grouped.end() - 1;
    }
    for (const auto& u : urls) {
      if (!seen_urls.insert(u).second) return absl::InvalidArgumentError("has duplicate url");
      it->second.push_back(u);
    }
  }
  auto cluster = std::make_unique<RaftCluster>();
  std::vector<uint64_t> ids;
  {
    absl::MutexLock lock(&cluster->mu_);
    for (const auto& [name, urls] : grouped) {
      Member m = NewMember(name, urls, token);
      if (cluster->members_.count(m.id)) {
        return absl::InvalidArgumentError("member ID collision for " + name);
      }
      ids.push_back(m.id);
      cluster->members_[m.id] = std::move(m);
    }
    cluster->cluster_id_ = ComputeClusterId(ids);
  }
  return cluster;
}

absl::Status RaftCluster::Recover(const storage::Backend& backend) {
  std::map<uint64_t, Member> members;
  std::set<uint64_t> removed;
  absl::Status parse_error;
  RETURN_IF_ERROR(backend.Scan(
      storage::Bucket::kMembers, "", "", [&](std::string_view key, std::string_view value) {
        if (key.size() != 9) return true;
        uint64_t id = FromBigEndian64(key.substr(1));
        if (key[0] == 'm') {
          serverpb::Member pb;
          if (!pb.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            parse_error = absl::DataLossError("corrupt member record");
            return false;
          }
          members[id] = Member::FromProto(pb);
        } else if (key[0] == 'r') {
          removed.insert(id);
        }
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  ASSIGN_OR_RETURN(auto version, backend.Get(storage::Bucket::kCluster, kVersionKey));
  ASSIGN_OR_RETURN(auto cid, backend.Get(storage::Bucket::kCluster, kClusterIdKey));
  absl::MutexLock lock(&mu_);
  members_ = std::move(members);
  removed_ = std::move(removed);
  version_ = version.value_or("");
  if (cid.has_value() && cid->size() == 8) cluster_id_ = FromBigEndian64(*cid);
  return absl::OkStatus();
}

uint64_t RaftCluster::id() const {
  absl::MutexLock lock(&mu_);
  return cluster_id_;
}

void RaftCluster::SetId(uint64_t cluster_id) {
  absl::MutexLock lock(&mu_);
  cluster_id_ = cluster_id;
}

std::vector<Member> RaftCluster::Members() const {
  absl::MutexLock lock(&mu_);
  std::vector<Member> out;
  out.reserve(members_.size());
  for (const auto& [id, m] : members_) out.push_back(m);
  return out;
}

std::vector<uint64_t> RaftCluster::MemberIds() const {
  absl::MutexLock lock(&mu_);
  std::vector<uint64_t> out;
  for (const auto& [id, m] : members_) out.push_back(id);
  return out;
}

std::vector<uint64_t> RaftCluster::VotingMemberIds() const {
  absl::MutexLock lock(&mu_);
  std::vector<uint64_t> out;
  for (const auto& [id, m] : members_) {
    if (!m.is_learner) out.push_back(id);
  }
  return out;
}

std::optional<Member> RaftCluster::Find(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  auto it = members_.find(id);
  if (it == members_.end()) return std::nullopt;
  return it->second;
}

std::optional<Member> RaftCluster::FindByName(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, m] : members_) {
    if (m.name == name) return m;
  }
  return std::nullopt;
}

bool RaftCluster::IsRemoved(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  return removed_.count(id) > 0;
}

std::string RaftCluster::Version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

absl::Status RaftCluster::ValidateConfChange(raftpb::ConfChangeType type, uint64_t node_id,
                                             const std::optional<Member>& member) const {
  absl::MutexLock lock(&mu_);
  if (removed_.count(node_id)) return errors::Make(errors::Err::kMemberNotFound);
  auto it = members_.find(node_id);
  switch (type) {
    case raftpb::CONF_CHANGE_ADD_NODE:
      if (it != members_.end()) {
        // Adding an existing learner as a voter is a promotion.
        if (!it->second.is_learner) return errors::Make(errors::Err::kMemberExist);
        return absl::OkStatus();
      }
      if (!member.has_value()) return errors::Make(errors::Err::kMemberBadURLs);
      if (UrlTakenLocked(*member, false)) return errors::Make(errors::Err::kPeerURLExist);
      return absl::OkStatus();
    case raftpb::CONF_CHANGE_ADD_LEARNER_NODE:
      if (it != members_.end()) return errors::Make(errors::Err::kMemberExist);
      if (!member.has_value()) return errors::Make(errors::Err::kMemberBadURLs);
      if (UrlTakenLocked(*member, false)) return errors::Make(errors::Err::kPeerURLExist);
      if (LearnersLocked() >= kMaxLearners) return errors::Make(errors::Err::kTooManyLearners);
      return absl::OkStatus();
    case raftpb::CONF_CHANGE_REMOVE_NODE:
      if (it == members_.end()) return errors::Make(errors::Err::kMemberNotFound);
      return absl::OkStatus();
    case raftpb::CONF_CHANGE_UPDATE_NODE:
      if (it == members_.end()) return errors::Make(errors::Err::kMemberNotFound);
      if (member.has_value() && UrlTakenLocked(*member, true)) {
        return errors::Make(errors::Err::kPeerURLExist);
      }
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError("unknown conf change type");
  }
}

bool RaftCluster::UrlTakenLocked(const Member& m, bool skip_self) const {
  for (const auto& [id, other] : members_) {
    if (skip_self && id == m.id) continue;
    for (const auto& u : other.peer_urls) {
      if (std::find(m.peer_urls.begin(), m.peer_urls.end(), u) != m.peer_urls.end()) return true;
    }
  }
  return false;
}

int RaftCluster::LearnersLocked() const {
  int n = 0;
  for (const auto& [id, m] : members_) n += m.is_learner ? 1 : 0;
  return n;
}

void RaftCluster::PersistMemberLocked(const Member& m, storage::Backend* backend) {
  if (backend == nullptr) return;
  backend->Put(storage::Bucket::kMembers, MemberKey(m.id), m.ToProto().SerializeAsString());
  backend->Put(storage::Bucket::kCluster, kClusterIdKey, BigEndian64(cluster_id_));
}

void RaftCluster::AddMember(const Member& m, storage::Backend* backend) {
  absl::MutexLock lock(&mu_);
  Member copy = m;
  std::sort(copy.peer_urls.begin(), copy.peer_urls.end());
  auto it = members_.find(m.id);
  if (it != members_.end()) {
    // Keep published attributes of a re-added (bootstrap) member.
    if (copy.name.empty()) copy.name = it->second.name;
    if (copy.client_urls.empty()) copy.client_urls = it->second.client_urls;
  }
  members_[copy.id] = copy;
  PersistMemberLocked(copy, backend);
}

void RaftCluster::RemoveMember(uint64_t id, storage::Backend* backend) {
  absl::MutexLock lock(&mu_);
  members_.erase(id);
  removed_.insert(id);
  if (backend != nullptr) {
    backend->Delete(storage::Bucket::kMembers, MemberKey(id));
    backend->Put(storage::Bucket::kMembers, RemovedKey(id), "");
  }
}

void RaftCluster::UpdateAttributes(uint64_t id, const std::string& name,
                                   const std::vector<std::string>& client_urls,
                                   storage::Backend* backend) {
  absl::MutexLock lock(&mu_);
  auto it = members_.find(id);
  if (it == members_.end()) return;  // removed meanwhile: etcd ignores it too
  it->second.name = name;
  it->second.client_urls = client_urls;
  PersistMemberLocked(it->second, backend);
}

void RaftCluster::UpdatePeerUrls(uint64_t id, const std::vector<std::string>& peer_urls,
                                 storage::Backend* backend) {
  absl::MutexLock lock(&mu_);
  auto it = members_.find(id);
  if (it == members_.end()) return;
  it->second.peer_urls = peer_urls;
  std::sort(it->second.peer_urls.begin(), it->second.peer_urls.end());
  PersistMemberLocked(it->second, backend);
}

void RaftCluster::PromoteMember(uint64_t id, storage::Backend* backend) {
  absl::MutexLock lock(&mu_);
  auto it = members_.find(id);
  if (it == members_.end()) return;
  it->second.is_learner = false;
  PersistMemberLocked(it->second, backend);
}

void RaftCluster::SetVersion(const std::string& version, storage::Backend* backend) {
  absl::MutexLock lock(&mu_);
  version_ = version;
  if (backend != nullptr) backend->Put(storage::Bucket::kCluster, kVersionKey, version);
}

}  // namespace etcd::membership
