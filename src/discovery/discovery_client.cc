#include "discovery/discovery_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace etcd::discovery {
namespace {

struct Registration {
  std::string key;
  std::string value;
  uint64_t created = 0;
};

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string FormEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class Client {
 public:
  Client(HttpClient& http, const DiscoveryOptions& o) : http_(http), o_(o) {
    prefix_ = o.url;
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  }

  absl::StatusOr<std::string> Run();
  absl::StatusOr<std::vector<std::string>> PeerUrls();

 private:
  // One HTTP call with etcd's retry policy for connection errors.
  absl::StatusOr<HttpResult> Call(const std::string& method, const std::string& url,
                                  const std::string& form, bool wait);
  absl::StatusOr<int> Size();
  absl::StatusOr<std::vector<Registration>> List(uint64_t* index);
  absl::Status CheckFull(const std::vector<Registration>& regs, int size) const;
  absl::StatusOr<std::string> Result(std::vector<Registration> regs, int size) const;
  std::string SelfKey() const { return Hex(o_.member_id); }
  void Say(const std::string& s) const {
    if (o_.status) o_.status(s);
  }

  HttpClient& http_;
  const DiscoveryOptions& o_;
  std::string prefix_;
};

absl::StatusOr<HttpResult> Client::Call(const std::string& method, const std::string& url,
                                        const std::string& form, bool wait) {
  int64_t backoff_ms = 2000;
  for (uint32_t attempt = 0;; ++attempt) {
    auto r = http_.Do(method, url, form, wait);
    if (r.ok() && r->status < 500) return r;
    std::string why = r.ok() ? absl::StrCat("HTTP ", r->status) : std::string(r.status().message());
    if (attempt >= o_.max_retries) {
      return absl::UnavailableError(
          absl::StrCat("discovery: cannot reach the discovery service at ", o_.url, ": ", why));
    }
    Say(absl::StrCat("discovery service ", o_.url, " unreachable (", why, "); retrying in ",
                     backoff_ms / 1000, "s"));
    o_.sleep(backoff_ms);
    backoff_ms = std::min<int64_t>(backoff_ms * 2, 256000);
  }
}

absl::StatusOr<int> Client::Size() {
  auto r =
      Call("GET", prefix_ + "/_config/size?quorum=false&recursive=false&sorted=false", "", false);
  if (!r.ok()) return r.status();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("discovery: bad discovery endpoint (", o_.url, " did not answer with JSON)"));
  }
  if (r->status == 404) {
    return absl::NotFoundError(
        absl::StrCat("100: Key not found (", j.value("cause", std::string("/_config/size")), ") [",
                     j.value("index", uint64_t{0}), "]: the discovery token ", o_.url,
                     " has no _config/size key; create it first: curl -X PUT ", o_.url,
                     "/_config/size -d value=<number of members>"));
  }
  int size = 0;
  std::string v = j.contains("node") ? j["node"].value("value", std::string()) : "";
  if (!absl::SimpleAtoi(v, &size) || size <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("discovery: size key is bad (", o_.url, "/_config/size is \"", v, "\")"));
  }
  return size;
}

absl::StatusOr<std::vector<Registration>> Client::List(uint64_t* index) {
  auto r = Call("GET", prefix_ + "?quorum=false&recursive=false&sorted=false", "", false);
  if (!r.ok()) return r.status();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("discovery: bad discovery endpoint (", o_.url, " did not answer with JSON)"));
  }
  if (auto it = r->headers.find("x-etcd-index"); it != r->headers.end()) {
    (void)absl::SimpleAtoi(it->second, index);
  }
  std::vector<Registration> out;
  if (j.contains("node") && j["node"].contains("nodes")) {
    for (const auto& n : j["node"]["nodes"]) {
      if (n.value("dir", false)) continue;
      std::string key = n.value("key", std::string());
      out.push_back({key.substr(key.rfind('/') + 1), n.value("value", std::string()),
                     n.value("createdIndex", uint64_t{0})});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Registration& a, const Registration& b) { return a.created < b.created; });
  return out;
}

absl::Status Client::CheckFull(const std::vector<Registration>& regs, int size) const {
  for (int i = 0; i < size && i < static_cast<int>(regs.size()); ++i) {
    if (regs[i].key == SelfKey()) return absl::OkStatus();
  }
  if (static_cast<int>(regs.size()) >= size) {
    std::vector<std::string> names;
    for (int i = 0; i < size; ++i) names.push_back(regs[i].value);
    return absl::ResourceExhaustedError(
        absl::StrCat("discovery: cluster is full (token ", o_.url, " expects ", size,
                     " members and already has: ", absl::StrJoin(names, ", "),
                     "; use a new token, or --discovery-fallback=proxy)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Client::Result(std::vector<Registration> regs, int size) const {
  regs.resize(std::min<size_t>(regs.size(), size));
  std::map<std::string, int> names;
  std::vector<std::string> values;
  for (const auto& r : regs) {
    std::string name = r.value.substr(0, r.value.find('='));
    if (++names[name] > 1) {
      return absl::AlreadyExistsError(
          absl::StrCat("discovery: found duplicate name \"", name, "\" (token ", o_.url, ")"));
    }
    values.push_back(r.value);
  }
  return absl::StrJoin(values, ",");
}

absl::StatusOr<std::string> Client::Run() {
  auto size = Size();
  if (!size.ok()) return size.status();
  uint64_t index = 0;
  auto regs = List(&index);
  if (!regs.ok()) return regs.status();
  if (auto s = CheckFull(*regs, *size); !s.ok()) return s;

  // Register (prevExist=false): a duplicate means this member ID registered before.
  auto put = Call("PUT", absl::StrCat(prefix_, "/", SelfKey(), "?prevExist=false"),
                  "value=" + FormEscape(o_.value), false);
  if (!put.ok()) return put.status();
  if (put->status == 412) {
    return absl::AlreadyExistsError(absl::StrCat("discovery: found duplicate id (member ",
                                                 SelfKey(), " has previously registered with ",
                                                 o_.url, "; a reused data dir or token)"));
  }
  if (put->status != 201 && put->status != 200) {
    return absl::InternalError(absl::StrCat("discovery: registering at ", o_.url, " failed: HTTP ",
                                            put->status, " ", put->body));
  }
  Say(absl::StrCat("registered ", o_.name, " with discovery token ", o_.url));

  size = Size();
  if (!size.ok()) return size.status();
  regs = List(&index);
  if (!regs.ok()) return regs.status();
  if (auto s = CheckFull(*regs, *size); !s.ok()) return s;
  while (static_cast<int>(regs->size()) < *size) {
    Say(absl::StrCat("waiting for ", *size - regs->size(), " more member(s) to register with ",
                     o_.url, " (", regs->size(), "/", *size, ")"));
    auto w = Call("GET", absl::StrCat(prefix_, "?recursive=true&wait=true&waitIndex=", index + 1),
                  "", true);
    if (!w.ok()) return w.status();
    auto j = nlohmann::json::parse(w->body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("node")) {
      if (w->status == 400) {  // history cleared: list again
        regs = List(&index);
        if (!regs.ok()) return regs.status();
        continue;
      }
      return absl::InvalidArgumentError(absl::StrCat("discovery: bad discovery endpoint (", o_.url,
                                                     " answered a watch with: ", w->body, ")"));
    }
    const auto& n = j["node"];
    index = n.value("modifiedIndex", index + 1);
    std::string action = j.value("action", std::string());
    if ((action == "create" || action == "set") && !n.value("dir", false)) {
      std::string key = n.value("key", std::string());
      key = key.substr(key.rfind('/') + 1);
      if (key.empty() || key[0] == '_') continue;
      bool known = false;
      for (const auto& r : *regs) known |= r.key == key;
      if (!known) {
        regs->push_back({key, n.value("value", std::string()), n.value("createdIndex", index)});
      }
    }
  }
  return Result(*regs, *size);
}

absl::StatusOr<std::vector<std::string>> Client::PeerUrls() {
  auto size = Size();
  if (!size.ok()) return size.status();
  uint64_t index = 0;
  auto regs = List(&index);
  if (!regs.ok()) return regs.status();
  regs->resize(std::min<size_t>(regs->size(), *size));
  std::vector<std::string> out;
  for (const auto& r : *regs) {
    // "name=url[,name=url2]"
    for (absl::string_view part : absl::StrSplit(r.value, ',')) {
      auto eq = part.find('=');
      if (eq != absl::string_view::npos) out.emplace_back(part.substr(eq + 1));
    }
  }
  if (out.empty()) {
    return absl::UnavailableError(
        absl::StrCat("discovery: no member has registered with ", o_.url, " yet"));
  }
  return out;
}

size_t CollectBody(char* ptr, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(ptr, size * n);
  return size * n;
}

size_t CollectHeader(char* ptr, size_t size, size_t n, void* user) {
  std::string line(ptr, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * n;
}

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(std::string proxy, long timeout_ms)
      : proxy_(std::move(proxy)), timeout_ms_(timeout_ms) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  }
  absl::StatusOr<HttpResult> Do(const std::string& method, const std::string& url,
                                const std::string& form, bool wait) override {
    CURL* c = curl_easy_init();
    if (c == nullptr) return absl::InternalError("curl_easy_init failed");
    HttpResult out;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, CollectBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, CollectHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.headers);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
    if (!wait) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms_);
    if (!proxy_.empty()) curl_easy_setopt(c, CURLOPT_PROXY, proxy_.c_str());
    if (method == "PUT" || method == "POST") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(form.size()));
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
      return absl::UnavailableError(absl::StrCat(method, " ", url, ": ", curl_easy_strerror(rc)));
    }
    out.status = static_cast<int>(status);
    return out;
  }

 private:
  std::string proxy_;
  long timeout_ms_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient(const std::string& proxy, long timeout_ms) {
  return std::make_unique<CurlHttpClient>(proxy, timeout_ms);
}

absl::StatusOr<std::string> JoinCluster(HttpClient& http, const DiscoveryOptions& options) {
  return Client(http, options).Run();
}

absl::StatusOr<std::vector<std::string>> RegisteredPeerUrls(HttpClient& http,
                                                            const DiscoveryOptions& options) {
  return Client(http, options).PeerUrls();
}

}  // namespace etcd::discovery
