// Requests and responses of the client port's HTTP/1.1 side, independent of the HTTP
// library, so handlers (endpoints, JSON gateway) are plain functions of these types.
//
// Thread safety: HttpRequest/HttpResponse are values. HttpStream is shared between a
// producer (any thread) and the HTTP server; all its methods are thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace etcd::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string, e.g. "/v3/kv/range"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::map<std::string, std::string> headers;              // names in lower case
  std::string body;
  // The connection came through the TLS front door (tls_front.h); the verified client
  // certificate's CN (--client-cert-auth), "" when none.
  bool tls = false;
  std::string tls_common_name;

  const std::string* Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
  // All values of a query parameter, in order.
  std::vector<std::string> QueryValues(const std::string& name) const;
};

// The body of a response written piece by piece (JSON gateway streams): sent chunked.
class HttpStream {
 public:
  // Appends bytes for the client. Returns false once the client is gone or the stream
  // is closed (the producer should stop).
  bool Write(std::string bytes);
  // Ends the body after what was written. Idempotent.
  void Close();
  // Called once when the client goes away or the server stops before Close(); the
  // producer cancels its work there. Set before the stream is handed to the server.
  void set_on_abort(std::function<void()> f) { on_abort_ = std::move(f); }

  // Bytes written but not yet taken by the server (producers may pause above a limit
  // and resume in `on_drained`).
  size_t Buffered() const;
  // Called (no lock held, on the HTTP thread) each time the server has taken every
  // buffered byte. Set before the stream is handed to the server.
  void set_on_drained(std::function<void()> f) { on_drained_ = std::move(f); }

  // --- for the HTTP server ---
  // Moves up to `max` buffered bytes into `out`. Returns the number copied; 0 with
  // *ended=true when the body is complete; 0 with *ended=false when nothing is ready
  // (the server then waits for `notify`). `*drained` is set when this read emptied the
  // buffer (the server then calls RunOnDrained outside its locks).
  size_t Read(char* out, size_t max, bool* ended, bool* drained);
  void RunOnDrained() {
    if (on_drained_) on_drained_();
  }
  // The server's wake-up, called (outside the stream's lock) after Write/Close.
  void set_notify(std::function<void()> f);
  // The client is gone: later Writes return false and on_abort runs (once).
  void Abort();

 private:
  mutable absl::Mutex mu_;
  std::string buffer_ ABSL_GUARDED_BY(mu_);
  size_t read_pos_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> notify_ ABSL_GUARDED_BY(mu_);
  std::function<void()> on_abort_;
  std::function<void()> on_drained_;
};

struct HttpResponse {
  int status = 200;
  // Headers in the order they are sent (CORS headers are added by the server).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When non-empty the body is sent chunked, with these trailers (and a "Trailer"
  // header naming them), as grpc-gateway does for errors.
  std::vector<std::pair<std::string, std::string>> trailers;
  // When set, `body` is ignored and the body is streamed (chunked) from here.
  std::shared_ptr<HttpStream> stream;

  static HttpResponse Text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
  // Go's http.Error: text/plain, X-Content-Type-Options: nosniff, message + "\n".
  static HttpResponse GoError(int status, const std::string& message);
};

// Answers exactly once, on any thread.
using HttpRespond = std::function<void(HttpResponse)>;

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void Handle(const HttpRequest& request, HttpRespond respond) = 0;
};

}  // namespace etcd::api
