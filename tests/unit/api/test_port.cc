#include "test_port.h"

#include <curl/curl.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace etcd::api::testing {
namespace {

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<HttpResult*>(user);
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.starts_with("HTTP/")) {
    r->headers.clear();  // a new response (e.g. after 100 Continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value[0] == ' ') value.erase(0, 1);
    r->headers.emplace_back(line.substr(0, colon), value);
  }
  return size * n;
}

}  // namespace

std::string HttpResult::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (absl::AsciiStrToLower(k) == absl::AsciiStrToLower(name)) return v;
  }
  return "";
}

bool HttpResult::HasHeader(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (absl::AsciiStrToLower(k) == absl::AsciiStrToLower(name)) return true;
  }
  return false;
}

HttpResult Http(const std::string& method, const std::string& url, const std::string& body,
                const std::vector<std::string>& headers) {
  HttpResult r;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));  // NOLINT
  }
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  CURLcode rc = curl_easy_perform(c);
  EXPECT_EQ(rc, CURLE_OK) << curl_easy_strerror(rc) << " for " << method << " " << url;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return r;
}

TestPort::TestPort(ClientPortOptions options) {
  auto port = ClientPort::Start(&api_, options);
  EXPECT_TRUE(port.ok()) << port.status();
  if (port.ok()) port_ = std::move(*port);
}

TestPort::~TestPort() {
  if (port_ != nullptr) port_->Shutdown();
}

ClientPortOptions TestPort::DefaultOptions() {
  ClientPortOptions o;
  o.addresses.push_back(ListenAddress{.host = "127.0.0.1", .port = 0});
  o.shutdown_grace = std::chrono::milliseconds(200);
  return o;
}

std::string TestPort::url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", tcp_port(), path);
}

std::string TestPort::target() const { return absl::StrCat("127.0.0.1:", tcp_port()); }

std::shared_ptr<grpc::Channel> TestPort::Channel() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  return grpc::CreateCustomChannel(target(), grpc::InsecureChannelCredentials(), args);
}

}  // namespace etcd::api::testing
