// The framing of the raft pipe: the plain-TCP path that carries the `Stream` protocol
// (hello, message batches, pings and pongs as peerpb::PeerEnvelope) between members
// whose peer URLs are http:// without gRPC/HTTP2 in between (docs/design/transport.md
// "Raft pipe"). The caller opens the connection with kPipeMagic, then both sides
// exchange frames:
//
//   frame = u32 little-endian length N (1 <= N <= max) | N bytes of PeerEnvelope
//
// A batch frame is encoded straight from the raft messages (no PeerEnvelope is built,
// nothing is copied but the encoded bytes).
//
// Thread safety: pure functions; a FrameReader is used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "peerpb/peer.pb.h"
#include "raftpb/raft.pb.h"

namespace etcd::transport {

// First bytes a pipe caller sends. Its first byte is not 'P' (the HTTP/2 client
// preface, "PRI * HTTP/2.0..."), so one byte tells the two protocols apart.
inline constexpr std::string_view kPipeMagic = "RAFTPIPE";
inline constexpr size_t kFrameHeaderBytes = 4;

// Appends one frame holding PeerEnvelope{batch: {messages: msgs[0..n)}} to `out`.
// Returns the frame's size in bytes (header included).
size_t AppendBatchFrame(const raftpb::Message* msgs, size_t n, std::string* out);
// Appends one frame holding `env`. Returns the frame's size.
size_t AppendEnvelopeFrame(const peerpb::PeerEnvelope& env, std::string* out);

// Splits a byte stream into envelopes.
class FrameReader {
 public:
  // Frames longer than `max_frame_bytes` are a protocol error.
  explicit FrameReader(size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  // Room for at least `n` more bytes: write up to `n` bytes at the returned pointer,
  // then call Commit with how many were written.
  char* Reserve(size_t n);
  void Commit(size_t n) { end_ += n; }
  // Appends bytes (for tests; Reserve/Commit avoids the copy).
  void Feed(std::string_view bytes);

  // Parses the next complete frame into `env`: true if one was parsed, false if more
  // bytes are needed, InvalidArgument for an oversized, empty or undecodable frame
  // (the connection must then be closed).
  absl::StatusOr<bool> Next(peerpb::PeerEnvelope* env);

  // Bytes received but not yet parsed.
  size_t buffered() const { return end_ - start_; }

 private:
  const size_t max_frame_bytes_;
  std::string buf_;
  size_t start_ = 0;  // first unparsed byte
  size_t end_ = 0;    // one past the last received byte
};

}  // namespace etcd::transport
