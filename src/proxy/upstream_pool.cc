#include "proxy/upstream_pool.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/match.h"

namespace etcd::proxy {

std::string GrpcTarget(const std::string& url) {
  std::string rest;
  if (absl::StartsWith(url, "http://")) {
    rest = url.substr(7);
  } else if (absl::StartsWith(url, "https://")) {
    rest = url.substr(8);
  } else {
    return "";
  }
  return rest.substr(0, rest.find('/'));
}

Upstream UpstreamPool::Make(const std::string& url) {
  Upstream u;
  u.url = url;
  u.target = GrpcTarget(url);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // Reconnect quickly after a member restarts (gRPC's default backoff grows to 120 s).
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  auto creds = absl::StartsWith(url, "https://")
                   ? grpc::SslCredentials(grpc::SslCredentialsOptions())
                   : grpc::InsecureChannelCredentials();
  u.channel = grpc::CreateCustomChannel(u.target, creds, args);
  return u;
}

UpstreamPool::UpstreamPool(const std::vector<std::string>& urls) { SetEndpoints(urls); }

bool UpstreamPool::SetEndpoints(const std::vector<std::string>& urls) {
  std::vector<Upstream> next;
  {
    absl::MutexLock l(&mu_);
    bool same = urls.size() == endpoints_.size();
    for (size_t i = 0; same && i < urls.size(); ++i) same = urls[i] == endpoints_[i].url;
    if (same) return false;
    for (const auto& url : urls) {
      if (GrpcTarget(url).empty()) continue;
      bool found = false;
      for (const auto& e : endpoints_) {
        if (e.url == url) {
          next.push_back(e);
          found = true;
          break;
        }
      }
      if (!found) next.push_back({url, "", nullptr});  // channel made below, unlocked
    }
  }
  for (auto& u : next) {
    if (u.channel == nullptr) u = Make(u.url);
  }
  absl::MutexLock l(&mu_);
  std::string current = current_ < endpoints_.size() ? endpoints_[current_].url : "";
  endpoints_ = std::move(next);
  current_ = 0;
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    if (endpoints_[i].url == current) current_ = i;
  }
  return true;
}

std::vector<std::string> UpstreamPool::Urls() const {
  absl::MutexLock l(&mu_);
  std::vector<std::string> out;
  for (const auto& e : endpoints_) out.push_back(e.url);
  return out;
}

std::vector<Upstream> UpstreamPool::Order() {
  std::vector<Upstream> ring;
  {
    absl::MutexLock l(&mu_);
    for (size_t i = 0; i < endpoints_.size(); ++i) {
      ring.push_back(endpoints_[(current_ + i) % endpoints_.size()]);
    }
  }
  std::vector<Upstream> ready, other;
  for (size_t i = 0; i < ring.size(); ++i) {
    grpc_connectivity_state s = ring[i].channel->GetState(/*try_to_connect=*/true);
    bool failing = s == GRPC_CHANNEL_TRANSIENT_FAILURE || s == GRPC_CHANNEL_SHUTDOWN;
    if (i == 0 && !failing) {
      ready.insert(ready.begin(), ring[i]);
    } else if (s == GRPC_CHANNEL_READY) {
      ready.push_back(ring[i]);
    } else {
      other.push_back(ring[i]);
    }
  }
  ready.insert(ready.end(), other.begin(), other.end());
  return ready;
}

void UpstreamPool::ReportFailure(const std::string& url) {
  absl::MutexLock l(&mu_);
  if (endpoints_.empty()) return;
  if (endpoints_[current_].url == url) current_ = (current_ + 1) % endpoints_.size();
}

}  // namespace etcd::proxy
