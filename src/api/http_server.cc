#include "api/http_server.h"

#include <microhttpd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/tls_peers.h"

namespace etcd::api {
namespace {

constexpr char kCorsMethods[] = "POST, GET, OPTIONS, PUT, DELETE";
constexpr char kCorsHeaders[] = "accept, content-type, authorization";

bool AllowsAll(const std::vector<std::string>& list) {
  if (list.empty()) return true;
  for (const auto& s : list) {
    if (s == "*") return true;
  }
  return false;
}

// Go's net.SplitHostPort host part, or the whole value when it has no port.
std::string HostWithoutPort(const std::string& host) {
  if (!host.empty() && host[0] == '[') {
    size_t end = host.find(']');
    if (end != std::string::npos) return host.substr(1, end - 1);
    return host;
  }
  size_t colon = host.rfind(':');
  if (colon == std::string::npos || host.find(':') != colon) return host;
  return host.substr(0, colon);
}

// etcd's reply to a Host outside --host-whitelist (embed/serve.go), byte for byte.
HttpResponse MisdirectedRequest(const std::string& host) {
  return HttpResponse::GoError(
      421, absl::StrCat("\netcd received your request, but the Host header was unrecognized.\n\n"
                        "To fix this, choose one of the following options:\n"
                        "- Enable TLS, then any HTTPS request will be allowed.\n"
                        "- Add the hostname you want to use to the whitelist in settings.\n"
                        "  - e.g. etcd --host-whitelist \"",
                        host,
                        "\"\n\nThis requirement has been added to help prevent \"DNS "
                        "Rebinding\" attacks (CVE-2018-5702).\n"));
}

HttpResponse Stopping() { return HttpResponse::GoError(503, "etcdserver: server stopped"); }

MHD_Result CollectHeader(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* req = static_cast<HttpRequest*>(cls);
  req->headers[absl::AsciiStrToLower(key)] = value != nullptr ? value : "";
  return MHD_YES;
}

MHD_Result CollectQuery(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* req = static_cast<HttpRequest*>(cls);
  req->query.emplace_back(key, value != nullptr ? value : "");
  return MHD_YES;
}

// A whole body sent chunked (so that trailers can follow).
struct FixedBody {
  std::string data;
};

ssize_t ReadFixed(void* cls, uint64_t pos, char* buf, size_t max) {
  auto* b = static_cast<FixedBody*>(cls);
  if (pos >= b->data.size()) return MHD_CONTENT_READER_END_OF_STREAM;
  size_t n = b->data.size() - pos;
  if (n > max) n = max;
  memcpy(buf, b->data.data() + pos, n);
  return static_cast<ssize_t>(n);
}

void FreeFixed(void* cls) { delete static_cast<FixedBody*>(cls); }

}  // namespace

struct HttpServer::Exchange {
  HttpServer* server = nullptr;
  MHD_Connection* conn = nullptr;
  HttpRequest request;  // MHD thread only until dispatched, then read-only
  bool too_large = false;
  bool dispatched = false;
  bool cors = false;  // add CORS headers
  std::string allow_origin;

  absl::Mutex mu;
  bool alive ABSL_GUARDED_BY(mu) = true;       // the connection still exists
  bool answered ABSL_GUARDED_BY(mu) = false;   // a response was queued
  bool suspended ABSL_GUARDED_BY(mu) = false;  // waiting for Wake
  bool peer_gone ABSL_GUARDED_BY(mu) = false;  // the client hung up during a stream
  std::optional<HttpResponse> response ABSL_GUARDED_BY(mu);
  std::shared_ptr<HttpStream> stream ABSL_GUARDED_BY(mu);

  // Resumes the connection if it waits. REQUIRES: mu held.
  void WakeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (suspended && alive) {
      suspended = false;
      MHD_resume_connection(conn);
    }
  }
};

namespace {

struct StreamReader {
  std::shared_ptr<HttpServer::Exchange> ex;
  std::shared_ptr<HttpStream> stream;
};

}  // namespace

// The C callbacks, with access to HttpServer's private members.
struct HttpServerCallbacks {
  static MHD_Result Request(void* cls, MHD_Connection* conn, const char* url, const char* method,
                            const char*, const char* upload_data, size_t* upload_data_size,
                            void** con_cls) {
    return static_cast<HttpServer*>(cls)->OnRequest(conn, url, method, upload_data,
                                                    upload_data_size, con_cls) == MHD_YES
               ? MHD_YES
               : MHD_NO;
  }
  static void Completed(void* cls, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    static_cast<HttpServer*>(cls)->OnCompleted(con_cls);
  }
  static ssize_t ReadStream(void* cls, uint64_t, char* buf, size_t max) {
    auto* r = static_cast<StreamReader*>(cls);
    HttpServer::Exchange* ex = r->ex.get();
    bool ended = false;
    bool drained = false;
    size_t n = r->stream->Read(buf, max, &ended, &drained);
    if (n > 0) {
      if (drained) r->stream->RunOnDrained();  // the producer may refill (no lock held)
      return static_cast<ssize_t>(n);
    }
    {
      absl::MutexLock l(&ex->mu);
      n = r->stream->Read(buf, max, &ended, &drained);
      if (n == 0) {
        if (ended || ex->peer_gone || ex->server->stopping_.load()) {
          return MHD_CONTENT_READER_END_OF_STREAM;
        }
        // Nothing to send yet: a Write/Close wakes us (it takes ex->mu, which we hold
        // until suspended is set, so no wake-up is lost).
        MHD_suspend_connection(ex->conn);
        ex->suspended = true;
        return 0;
      }
    }
    if (drained) r->stream->RunOnDrained();
    return static_cast<ssize_t>(n);
  }
  static void FreeStream(void* cls) { delete static_cast<StreamReader*>(cls); }
};

HttpServer::HttpServer(HttpHandler* handler, const HttpServerOptions& options)
    : handler_(handler), options_(options) {}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(HttpHandler* handler,
                                                              const HttpServerOptions& options) {
  std::unique_ptr<HttpServer> s(new HttpServer(handler, options));
  s->daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_INTERNAL_POLLING_THREAD |
                                    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC,
                                0, nullptr, nullptr, &HttpServerCallbacks::Request, s.get(),
                                MHD_OPTION_NOTIFY_COMPLETED, &HttpServerCallbacks::Completed,
                                s.get(), MHD_OPTION_CONNECTION_LIMIT, 100000u,
                                MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_END);
  if (s->daemon_ == nullptr) return absl::InternalError("cannot start the HTTP server");
  if (options.stream_check_interval.count() > 0) {
    s->sweeper_ = std::thread([p = s.get()] { p->SweepLoop(); });
  }
  return s;
}

HttpServer::~HttpServer() { Shutdown(); }

void HttpServer::AddConnection(int fd, const sockaddr* addr, socklen_t addr_len) {
  if (stopping_.load() || MHD_add_connection(daemon_, fd, addr, addr_len) != MHD_YES) {
    close(fd);  // MHD closes it itself on most failures; closing twice is harmless here
  }
}

void HttpServer::SweepLoop() {
  absl::MutexLock l(&mu_);
  auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return sweeper_stop_; };
  for (;;) {
    mu_.AwaitWithTimeout(absl::Condition(&stop), absl::FromChrono(options_.stream_check_interval));
    if (sweeper_stop_) return;
    std::vector<std::shared_ptr<Exchange>> live(live_.begin(), live_.end());
    mu_.Unlock();
    for (auto& ex : live) {
      std::shared_ptr<HttpStream> gone;
      {
        absl::MutexLock el(&ex->mu);
        if (!ex->alive || !ex->suspended || ex->stream == nullptr) continue;
        const MHD_ConnectionInfo* info =
            MHD_get_connection_info(ex->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (info == nullptr) continue;
        char c;
        ssize_t n = recv(info->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))) {
          continue;  // still there
        }
        ex->peer_gone = true;
        ex->WakeLocked();  // the reader ends the body; the connection then completes
        gone = ex->stream;
      }
      gone->Abort();  // stop the producer now (outside the exchange lock)
    }
    live.clear();
    mu_.Lock();
  }
}

void HttpServer::Shutdown() {
  if (sweeper_.joinable()) {
    {
      absl::MutexLock l(&mu_);
      sweeper_stop_ = true;
    }
    sweeper_.join();
  }
  if (stopping_.exchange(true)) return;
  // libmicrohttpd refuses to stop with suspended connections: wake them all; with
  // stopping_ set they answer 503 or end their stream instead of waiting again.
  std::vector<std::shared_ptr<Exchange>> live;
  {
    absl::MutexLock l(&mu_);
    live.assign(live_.begin(), live_.end());
  }
  for (auto& ex : live) {
    absl::MutexLock l(&ex->mu);
    ex->WakeLocked();
  }
  live.clear();
  {
    // Let the woken requests send their answer before the connections are closed.
    absl::MutexLock l(&mu_);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
    mu_.AwaitWithTimeout(absl::Condition(&drained), absl::Seconds(1));
  }
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
}

bool HttpServer::OriginAllowed(const std::string* origin, std::string* allow_origin) const {
  if (AllowsAll(options_.cors)) {
    *allow_origin = "*";
    return true;
  }
  if (origin == nullptr) return false;
  for (const auto& o : options_.cors) {
    if (o == *origin) {
      *allow_origin = *origin;
      return true;
    }
  }
  return false;
}

bool HttpServer::HostAllowed(const std::string& host) const {
  if (AllowsAll(options_.host_whitelist)) return true;
  for (const auto& h : options_.host_whitelist) {
    if (h == host) return true;
  }
  return false;
}

int HttpServer::OnRequest(MHD_Connection* conn, const char* url, const char* method,
                          const char* upload_data, size_t* upload_data_size, void** con_cls) {
  if (*con_cls == nullptr) {
    auto ex = std::make_shared<Exchange>();
    ex->server = this;
    ex->conn = conn;
    ex->request.method = method;
    ex->request.path = url;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, &CollectHeader, &ex->request);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, &CollectQuery, &ex->request);
    if (const MHD_ConnectionInfo* ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD)) {
      if (std::optional<TlsPeer> peer = LookupTlsPeer(ci->connect_fd)) {
        ex->request.tls = true;
        ex->request.tls_common_name = std::move(peer->common_name);
      }
    }
    {
      absl::MutexLock l(&mu_);
      live_.insert(ex);
    }
    *con_cls = new std::shared_ptr<Exchange>(std::move(ex));
    return MHD_YES;
  }
  std::shared_ptr<Exchange> ex = *static_cast<std::shared_ptr<Exchange>*>(*con_cls);
  if (*upload_data_size > 0) {
    if (!ex->too_large) {
      if (ex->request.body.size() + *upload_data_size > options_.max_body_bytes) {
        ex->too_large = true;
        ex->request.body.clear();
      } else {
        ex->request.body.append(upload_data, *upload_data_size);
      }
    }
    *upload_data_size = 0;
    return MHD_YES;
  }

  if (!ex->dispatched) {
    ex->dispatched = true;
    {
      absl::MutexLock l(&mu_);
      ++in_flight_;
    }
    const std::string* host = ex->request.Header("host");
    // As etcd, the host whitelist guards plain HTTP only (DNS rebinding, CVE-2018-5702).
    if (!ex->request.tls && !HostAllowed(HostWithoutPort(host != nullptr ? *host : ""))) {
      return Queue(ex, MisdirectedRequest(HostWithoutPort(host != nullptr ? *host : "")));
    }
    ex->cors = OriginAllowed(ex->request.Header("origin"), &ex->allow_origin);
    if (ex->request.method == "OPTIONS") {
      return Queue(ex, HttpResponse{});  // 200, empty body (etcd's CORS handler)
    }
    if (ex->too_large) {
      return Queue(ex, HttpResponse::GoError(413, "http: request body too large"));
    }
    if (stopping_.load()) return Queue(ex, Stopping());
    std::weak_ptr<Exchange> weak = ex;
    handler_->Handle(ex->request, [weak](HttpResponse response) {
      std::shared_ptr<Exchange> e = weak.lock();
      if (e == nullptr) return;
      absl::MutexLock l(&e->mu);
      if (!e->alive || e->answered || e->response.has_value()) return;
      e->response = std::move(response);
      e->WakeLocked();
    });
  }

  std::optional<HttpResponse> response;
  {
    absl::MutexLock l(&ex->mu);
    if (ex->response.has_value()) {
      response = std::move(ex->response);
      ex->response.reset();
    } else if (!stopping_.load()) {
      MHD_suspend_connection(conn);
      ex->suspended = true;
      return MHD_YES;
    }
  }
  if (!response.has_value()) return Queue(ex, Stopping());
  return Queue(ex, std::move(*response));
}

int HttpServer::Queue(const std::shared_ptr<Exchange>& ex, HttpResponse response) {
  MHD_Response* r = nullptr;
  std::shared_ptr<HttpStream> stream = std::move(response.stream);
  if (stream != nullptr) {
    auto* reader = new StreamReader{ex, stream};
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
                                          &HttpServerCallbacks::ReadStream, reader,
                                          &HttpServerCallbacks::FreeStream);
    if (r == nullptr) delete reader;
  } else if (!response.trailers.empty()) {
    auto* body = new FixedBody{std::move(response.body)};
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, &ReadFixed, body,
                                          &FreeFixed);
    if (r == nullptr) delete body;
  } else {
    r = MHD_create_response_from_buffer(response.body.size(), response.body.data(),
                                        MHD_RESPMEM_MUST_COPY);
  }
  if (r == nullptr) return MHD_NO;
  if (ex->cors) {
    MHD_add_response_header(r, "Access-Control-Allow-Headers", kCorsHeaders);
    MHD_add_response_header(r, "Access-Control-Allow-Methods", kCorsMethods);
    MHD_add_response_header(r, "Access-Control-Allow-Origin", ex->allow_origin.c_str());
  }
  for (const auto& [k, v] : response.headers) MHD_add_response_header(r, k.c_str(), v.c_str());
  if (!response.trailers.empty()) {
    std::string names;
    for (const auto& [k, v] : response.trailers) {
      if (!names.empty()) names += ", ";
      names += k;
      MHD_add_response_footer(r, k.c_str(), v.c_str());
    }
    MHD_add_response_header(r, "Trailer", names.c_str());
  }
  {
    absl::MutexLock l(&ex->mu);
    ex->answered = true;
    if (stream != nullptr) {
      ex->stream = stream;
      std::weak_ptr<Exchange> weak = ex;
      stream->set_notify([weak] {
        std::shared_ptr<Exchange> e = weak.lock();
        if (e == nullptr) return;
        absl::MutexLock l(&e->mu);
        e->WakeLocked();
      });
    }
  }
  MHD_Result ret = MHD_queue_response(ex->conn, static_cast<unsigned>(response.status), r);
  MHD_destroy_response(r);
  return ret;
}

void HttpServer::OnCompleted(void** con_cls) {
  if (*con_cls == nullptr) return;
  auto* holder = static_cast<std::shared_ptr<Exchange>*>(*con_cls);
  std::shared_ptr<Exchange> ex = std::move(*holder);
  delete holder;
  *con_cls = nullptr;
  std::shared_ptr<HttpStream> stream;
  {
    absl::MutexLock l(&ex->mu);
    ex->alive = false;
    stream = std::move(ex->stream);
  }
  if (stream != nullptr) stream->Abort();
  absl::MutexLock l(&mu_);
  live_.erase(ex);
  if (ex->dispatched) --in_flight_;
}

}  // namespace etcd::api
