#include "transport/pipe_codec.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"

namespace etcd::transport {
namespace {

using google::protobuf::io::CodedOutputStream;

// Wire tags: PeerEnvelope.batch = field 2, MessageBatch.messages = field 1, both
// length-delimited (wire type 2).
constexpr uint8_t kEnvelopeBatchTag = (2 << 3) | 2;
constexpr uint8_t kBatchMessagesTag = (1 << 3) | 2;

void PutLength(uint32_t n, char* p) {
  p[0] = static_cast<char>(n & 0xff);
  p[1] = static_cast<char>((n >> 8) & 0xff);
  p[2] = static_cast<char>((n >> 16) & 0xff);
  p[3] = static_cast<char>((n >> 24) & 0xff);
}

uint32_t GetLength(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

}  // namespace

size_t AppendBatchFrame(const raftpb::Message* msgs, size_t n, std::string* out) {
  // Sizes first (ByteSizeLong caches them for the serialization below).
  std::vector<size_t> sizes(n);
  size_t batch_len = 0;
  for (size_t i = 0; i < n; ++i) {
    sizes[i] = msgs[i].ByteSizeLong();
    batch_len += 1 + CodedOutputStream::VarintSize64(sizes[i]) + sizes[i];
  }
  const size_t env_len = 1 + CodedOutputStream::VarintSize64(batch_len) + batch_len;
  const size_t old = out->size();
  out->resize(old + kFrameHeaderBytes + env_len);
  char* p = out->data() + old;
  PutLength(static_cast<uint32_t>(env_len), p);
  auto* q = reinterpret_cast<uint8_t*>(p + kFrameHeaderBytes);
  *q++ = kEnvelopeBatchTag;
  q = CodedOutputStream::WriteVarint64ToArray(batch_len, q);
  for (size_t i = 0; i < n; ++i) {
    *q++ = kBatchMessagesTag;
    q = CodedOutputStream::WriteVarint64ToArray(sizes[i], q);
    q = msgs[i].SerializeWithCachedSizesToArray(q);
  }
  return kFrameHeaderBytes + env_len;
}

size_t AppendEnvelopeFrame(const peerpb::PeerEnvelope& env, std::string* out) {
  const size_t len = env.ByteSizeLong();
  const size_t old = out->size();
  out->resize(old + kFrameHeaderBytes + len);
  char* p = out->data() + old;
  PutLength(static_cast<uint32_t>(len), p);
  env.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(p + kFrameHeaderBytes));
  return kFrameHeaderBytes + len;
}

char* FrameReader::Reserve(size_t n) {
  if (start_ == end_) start_ = end_ = 0;
  if (buf_.size() - end_ < n) {
    // Move the unparsed tail to the front before growing.
    if (start_ > 0) {
      std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    if (buf_.size() - end_ < n) buf_.resize(end_ + n);
  }
  return buf_.data() + end_;
}

void FrameReader::Feed(std::string_view bytes) {
  std::memcpy(Reserve(bytes.size()), bytes.data(), bytes.size());
  Commit(bytes.size());
}

absl::StatusOr<bool> FrameReader::Next(peerpb::PeerEnvelope* env) {
  if (end_ - start_ < kFrameHeaderBytes) return false;
  const uint32_t len = GetLength(buf_.data() + start_);
  if (len == 0 || len > max_frame_bytes_) {
    return absl::InvalidArgumentError(
        absl::StrCat("raft pipe frame of ", len, " bytes (limit ", max_frame_bytes_, ")"));
  }
  if (end_ - start_ < kFrameHeaderBytes + len) return false;
  if (!env->ParseFromArray(buf_.data() + start_ + kFrameHeaderBytes, static_cast<int>(len))) {
    return absl::InvalidArgumentError("undecodable raft pipe frame");
  }
  start_ += kFrameHeaderBytes + len;
  return true;
}

}  // namespace etcd::transport
