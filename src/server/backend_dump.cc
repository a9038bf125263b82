#include "server/backend_dump.h"

#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crc32c.h"

namespace etcd::server {
namespace {

constexpr std::string_view kMagic = "etcd-cpp backend-dump v1\n";

void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (56 - 8 * i)));
}
uint64_t GetU64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}
void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
bool GetVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    auto b = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}
bool GetBytes(std::string_view* in, std::string_view* out) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

// Every possible bucket byte except 0 (not a bucket), so buckets added later travel
// too without a format change.
std::vector<storage::Bucket> AllBuckets() {
  std::vector<storage::Bucket> out;
  for (int b = 1; b < 256; ++b) out.push_back(static_cast<storage::Bucket>(static_cast<char>(b)));
  return out;
}

struct Record {
  char bucket;
  std::string_view key, value;
};

absl::Status Damaged(const std::string& why) {
  return absl::DataLossError(absl::StrCat("backend dump damaged: ", why));
}

absl::StatusOr<BackendDumpInfo> Parse(std::string_view dump, std::vector<Record>* records) {
  if (dump.size() < kMagic.size() + 16 + 1 + 4 || dump.substr(0, kMagic.size()) != kMagic) {
    return Damaged("bad header");
  }
  std::string_view body = dump.substr(0, dump.size() - 4);
  uint32_t want = 0;
  for (size_t i = dump.size() - 4; i < dump.size(); ++i) {
    want = (want << 8) | static_cast<unsigned char>(dump[i]);
  }
  if (crc32c::Value(body) != want) return Damaged("checksum mismatch");
  BackendDumpInfo info;
  std::string_view in = body.substr(kMagic.size());
  info.index = GetU64(in);
  info.term = GetU64(in.substr(8));
  in.remove_prefix(16);
  for (;;) {
    if (in.empty()) return Damaged("missing end marker");
    char b = in.front();
    in.remove_prefix(1);
    if (b == 0) break;
    Record r{b, {}, {}};
    if (!GetBytes(&in, &r.key) || !GetBytes(&in, &r.value)) return Damaged("truncated record");
    if (records != nullptr) records->push_back(r);
    ++info.records;
  }
  if (!in.empty()) return Damaged("bytes after the end marker");
  return info;
}

}  // namespace

absl::StatusOr<std::string> DumpBackend(const storage::ReadView& view, uint64_t index,
                                        uint64_t term) {
  std::string out(kMagic);
  PutU64(&out, index);
  PutU64(&out, term);
  for (storage::Bucket b : AllBuckets()) {
    RETURN_IF_ERROR(view.Scan(b, "", "", [&](std::string_view k, std::string_view v) {
      out.push_back(static_cast<char>(b));
      PutVarint(&out, k.size());
      out.append(k);
      PutVarint(&out, v.size());
      out.append(v);
      return true;
    }));
  }
  out.push_back('\0');
  uint32_t crc = crc32c::Value(out);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (24 - 8 * i)));
  return out;
}

absl::StatusOr<BackendDumpInfo> CheckBackendDump(std::string_view dump) {
  return Parse(dump, nullptr);
}

absl::Status LoadBackendDump(storage::Backend* backend, std::string_view dump) {
  std::vector<Record> records;
  ASSIGN_OR_RETURN(BackendDumpInfo info, Parse(dump, &records));
  for (storage::Bucket b : AllBuckets()) {
    std::vector<std::string> keys;
    RETURN_IF_ERROR(backend->Scan(b, "", "", [&](std::string_view k, std::string_view) {
      keys.emplace_back(k);
      return true;
    }));
    for (const auto& k : keys) backend->Delete(b, k);
  }
  for (const auto& r : records)
    backend->Put(static_cast<storage::Bucket>(r.bucket), r.key, r.value);
  return backend->CommitSync(info.index, info.term);
}

std::string SnapshotDbName(uint64_t term, uint64_t index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx-%016llx.snap.db", static_cast<unsigned long long>(term),
                static_cast<unsigned long long>(index));
  return buf;
}

absl::Status WriteFileSync(Env* env, const std::string& path, std::string_view data) {
  leveldb::WritableFile* f = nullptr;
  leveldb::Status s = env->NewWritableFile(path, &f);
  if (s.ok()) s = f->Append(leveldb::Slice(data.data(), data.size()));
  if (s.ok()) s = f->Sync();
  if (f != nullptr) {
    leveldb::Status c = f->Close();
    if (s.ok()) s = c;
    delete f;
  }
  if (!s.ok()) return absl::InternalError(absl::StrCat("write ", path, ": ", s.ToString()));
  return absl::OkStatus();
}

}  // namespace etcd::server
