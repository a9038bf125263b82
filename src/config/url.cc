#include "config/url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace etcd::config {

std::string Url::ToString() const {
  std::string out = scheme + "://";
  if (host.find(':') != std::string::npos) {
    absl::StrAppend(&out, "[", host, "]");
  } else {
    out += host;
  }
  absl::StrAppend(&out, ":", port, path);
  return out;
}

bool IsIpLiteral(absl::string_view host) {
  std::string h(host);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

absl::StatusOr<Url> ParseUrl(absl::string_view raw) {
  absl::string_view in = absl::StripAsciiWhitespace(raw);
  const std::string text(in);
  auto scheme_error = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("URL scheme must be http, https, unix, or unixs: ", text));
  };
  size_t colon = in.find(':');
  if (colon == absl::string_view::npos) return scheme_error();
  Url url;
  url.scheme = absl::AsciiStrToLower(in.substr(0, colon));
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "unix" &&
      url.scheme != "unixs") {
    return scheme_error();
  }
  absl::string_view rest = in.substr(colon + 1);
  auto host_port_error = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("URL address does not have the form \"host:port\": ", text));
  };
  if (!absl::ConsumePrefix(&rest, "//")) return host_port_error();
  // Authority ends at the first '/', '?' or '#'.
  size_t end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, end);
  absl::string_view tail = end == absl::string_view::npos ? "" : rest.substr(end);
  if (size_t at = authority.rfind('@'); at != absl::string_view::npos) {
    authority.remove_prefix(at + 1);  // user info is ignored, as etcd does
  }
  absl::string_view host, port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) return host_port_error();
    host = authority.substr(1, close - 1);
    absl::string_view after = authority.substr(close + 1);
    if (!absl::ConsumePrefix(&after, ":")) return host_port_error();
    port = after;
  } else {
    size_t last = authority.rfind(':');
    if (last == absl::string_view::npos) return host_port_error();
    host = authority.substr(0, last);
    port = authority.substr(last + 1);
    if (host.find(':') != absl::string_view::npos) return host_port_error();
  }
  url.host = std::string(host);
  if (!port.empty()) {
    int p = 0;
    if (!absl::SimpleAtoi(port, &p) || p < 0 || p > 65535 ||
        port.find_first_not_of("0123456789") != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("parse \"", text, "\": invalid port \":", port, "\" after host"));
    }
    url.port = p;
  }
  if (!tail.empty() && tail[0] == '/') {
    size_t q = tail.find_first_of("?#");
    url.path = std::string(tail.substr(0, q));
  }
  if (!url.path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("URL must not contain a path: ", text));
  }
  return url;
}

absl::StatusOr<std::vector<Url>> ParseUrlList(absl::string_view text) {
  std::map<std::string, Url> unique;  // sorted by text, like etcd's URLs.Sort
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    absl::StatusOr<Url> u = ParseUrl(part);
    if (!u.ok()) return u.status();
    unique.emplace(u->ToString(), *u);
  }
  std::vector<Url> out;
  out.reserve(unique.size());
  for (auto& [_, u] : unique) out.push_back(u);
  return out;
}

std::string JoinUrls(const std::vector<Url>& urls) {
  return absl::StrJoin(urls, ",",
                       [](std::string* out, const Url& u) { out->append(u.ToString()); });
}

absl::StatusOr<std::vector<std::pair<std::string, std::vector<Url>>>> ParseInitialCluster(
    absl::string_view text) {
  std::vector<std::pair<std::string, std::vector<std::string>>> raw;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    absl::string_view name = entry, value;
    if (size_t eq = entry.find('='); eq != absl::string_view::npos) {
      name = entry.substr(0, eq);
      value = entry.substr(eq + 1);
    }
    auto it = std::find_if(raw.begin(), raw.end(), [&](const auto& p) { return p.first == name; });
    if (it == raw.end()) {
      raw.emplace_back(std::string(name), std::vector<std::string>{});
      it = raw.end() - 1;
    }
    it->second.emplace_back(value);
  }
  std::vector<std::pair<std::string, std::vector<Url>>> out;
  for (auto& [name, values] : raw) {
    absl::StatusOr<std::vector<Url>> urls = ParseUrlList(absl::StrJoin(values, ","));
    if (!urls.ok()) return urls.status();
    out.emplace_back(name, *std::move(urls));
  }
  return out;
}

std::string FormatInitialCluster(
    const std::vector<std::pair<std::string, std::vector<Url>>>& cluster) {
  std::vector<std::string> pairs;
  for (const auto& [name, urls] : cluster) {
    for (const Url& u : urls) pairs.push_back(absl::StrCat(name, "=", u.ToString()));
  }
  return absl::StrJoin(pairs, ",");
}

}  // namespace etcd::config
