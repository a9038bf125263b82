// The few pieces of the gRPC-over-HTTP/2 wire format the h2 front door (h2_front.h)
// needs to answer unary calls itself: the 5-byte message prefix, the grpc-timeout
// header, grpc-message percent-encoding, and which request streams it may serve.
// Facts from gRPC's PROTOCOL-HTTP2 description (not from any gRPC source).
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace etcd::api::grpc_wire {

// Length-Prefixed-Message: 1 byte compressed flag, 4 bytes big-endian length.
constexpr size_t kFrameHeaderBytes = 5;

struct FrameHeader {
  bool compressed = false;
  uint32_t length = 0;
};

// Parses the first 5 bytes of `data` (nullopt when shorter, or when the flag byte is
// neither 0 nor 1).
std::optional<FrameHeader> ParseFrameHeader(std::string_view data);

// Appends the prefix of an uncompressed message of `length` bytes.
void AppendFrameHeader(std::string* out, uint32_t length);

// grpc-message value: bytes outside 0x20..0x7E and '%' become %XX (upper-case hex).
std::string PercentEncode(std::string_view message);
// The inverse (invalid escapes are kept as they are, like gRPC clients do).
std::string PercentDecode(std::string_view value);

// grpc-timeout: 1-8 ASCII digits then a unit (H M S m u n). nullopt when malformed.
std::optional<std::chrono::nanoseconds> ParseTimeout(std::string_view value);

// The KV methods the front door answers itself.
enum class KvMethod { kNone, kRange, kPut, kDeleteRange, kTxn };
KvMethod KvMethodForPath(std::string_view path);

// "application/grpc", "application/grpc+proto", optionally followed by ";params": the
// body is protobuf. (application/grpc+json and others are not.)
bool IsProtoGrpcContentType(std::string_view content_type);

}  // namespace etcd::api::grpc_wire
