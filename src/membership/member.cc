#include "membership/member.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace etcd::membership {
namespace {

uint64_t Sha1Prefix64(const std::string& bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  // EVP_Digest with SHA-1 cannot fail for in-memory input short of allocation failure.
  EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha1(), nullptr);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | md[i];
  return v;
}

}  // namespace

serverpb::Member Member::ToProto() const {
  serverpb::Member pb;
  pb.set_id(id);
  pb.set_name(name);
  for (const auto& u : peer_urls) pb.add_peer_urls(u);
  for (const auto& u : client_urls) pb.add_client_urls(u);
  pb.set_is_learner(is_learner);
  return pb;
}

Member Member::FromProto(const serverpb::Member& pb) {
  Member m;
  m.id = pb.id();
  m.name = pb.name();
  m.peer_urls.assign(pb.peer_urls().begin(), pb.peer_urls().end());
  std::sort(m.peer_urls.begin(), m.peer_urls.end());
  m.client_urls.assign(pb.client_urls().begin(), pb.client_urls().end());
  m.is_learner = pb.is_learner();
  return m;
}

uint64_t ComputeMemberId(std::vector<std::string> peer_urls, std::string_view token,
                         std::optional<int64_t> unix_seconds) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string b;
  for (const auto& u : peer_urls) b += u;
  b += token;
  if (unix_seconds.has_value()) b += std::to_string(*unix_seconds);
  return Sha1Prefix64(b);
}

uint64_t ComputeClusterId(std::vector<uint64_t> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::string b;
  b.reserve(member_ids.size() * 8);
  for (uint64_t id : member_ids) {
    for (int shift = 56; shift >= 0; shift -= 8) b.push_back(static_cast<char>(id >> shift));
  }
  return Sha1Prefix64(b);
}

Member NewMember(std::string name, std::vector<std::string> peer_urls, std::string_view token,
                 std::optional<int64_t> unix_seconds, bool is_learner) {
  Member m;
  std::sort(peer_urls.begin(), peer_urls.end());
  m.id = ComputeMemberId(peer_urls, token, unix_seconds);
  m.name = std::move(name);
  m.peer_urls = std::move(peer_urls);
  m.is_learner = is_learner;
  return m;
}

std::string IdToHex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(id));
  return buf;
}

bool ParseHexId(std::string_view text, uint64_t* id) {
  if (text.empty() || text.size() > 16) return false;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *id = v;
  return true;
}

}  // namespace etcd::membership
