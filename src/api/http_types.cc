#include "api/http_types.h"

#include <cstring>

namespace etcd::api {

std::vector<std::string> HttpRequest::QueryValues(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : query) {
    if (k == name) out.push_back(v);
  }
  return out;
}

bool HttpStream::Write(std::string bytes) {
  std::function<void()> notify;
  {
    absl::MutexLock l(&mu_);
    if (closed_ || aborted_) return false;
    buffer_.append(bytes);
    notify = notify_;
  }
  if (notify) notify();
  return true;
}

void HttpStream::Close() {
  std::function<void()> notify;
  {
    absl::MutexLock l(&mu_);
    if (closed_) return;
    closed_ = true;
    notify = notify_;
  }
  if (notify) notify();
}

size_t HttpStream::Buffered() const {
  absl::MutexLock l(&mu_);
  return buffer_.size() - read_pos_;
}

size_t HttpStream::Read(char* out, size_t max, bool* ended, bool* drained) {
  absl::MutexLock l(&mu_);
  *drained = false;
  const size_t avail = buffer_.size() - read_pos_;
  if (avail == 0) {
    *ended = closed_ || aborted_;
    return 0;
  }
  const size_t n = avail < max ? avail : max;
  memcpy(out, buffer_.data() + read_pos_, n);
  read_pos_ += n;
  if (read_pos_ == buffer_.size()) {
    buffer_.clear();
    read_pos_ = 0;
    *drained = true;
  }
  *ended = false;
  return n;
}

void HttpStream::set_notify(std::function<void()> f) {
  absl::MutexLock l(&mu_);
  notify_ = std::move(f);
}

void HttpStream::Abort() {
  {
    absl::MutexLock l(&mu_);
    if (aborted_ || closed_) {
      aborted_ = true;
      notify_ = nullptr;
      return;
    }
    aborted_ = true;
    notify_ = nullptr;
  }
  if (on_abort_) on_abort_();
}

HttpResponse HttpResponse::Text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::GoError(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.body = message + "\n";
  return r;
}

}  // namespace etcd::api
