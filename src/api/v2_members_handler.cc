#include "api/v2_members_handler.h"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace etcd::api {
namespace {

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
  return buf;
}

HttpResponse JsonAnswer(int status, const std::string& body, const std::string& cluster_id) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  if (!cluster_id.empty()) r.headers.emplace_back("X-Etcd-Cluster-Id", cluster_id);
  r.body = body;
  return r;
}

HttpResponse Message(int status, const std::string& message, const std::string& cluster_id) {
  nlohmann::ordered_json j;
  j["message"] = message;
  return JsonAnswer(status, j.dump(), cluster_id);
}

HttpResponse NotAllowed(const std::string& allow) {
  HttpResponse r = HttpResponse::GoError(405, "Method Not Allowed");
  if (!allow.empty()) r.headers.insert(r.headers.begin(), {"Allow", allow});
  return r;
}

nlohmann::ordered_json MemberJson(const etcdserverpb::Member& m) {
  nlohmann::ordered_json o;
  o["id"] = Hex(m.id());
  o["name"] = m.name();
  o["peerURLs"] = std::vector<std::string>(m.peerurls().begin(), m.peerurls().end());
  o["clientURLs"] = std::vector<std::string>(m.clienturls().begin(), m.clienturls().end());
  return o;
}

// The body of POST/PUT: {"peerURLs": [...]}, checked as etcd checks it. On error the
// answer is in *error.
bool ParsePeerUrls(const HttpRequest& request, const std::string& cid,
                   std::vector<std::string>* urls, HttpResponse* error) {
  const std::string* ct = request.Header("content-type");
  std::string media = ct == nullptr ? "" : ct->substr(0, ct->find(';'));
  if (media != "application/json") {
    *error = Message(
        415,
        absl::StrCat("Bad Content-Type ", ct == nullptr ? "" : *ct, ", accept application/json"),
        cid);
    return false;
  }
  auto j = nlohmann::json::parse(request.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = Message(
        400,
        request.body.empty() ? "unexpected end of JSON input" : "invalid JSON in the request body",
        cid);
    return false;
  }
  if (j.contains("peerURLs") && j["peerURLs"].is_array()) {
    for (const auto& u : j["peerURLs"]) {
      if (!u.is_string()) continue;
      std::string s = u.get<std::string>();
      if (!absl::StartsWith(s, "http://") && !absl::StartsWith(s, "https://") &&
          !absl::StartsWith(s, "unix://") && !absl::StartsWith(s, "unixs://")) {
        *error = Message(400, "URL scheme must be http, https, unix, or unixs: " + s, cid);
        return false;
      }
      urls->push_back(s);
    }
  }
  if (urls->empty()) {
    *error = Message(400, "no valid URLs given", cid);
    return false;
  }
  return true;
}

// A member-change error as etcd's v2 API answers it.
HttpResponse ChangeError(const absl::Status& s, const std::string& id, const std::string& cid) {
  const std::string m(s.message());
  if (absl::StrContains(m, "member not found")) return Message(404, "No such member: " + id, cid);
  if (absl::StrContains(m, "Peer URLs already exists")) {
    return Message(409, "membership: peerURL exists", cid);
  }
  if (absl::StrContains(m, "member ID already exist"))
    return Message(409, "membership: ID exists", cid);
  if (absl::StrContains(m, "removed")) {
    return Message(410, "Member permanently removed: " + id, cid);
  }
  return Message(500, "Internal Server Error", cid);
}

}  // namespace

std::string GoDuration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns <= 0) return "0s";
  auto frac = [](int64_t v, int64_t unit, int digits) {
    std::string s = absl::StrCat(v / unit);
    int64_t rest = v % unit;
    if (rest != 0) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "%0*lld", digits, static_cast<long long>(rest));
      std::string f = buf;
      while (!f.empty() && f.back() == '0') f.pop_back();
      s += "." + f;
    }
    return s;
  };
  if (ns < 1000) return absl::StrCat(ns, "ns");
  if (ns < 1000000) return frac(ns, 1000, 3) + "µs";
  if (ns < 1000000000) return frac(ns, 1000000, 6) + "ms";
  int64_t h = ns / 3600000000000LL;
  ns %= 3600000000000LL;
  int64_t m = ns / 60000000000LL;
  ns %= 60000000000LL;
  std::string out;
  if (h > 0) out += absl::StrCat(h, "h");
  if (h > 0 || m > 0) out += absl::StrCat(m, "m");
  return out + frac(ns, 1000000000, 9) + "s";
}

std::string GoTime(std::chrono::system_clock::time_point t) {
  int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ns / 1000000000);
  int64_t rest = ns % 1000000000;
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out = buf;
  if (rest != 0) {
    char f[16];
    std::snprintf(f, sizeof(f), "%09lld", static_cast<long long>(rest));
    std::string s = f;
    while (!s.empty() && s.back() == '0') s.pop_back();
    out += "." + s;
  }
  return out + "Z";
}

void V2StoreStats::Count(const std::string& method, bool has_prev_exist, bool prev_exist,
                         bool has_compare, int http_status) {
  Op op;
  if (method == "GET" || method == "HEAD") {
    op = kGets;
  } else if (method == "POST") {
    op = kCreate;
  } else if (method == "DELETE") {
    op = has_compare ? kCad : kDelete;
  } else if (has_compare) {
    op = kCas;
  } else if (has_prev_exist) {
    op = prev_exist ? kUpdate : kCreate;
  } else {
    op = kSets;
  }
  const bool ok = http_status >= 200 && http_status < 300;
  counts_[op * 2 + (ok ? 0 : 1)].fetch_add(1, std::memory_order_relaxed);
}

std::string V2StoreStats::Json(size_t watchers) const {
  static const char* const kNames[kOps][2] = {{"getsSuccess", "getsFail"},
                                              {"setsSuccess", "setsFail"},
                                              {"deleteSuccess", "deleteFail"},
                                              {"updateSuccess", "updateFail"},
                                              {"createSuccess", "createFail"},
                                              {"compareAndSwapSuccess", "compareAndSwapFail"},
                                              {"compareAndDeleteSuccess", "compareAndDeleteFail"}};
  nlohmann::ordered_json j;
  for (int op = 0; op < kOps; ++op) {
    j[kNames[op][0]] = counts_[op * 2].load(std::memory_order_relaxed);
    j[kNames[op][1]] = counts_[op * 2 + 1].load(std::memory_order_relaxed);
  }
  j["expireCount"] = 0;
  j["watchers"] = watchers;
  return j.dump();
}

V2MembersHandler::V2MembersHandler(server::ServerApi* api, const Clock* clock)
    : api_(api), clock_(clock), start_(clock->WallNow()) {}

std::string V2MembersHandler::ClusterIdHex() const { return Hex(api_->ClusterId()); }

void V2MembersHandler::Members(const HttpRequest& request, HttpRespond respond) {
  const std::string cid = ClusterIdHex();
  std::string rest(absl::StripPrefix(request.path, "/v2/members"));
  rest = std::string(absl::StripPrefix(rest, "/"));
  const std::string& method = request.method;
  if (method != "GET" && method != "HEAD" && method != "POST" && method != "DELETE" &&
      method != "PUT") {
    return respond(NotAllowed("GET,POST,DELETE,PUT"));
  }
  server::RequestContext ctx;
  if (method == "GET" || method == "HEAD") {
    if (!rest.empty() && rest != "leader") return respond(Message(404, "Not found", cid));
    const bool leader_only = rest == "leader";
    api_->MemberList(
        ctx, etcdserverpb::MemberListRequest(),
        [this, respond, cid, leader_only](absl::StatusOr<etcdserverpb::MemberListResponse> r) {
          if (!r.ok()) return respond(Message(500, "Internal Server Error", cid));
          if (leader_only) {
            server::RequestContext sctx;
            api_->Status(
                sctx, etcdserverpb::StatusRequest(),
                [respond, cid, members = *r](absl::StatusOr<etcdserverpb::StatusResponse> s) {
                  uint64_t leader = s.ok() ? s->leader() : 0;
                  for (const auto& m : members.members()) {
                    if (leader != 0 && m.id() == leader) {
                      return respond(JsonAnswer(200, MemberJson(m).dump(), cid));
                    }
                  }
                  respond(Message(503, "During election", cid));
                });
            return;
          }
          nlohmann::ordered_json j;
          j["members"] = nlohmann::ordered_json::array();
          for (const auto& m : r->members()) j["members"].push_back(MemberJson(m));
          respond(JsonAnswer(200, j.dump(), cid));
        });
    return;
  }
  if (method == "POST") {
    if (!rest.empty()) return respond(NotAllowed(""));
    std::vector<std::string> urls;
    HttpResponse error;
    if (!ParsePeerUrls(request, cid, &urls, &error)) return respond(std::move(error));
    etcdserverpb::MemberAddRequest req;
    for (const auto& u : urls) req.add_peerurls(u);
    api_->MemberAdd(ctx, req, [respond, cid](absl::StatusOr<etcdserverpb::MemberAddResponse> r) {
      if (!r.ok()) return respond(ChangeError(r.status(), "", cid));
      respond(JsonAnswer(201, MemberJson(r->member()).dump(), cid));
    });
    return;
  }
  // DELETE and PUT name a member.
  if (rest.empty()) return respond(NotAllowed(""));
  uint64_t id = 0;
  if (!absl::SimpleHexAtoi(rest, &id)) return respond(Message(404, "No such member: " + rest, cid));
  auto no_content = [cid] {
    HttpResponse r;
    r.status = 204;
    r.headers.emplace_back("X-Etcd-Cluster-Id", cid);
    return r;
  };
  if (method == "DELETE") {
    etcdserverpb::MemberRemoveRequest req;
    req.set_id(id);
    api_->MemberRemove(
        ctx, req,
        [respond, cid, rest, no_content](absl::StatusOr<etcdserverpb::MemberRemoveResponse> r) {
          if (!r.ok()) return respond(ChangeError(r.status(), rest, cid));
          respond(no_content());
        });
    return;
  }
  std::vector<std::string> urls;
  HttpResponse error;
  if (!ParsePeerUrls(request, cid, &urls, &error)) return respond(std::move(error));
  etcdserverpb::MemberUpdateRequest req;
  req.set_id(id);
  for (const auto& u : urls) req.add_peerurls(u);
  api_->MemberUpdate(
      ctx, req,
      [respond, cid, rest, no_content](absl::StatusOr<etcdserverpb::MemberUpdateResponse> r) {
        if (!r.ok()) return respond(ChangeError(r.status(), rest, cid));
        respond(no_content());
      });
}

void V2MembersHandler::Stats(const HttpRequest& request, const V2StoreStats& store, size_t watchers,
                             HttpRespond respond) {
  const std::string which(absl::StripPrefix(request.path, "/v2/stats/"));
  if (which != "self" && which != "leader" && which != "store") {
    return respond(HttpResponse::GoError(404, "404 page not found"));
  }
  if (request.method != "GET" && request.method != "HEAD") return respond(NotAllowed("GET"));
  if (which == "store") return respond(JsonAnswer(200, store.Json(watchers), ""));
  if (which == "self") return Self(std::move(respond));
  Leader(std::move(respond));
}

void V2MembersHandler::Self(HttpRespond respond) {
  server::RequestContext ctx;
  api_->MemberList(ctx, etcdserverpb::MemberListRequest(),
                   [this, respond](absl::StatusOr<etcdserverpb::MemberListResponse> members) {
                     std::string name;
                     if (members.ok()) {
                       for (const auto& m : members->members()) {
                         if (m.id() == api_->MemberId()) name = m.name();
                       }
                     }
                     server::RequestContext sctx;
                     api_->Status(
                         sctx, etcdserverpb::StatusRequest(),
                         [this, respond, name](absl::StatusOr<etcdserverpb::StatusResponse> s) {
                           const uint64_t leader = s.ok() ? s->leader() : 0;
                           const auto now = clock_->WallNow();
                           std::chrono::system_clock::time_point since;
                           {
                             absl::MutexLock l(&mu_);
                             if (leader != leader_) {
                               leader_ = leader;
                               leader_since_ = now;
                             }
                             since = leader_since_;
                           }
                           nlohmann::ordered_json j;
                           j["name"] = name;
                           j["id"] = Hex(api_->MemberId());
                           j["state"] = leader == 0                  ? "StateCandidate"
                                        : leader == api_->MemberId() ? "StateLeader"
                                                                     : "StateFollower";
                           j["startTime"] = GoTime(start_);
                           nlohmann::ordered_json li;
                           li["leader"] = Hex(leader);
                           li["uptime"] = GoDuration(
                               std::chrono::duration_cast<std::chrono::nanoseconds>(now - since));
                           li["startTime"] = GoTime(since);
                           j["leaderInfo"] = li;
                           j["recvAppendRequestCnt"] = 0;
                           j["sendAppendRequestCnt"] = 0;
                           respond(JsonAnswer(200, j.dump(), ""));
                         });
                   });
}

void V2MembersHandler::Leader(HttpRespond respond) {
  server::RequestContext ctx;
  api_->Status(ctx, etcdserverpb::StatusRequest(),
               [this, respond](absl::StatusOr<etcdserverpb::StatusResponse> s) {
                 if (!s.ok() || s->leader() != api_->MemberId()) {
                   return respond(Message(403, "not current leader", ""));
                 }
                 server::RequestContext mctx;
                 api_->MemberList(
                     mctx, etcdserverpb::MemberListRequest(),
                     [this, respond](absl::StatusOr<etcdserverpb::MemberListResponse> r) {
                       nlohmann::ordered_json j;
                       j["leader"] = Hex(api_->MemberId());
                       j["followers"] = nlohmann::ordered_json::object();
                       if (r.ok()) {
                         for (const auto& m : r->members()) {
                           if (m.id() == api_->MemberId()) continue;
                           nlohmann::ordered_json f;
                           f["latency"] = {{"current", 0.0},
                                           {"average", 0.0},
                                           {"standardDeviation", 0.0},
                                           {"minimum", 0.0},
                                           {"maximum", 0.0}};
                           f["counts"] = {{"fail", 0}, {"success", 0}};
                           j["followers"][Hex(m.id())] = f;
                         }
                       }
                       respond(JsonAnswer(200, j.dump(), ""));
                     });
               });
}

}  // namespace etcd::api
