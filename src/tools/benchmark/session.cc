#include "tools/benchmark/session.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "client/status.h"

namespace etcd::benchmark {

std::string BenchErrorText(const absl::Status& status) { return client::ErrorString(status); }

absl::StatusOr<std::unique_ptr<Session>> Session::Open(const GlobalOptions& global, int64_t conns) {
  std::unique_ptr<Session> s(new Session(global));
  client::ClientOptions& o = s->options_;
  o.endpoints = global.endpoints;
  o.dial_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(global.dial_timeout);
  // Without gRPC's own retry layer (it copies every call's messages and metadata in
  // case of a transparent retry): ~10% of the load generator's CPU per request. The
  // client and CqClosedLoop retry Unavailable errors themselves.
  o.channel_int_args = {{GRPC_ARG_ENABLE_RETRIES, 0}};
  if (!global.cert.empty() || !global.key.empty() || !global.cacert.empty()) {
    o.tls = client::TlsFiles{global.cacert, global.cert, global.key};
  }
  if (!global.user.empty()) {
    const size_t colon = global.user.find(':');
    if (colon != std::string::npos) {
      o.username = global.user.substr(0, colon);
      o.password = global.user.substr(colon + 1);
    } else {
      o.username = global.user;
      const char* pw = getpass("Password: ");
      o.password = pw != nullptr ? pw : "";
    }
  }
  if (global.target_leader) RETURN_IF_ERROR(s->ResolveLeader());
  const int64_t n = conns > 0 ? conns : global.conns;
  for (int64_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(auto c, client::Client::Connect(o));
    s->conns_.push_back(std::move(c));
  }
  return s;
}

absl::StatusOr<std::unique_ptr<client::Client>> Session::NewConn() const {
  return client::Client::Connect(options_);
}

std::vector<CqConn> Session::CqConns() const {
  std::vector<CqConn> out;
  for (const auto& c : conns_) {
    CqConn conn;
    for (size_t e = 0; e < c->endpoint_count(); ++e) conn.channels.push_back(c->channel(e));
    conn.token = c->token();
    // Plaintext endpoints: the engine's own core-API connections (cq_driver.h).
    if (!options_.tls.has_value()) {
      for (const auto& ep : c->endpoints()) {
        if (!ep.secure) conn.plain_targets.push_back(ep.target);
      }
      if (conn.plain_targets.size() != c->endpoint_count()) conn.plain_targets.clear();
    }
    out.push_back(std::move(conn));
  }
  return out;
}

absl::Status Session::ResolveLeader() {
  absl::Status last = absl::UnavailableError("no leader found among the endpoints");
  for (const auto& ep : options_.endpoints) {
    client::ClientOptions one = options_;
    one.endpoints = {ep};
    if (one.request_timeout.count() == 0) one.request_timeout = std::chrono::seconds(5);
    auto c = client::Client::Connect(one);
    if (!c.ok()) {
      last = c.status();
      continue;
    }
    auto st = (*c)->Status(0);
    if (!st.ok()) {
      last = st.status();
      continue;
    }
    if (st->leader() != 0 && st->leader() == st->header().member_id()) {
      options_.endpoints = {ep};
      return absl::OkStatus();
    }
  }
  return last;
}

void Session::Print(std::string_view command, std::string_view title, const Stats& stats,
                    bool newline, const nlohmann::ordered_json& extra) const {
  if (global_.json) {
    nlohmann::ordered_json j;
    j["command"] = std::string(command);
    const nlohmann::ordered_json summary = ToJson(stats);
    for (auto it = summary.begin(); it != summary.end(); ++it) j[it.key()] = it.value();
    if (extra.is_object()) {
      for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
    }
    std::cout << j.dump() << std::endl;
    return;
  }
  std::cout << title << FormatText(stats, global_.precise);
  if (newline) std::cout << "\n";
  std::cout.flush();
}

}  // namespace etcd::benchmark
