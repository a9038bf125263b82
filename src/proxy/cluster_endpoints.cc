#include "proxy/cluster_endpoints.h"

#include <curl/curl.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "peerpb/peer.grpc.pb.h"
#include "proxy/upstream_pool.h"

namespace etcd::proxy {
namespace {

void AddUnique(std::vector<std::string>* out, const std::string& url) {
  if (std::find(out->begin(), out->end(), url) == out->end()) out->push_back(url);
}

absl::StatusOr<ClusterMembers> AskPeerService(const std::string& peer_url,
                                              std::chrono::milliseconds timeout) {
  std::string target = GrpcTarget(peer_url);
  if (target.empty()) return absl::InvalidArgumentError("not an http(s) URL");
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto stub = peerpb::Peer::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  peerpb::MembersRequest req;
  req.mutable_hello()->set_name("proxy");
  peerpb::MembersResponse resp;
  grpc::Status s = stub->Members(&ctx, req, &resp);
  if (!s.ok()) return absl::UnavailableError(s.error_message());
  ClusterMembers out;
  out.members = static_cast<size_t>(resp.members_size());
  for (const auto& m : resp.members()) {
    for (const auto& u : m.client_urls()) AddUnique(&out.client_urls, u);
    for (const auto& u : m.peer_urls()) AddUnique(&out.peer_urls, u);
  }
  return out;
}

size_t Collect(char* ptr, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(ptr, size * n);
  return size * n;
}

absl::StatusOr<ClusterMembers> AskHttpMembers(const std::string& peer_url,
                                              std::chrono::milliseconds timeout) {
  CURL* c = curl_easy_init();
  if (c == nullptr) return absl::InternalError("curl_easy_init failed");
  std::string body;
  std::string url = peer_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/members";
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) return absl::UnavailableError(curl_easy_strerror(rc));
  if (status != 200) return absl::UnavailableError(absl::StrCat("HTTP ", status));
  auto urls = ParseMembersJson(body);
  if (!urls.ok()) return urls.status();
  ClusterMembers out;
  out.client_urls = *urls;
  auto j = nlohmann::json::parse(body, nullptr, false);
  out.members = j.is_array() ? j.size() : 0;
  if (j.is_array()) {
    for (const auto& m : j) {
      if (!m.is_object() || !m.contains("peerURLs") || !m["peerURLs"].is_array()) continue;
      for (const auto& u : m["peerURLs"]) {
        if (u.is_string()) AddUnique(&out.peer_urls, u.get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseMembersJson(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("members")) j = j["members"];  // the /v2/members shape
  if (j.is_discarded() || !j.is_array()) {
    return absl::InvalidArgumentError("the member list is not a JSON array");
  }
  std::vector<std::string> out;
  for (const auto& m : j) {
    if (!m.is_object() || !m.contains("clientURLs") || !m["clientURLs"].is_array()) continue;
    for (const auto& u : m["clientURLs"]) {
      if (u.is_string()) AddUnique(&out, u.get<std::string>());
    }
  }
  return out;
}

absl::StatusOr<ClusterMembers> FetchClusterMembers(const std::vector<std::string>& peer_urls,
                                                   std::chrono::milliseconds timeout) {
  std::vector<std::string> errors;
  for (const auto& peer : peer_urls) {
    auto m = AskPeerService(peer, timeout);
    if (!m.ok()) {
      auto h = AskHttpMembers(peer, timeout);
      if (!h.ok()) {
        errors.push_back(absl::StrCat(peer, ": ", m.status().message(),
                                      "; GET /members: ", h.status().message()));
        continue;
      }
      m = std::move(h);
    }
    if (m->client_urls.empty()) {
      errors.push_back(absl::StrCat(peer, ": no member has published client URLs yet"));
      continue;
    }
    m->answered_by = peer;
    return m;
  }
  return absl::UnavailableError(absl::StrCat("proxy: could not learn the cluster's client URLs (",
                                             absl::StrJoin(errors, "; "), ")"));
}

}  // namespace etcd::proxy
