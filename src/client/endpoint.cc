#include "client/endpoint.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace etcd::client {

absl::StatusOr<Endpoint> ParseEndpoint(std::string_view text) {
  absl::string_view s = absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()));
  Endpoint ep;
  const size_t scheme_end = s.find("://");
  if (scheme_end != absl::string_view::npos) {
    const std::string scheme = absl::AsciiStrToLower(s.substr(0, scheme_end));
    absl::string_view rest = s.substr(scheme_end + 3);
    if (scheme == "unix" || scheme == "unixs") {
      if (rest.empty()) return absl::InvalidArgumentError("empty unix socket path in endpoint");
      ep.target = "unix:" + std::string(rest);
      ep.secure = scheme == "unixs";
      return ep;
    }
    if (scheme != "http" && scheme != "https") {
      return absl::InvalidArgumentError("unsupported scheme in endpoint " + std::string(s));
    }
    ep.secure = scheme == "https";
    s = rest;
  }
  // Drop a trailing path ("http://host:2379/").
  if (const size_t slash = s.find('/'); slash != absl::string_view::npos) s = s.substr(0, slash);
  if (s.empty()) return absl::InvalidArgumentError("empty endpoint");
  ep.target = std::string(s);
  return ep;
}

std::vector<std::string> SplitEndpoints(std::string_view list) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(absl::string_view(list.data(), list.size()), ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

}  // namespace etcd::client
