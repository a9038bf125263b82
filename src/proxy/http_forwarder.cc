#include "proxy/http_forwarder.h"

#include <curl/curl.h>

#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace etcd::proxy {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += absl::StrCat("%", absl::AsciiStrToUpper(absl::StrCat(absl::Hex(c, absl::kZeroPad2))));
    }
  }
  return out;
}

bool HopByHop(const std::string& lower) {
  return lower == "connection" || lower == "keep-alive" || lower == "transfer-encoding" ||
         lower == "content-length" || lower == "te" || lower == "trailer" || lower == "upgrade" ||
         lower == "proxy-connection" || lower == "host" || lower == "expect";
}

bool Streaming(const api::HttpRequest& r) {
  if (absl::StartsWith(r.path, "/v3/watch") || absl::StartsWith(r.path, "/v3/election/observe") ||
      absl::StartsWith(r.path, "/v3beta/watch") || absl::StartsWith(r.path, "/v3alpha/watch")) {
    return true;
  }
  for (const auto& v : r.QueryValues("wait")) {
    if (v == "true") return true;
  }
  for (const auto& v : r.QueryValues("stream")) {
    if (v == "true") return true;
  }
  return false;
}

// One transfer's state, shared with libcurl's callbacks.
struct Transfer {
  const std::atomic<bool>* stopping = nullptr;
  bool streaming = false;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool responded = false;  // streaming: the answer (headers) went out
  std::shared_ptr<api::HttpStream> stream;
  const api::HttpRespond* respond = nullptr;

  void StartStream() {
    if (responded) return;
    responded = true;
    api::HttpResponse r;
    r.status = status;
    r.headers = headers;
    stream = std::make_shared<api::HttpStream>();
    r.stream = stream;
    (*respond)(std::move(r));
  }
};

size_t OnHeader(char* ptr, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(ptr, size * n);
  if (absl::StartsWith(line, "HTTP/")) {  // a status line (again after 100 Continue)
    t->headers.clear();
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    t->status = parts.size() > 1 ? std::atoi(parts[1].c_str()) : 0;
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string name(absl::StripAsciiWhitespace(line.substr(0, colon)));
  std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  if (!HopByHop(absl::AsciiStrToLower(name))) t->headers.emplace_back(name, value);
  return size * n;
}

size_t OnBody(char* ptr, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->streaming) {
    t->body.append(ptr, size * n);
    return size * n;
  }
  t->StartStream();
  if (!t->stream->Write(std::string(ptr, size * n))) return 0;  // the client left
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->stopping->load() ? 1 : 0;
}

}  // namespace

std::string UpstreamUrl(const std::string& base, const api::HttpRequest& request) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::vector<std::string> segments = absl::StrSplit(request.path, '/');
  std::string path;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) path += "/";
    path += Escape(segments[i]);
  }
  if (path.empty() || path[0] != '/') path = "/" + path;
  url += path;
  for (size_t i = 0; i < request.query.size(); ++i) {
    url += i == 0 ? "?" : "&";
    url += Escape(request.query[i].first) + "=" + Escape(request.query[i].second);
  }
  return url;
}

HttpForwarder::HttpForwarder(UpstreamPool* pool, HttpForwarderOptions options)
    : pool_(pool), options_(options) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

HttpForwarder::~HttpForwarder() { Shutdown(); }

void HttpForwarder::Handle(const api::HttpRequest& request, api::HttpRespond respond) {
  if (options_.read_only && request.method != "GET" && request.method != "HEAD") {
    respond(api::HttpResponse::Text(501, "Not Implemented"));
    return;
  }
  if (stopping_.load()) {
    respond(api::HttpResponse::GoError(503, "proxy: stopping"));
    return;
  }
  {
    absl::MutexLock l(&mu_);
    ++running_;
  }
  std::thread([this, request, respond = std::move(respond)] {
    Run(request, respond);
    absl::MutexLock l(&mu_);
    --running_;
  }).detach();
}

void HttpForwarder::Shutdown() {
  stopping_.store(true);
  absl::MutexLock l(&mu_);
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &running_));
}

void HttpForwarder::Run(const api::HttpRequest& request, const api::HttpRespond& respond) {
  std::vector<Upstream> order = pool_->Order();
  std::string last_error = "no upstream endpoints known yet";
  for (const Upstream& up : order) {
    if (stopping_.load()) break;
    Transfer t;
    t.stopping = &stopping_;
    t.streaming = Streaming(request);
    t.respond = &respond;
    CURL* c = curl_easy_init();
    if (c == nullptr) break;
    std::string url = UpstreamUrl(up.url, request);
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) {
      if (HopByHop(k)) continue;
      headers = curl_slist_append(headers, absl::StrCat(k, ": ", v).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");  // never through an http_proxy variable
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    if (t.streaming && t.responded) {  // the answer already went out: end it
      t.stream->Close();
      return;
    }
    if (rc == CURLE_OK) {
      api::HttpResponse r;
      r.status = t.status;
      r.headers = std::move(t.headers);
      if (t.streaming) {
        t.StartStream();  // empty body
        t.stream->Close();
        return;
      }
      r.body = std::move(t.body);
      respond(std::move(r));
      return;
    }
    last_error = absl::StrCat(up.url, ": ", curl_easy_strerror(rc));
    // Not connected at all: safe to try the next member. Connected, then cut off with
    // no answer: only reads are sent again (a write may have been applied).
    const bool not_connected = rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
                               rc == CURLE_COULDNT_RESOLVE_HOST;
    const bool cut_off =
        rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR;
    if (not_connected || cut_off) pool_->ReportFailure(up.url);
    const bool read = request.method == "GET" || request.method == "HEAD";
    if (t.status == 0 && (not_connected || (cut_off && read))) continue;
    break;
  }
  respond(api::HttpResponse::GoError(503, "proxy: no upstream answered: " + last_error));
}

}  // namespace etcd::proxy
