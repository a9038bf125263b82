#include "api/grpc_wire.h"

namespace etcd::api::grpc_wire {

std::optional<FrameHeader> ParseFrameHeader(std::string_view data) {
  if (data.size() < kFrameHeaderBytes) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  if (p[0] > 1) return std::nullopt;
  FrameHeader h;
  h.compressed = p[0] == 1;
  h.length = (uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | p[4];
  return h;
}

void AppendFrameHeader(std::string* out, uint32_t length) {
  out->push_back('\0');
  out->push_back(static_cast<char>((length >> 24) & 0xff));
  out->push_back(static_cast<char>((length >> 16) & 0xff));
  out->push_back(static_cast<char>((length >> 8) & 0xff));
  out->push_back(static_cast<char>(length & 0xff));
}

std::string PercentEncode(std::string_view message) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(message.size());
  for (char ch : message) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7e || c == '%') {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string PercentDecode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size()) {
      const int hi = HexValue(value[i + 1]);
      const int lo = HexValue(value[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(value[i]);
  }
  return out;
}

std::optional<std::chrono::nanoseconds> ParseTimeout(std::string_view value) {
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < value.size(); ++i) {
    const char c = value[i];
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  switch (value.back()) {
    case 'H':
      return duration_cast<nanoseconds>(std::chrono::hours(n));
    case 'M':
      return duration_cast<nanoseconds>(std::chrono::minutes(n));
    case 'S':
      return duration_cast<nanoseconds>(std::chrono::seconds(n));
    case 'm':
      return duration_cast<nanoseconds>(std::chrono::milliseconds(n));
    case 'u':
      return duration_cast<nanoseconds>(std::chrono::microseconds(n));
    case 'n':
      return nanoseconds(n);
    default:
      return std::nullopt;
  }
}

KvMethod KvMethodForPath(std::string_view path) {
  constexpr std::string_view kPrefix = "/etcdserverpb.KV/";
  if (!path.starts_with(kPrefix)) return KvMethod::kNone;
  path.remove_prefix(kPrefix.size());
  if (path == "Range") return KvMethod::kRange;
  if (path == "Put") return KvMethod::kPut;
  if (path == "DeleteRange") return KvMethod::kDeleteRange;
  if (path == "Txn") return KvMethod::kTxn;
  return KvMethod::kNone;
}

bool IsProtoGrpcContentType(std::string_view ct) {
  constexpr std::string_view kBase = "application/grpc";
  if (!ct.starts_with(kBase)) return false;
  ct.remove_prefix(kBase.size());
  if (const size_t semi = ct.find(';'); semi != std::string_view::npos) ct = ct.substr(0, semi);
  return ct.empty() || ct == "+proto";
}

}  // namespace etcd::api::grpc_wire
