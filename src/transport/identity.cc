#include "transport/identity.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "transport/peer_url.h"

namespace etcd::transport {
namespace {

constexpr char kRemovedPrefix[] = "the member has been permanently removed from the cluster";

std::vector<std::string> Urls(const google::protobuf::RepeatedPtrField<std::string>& urls) {
  return std::vector<std::string>(urls.begin(), urls.end());
}

std::string Describe(uint64_t id, const std::vector<std::string>& urls) {
  return absl::StrCat(HexId(id), " (", JoinUrls(urls), ")");
}

}  // namespace

peerpb::HandshakeRequest LocalIdentity::Hello(uint64_t to) const {
  peerpb::HandshakeRequest h;
  h.set_cluster_id(cluster_id);
  h.set_member_id(member_id);
  h.set_name(name);
  for (const auto& u : peer_urls) h.add_peer_urls(u);
  h.set_version(version);
  h.set_to(to);
  return h;
}

peerpb::HandshakeResponse LocalIdentity::Response() const {
  peerpb::HandshakeResponse r;
  r.set_cluster_id(cluster_id);
  r.set_member_id(member_id);
  r.set_name(name);
  for (const auto& u : peer_urls) r.add_peer_urls(u);
  r.set_version(version);
  return r;
}

std::string HexId(uint64_t id) { return absl::StrFormat("%x", id); }

std::string ClusterMismatchMessage(uint64_t local_id, const std::vector<std::string>& local_urls,
                                   uint64_t local_cluster, uint64_t remote_id,
                                   const std::vector<std::string>& remote_urls,
                                   uint64_t remote_cluster) {
  return absl::StrCat("cluster ID mismatch: local member ", Describe(local_id, local_urls),
                      " is in cluster ", HexId(local_cluster), ", remote member ",
                      Describe(remote_id, remote_urls), " claims cluster ", HexId(remote_cluster));
}

absl::Status CheckCaller(const LocalIdentity& local, const peerpb::HandshakeRequest& hello,
                         bool caller_removed, bool allow_unknown_cluster) {
  std::vector<std::string> remote_urls = Urls(hello.peer_urls());
  bool unknown_ok = allow_unknown_cluster && hello.cluster_id() == 0;
  if (hello.cluster_id() != local.cluster_id && !unknown_ok) {
    return absl::FailedPreconditionError(ClusterMismatchMessage(local.member_id, local.peer_urls,
                                                                local.cluster_id, hello.member_id(),
                                                                remote_urls, hello.cluster_id()));
  }
  if (hello.to() != 0 && hello.to() != local.member_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "member ID mismatch: local member ", Describe(local.member_id, local.peer_urls),
        " of cluster ", HexId(local.cluster_id), " was called by member ",
        Describe(hello.member_id(), remote_urls), " meaning to reach member ", HexId(hello.to())));
  }
  if (caller_removed) {
    return absl::PermissionDeniedError(
        absl::StrCat(kRemovedPrefix, ": member ", Describe(hello.member_id(), remote_urls),
                     " was removed from cluster ", HexId(local.cluster_id), "; refused by member ",
                     Describe(local.member_id, local.peer_urls)));
  }
  return absl::OkStatus();
}

absl::Status CheckCallee(const LocalIdentity& local, uint64_t expected_id, const std::string& url,
                         const peerpb::HandshakeResponse& response) {
  std::vector<std::string> remote_urls = Urls(response.peer_urls());
  if (response.cluster_id() != local.cluster_id) {
    return absl::FailedPreconditionError(
        ClusterMismatchMessage(local.member_id, local.peer_urls, local.cluster_id,
                               response.member_id(), remote_urls, response.cluster_id()));
  }
  if (response.member_id() != expected_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "member ID mismatch: local member ", Describe(local.member_id, local.peer_urls), " dialed ",
        url, " to reach member ", HexId(expected_id), " but reached member ",
        Describe(response.member_id(), remote_urls), " of cluster ", HexId(response.cluster_id())));
  }
  return absl::OkStatus();
}

bool IsRemovedError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kPermissionDenied &&
         absl::StartsWith(status.message(), kRemovedPrefix);
}

}  // namespace etcd::transport
