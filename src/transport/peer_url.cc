#include "transport/peer_url.h"

#include <charconv>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace etcd::transport {

std::string PeerUrl::Target() const {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

std::string PeerUrl::ToString() const { return absl::StrCat(scheme, "://", Target()); }

absl::StatusOr<PeerUrl> ParsePeerUrl(std::string_view url) {
  auto bad = [&](const char* why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid peer URL \"", std::string(url), "\": ", why));
  };
  PeerUrl out;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("missing scheme");
  out.scheme = std::string(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") {
    return bad("scheme must be http or https");
  }
  std::string_view rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return bad("a peer URL has no path");
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    out.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (after.empty() || after.front() != ':') return bad("missing port");
    port_text = after.substr(1);
  } else {
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    out.host = std::string(rest.substr(0, colon));
    if (out.host.find(':') != std::string::npos) return bad("IPv6 addresses need brackets");
    port_text = rest.substr(colon + 1);
  }
  if (out.host.empty()) return bad("missing host");
  int port = -1;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    return bad("bad port");
  }
  out.port = port;
  return out;
}

std::string JoinUrls(const std::vector<std::string>& urls) { return absl::StrJoin(urls, ","); }

}  // namespace etcd::transport
