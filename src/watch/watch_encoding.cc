#include "watch/watch_encoding.h"

#include <cstring>

namespace etcd::mvcc::wire {
namespace {

// Wire tags: (field number << 3) | wire type (0 varint, 2 length-delimited).
constexpr char kTagHeader = 0x0a;        // WatchResponse.header = 1
constexpr char kTagWatchId = 0x10;       // WatchResponse.watch_id = 2
constexpr char kTagEvents = 0x5a;        // WatchResponse.events = 11
constexpr char kTagEventType = 0x08;     // Event.type = 1
constexpr char kTagEventKv = 0x12;       // Event.kv = 2
constexpr char kTagEventPrevKv = 0x1a;   // Event.prev_kv = 3
constexpr uint8_t kTagClusterId = 0x08;  // ResponseHeader.cluster_id = 1
constexpr uint8_t kTagMemberId = 0x10;   // ResponseHeader.member_id = 2
constexpr uint8_t kTagRevision = 0x18;   // ResponseHeader.revision = 3
constexpr uint8_t kTagRaftTerm = 0x20;   // ResponseHeader.raft_term = 4

char* PutVarint(uint64_t v, char* p) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// A varint field of the header; nothing for 0 (proto3).
size_t FieldSize(uint64_t v) { return v == 0 ? 0 : 1 + VarintSize(v); }
char* PutField(uint8_t tag, uint64_t v, char* p) {
  if (v == 0) return p;
  *p++ = static_cast<char>(tag);
  return PutVarint(v, p);
}

struct HeaderFields {
  uint64_t cluster_id, member_id, revision, raft_term;
  size_t Size() const {
    return FieldSize(cluster_id) + FieldSize(member_id) + FieldSize(revision) +
           FieldSize(raft_term);
  }
};

HeaderFields FieldsOf(const etcdserverpb::ResponseHeader& h, int64_t revision) {
  return {h.cluster_id(), h.member_id(), static_cast<uint64_t>(revision), h.raft_term()};
}

}  // namespace

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendVarint(uint64_t v, std::string* out) {
  char buf[10];
  out->append(buf, static_cast<size_t>(PutVarint(v, buf) - buf));
}

void AppendWatchId(int64_t id, std::string* out) {
  if (id == 0) return;
  out->push_back(kTagWatchId);
  AppendVarint(static_cast<uint64_t>(id), out);
}

void AppendEventEntry(const mvccpb::Event& ev, bool keep_prev, std::string* out) {
  const bool prev = keep_prev && ev.has_prev_kv();
  const size_t kv = ev.kv().ByteSizeLong();
  const size_t pkv = prev ? ev.prev_kv().ByteSizeLong() : 0;
  const uint64_t type = static_cast<uint64_t>(static_cast<int64_t>(ev.type()));
  size_t body = 1 + VarintSize(kv) + kv;
  if (type != 0) body += 1 + VarintSize(type);
  if (prev) body += 1 + VarintSize(pkv) + pkv;

  const size_t start = out->size();
  out->resize(start + 1 + VarintSize(body) + body);
  char* p = out->data() + start;
  *p++ = kTagEvents;
  p = PutVarint(body, p);
  if (type != 0) {
    *p++ = kTagEventType;
    p = PutVarint(type, p);
  }
  *p++ = kTagEventKv;
  p = PutVarint(kv, p);
  p = reinterpret_cast<char*>(
      ev.kv().SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(p)));
  if (prev) {
    *p++ = kTagEventPrevKv;
    p = PutVarint(pkv, p);
    ev.prev_kv().SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(p));
  }
}

EncodedResponse Encode(const etcdserverpb::WatchResponse& resp) {
  EncodedResponse enc;
  enc.revision = resp.header().revision();
  if (resp.has_header()) {
    etcdserverpb::WatchResponse copy = resp;
    copy.clear_header();
    copy.SerializeToString(&enc.body);
  } else {
    resp.SerializeToString(&enc.body);
  }
  return enc;
}

size_t MessageSize(const etcdserverpb::ResponseHeader& header, const EncodedResponse& enc) {
  const size_t h = FieldsOf(header, enc.revision).Size();
  return 1 + VarintSize(h) + h + enc.body.size();
}

void WriteMessage(const etcdserverpb::ResponseHeader& header, const EncodedResponse& enc,
                  char* out) {
  const HeaderFields f = FieldsOf(header, enc.revision);
  char* p = out;
  *p++ = kTagHeader;
  p = PutVarint(f.Size(), p);
  p = PutField(kTagClusterId, f.cluster_id, p);
  p = PutField(kTagMemberId, f.member_id, p);
  p = PutField(kTagRevision, f.revision, p);
  p = PutField(kTagRaftTerm, f.raft_term, p);
  if (!enc.body.empty()) std::memcpy(p, enc.body.data(), enc.body.size());
}

bool Decode(const EncodedResponse& enc, etcdserverpb::WatchResponse* out) {
  out->Clear();
  const bool ok = out->ParseFromString(enc.body);
  out->mutable_header()->set_revision(enc.revision);
  return ok;
}

}  // namespace etcd::mvcc::wire
