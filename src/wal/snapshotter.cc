#include "wal/snapshotter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crc32c.h"
#include "wal/file_names.h"
#include "wal/file_util.h"
#include "wal/record.h"

namespace etcd::wal {
namespace {

// Header: magic u32 "ESNP", version u32, payload length u64, masked CRC32C of the
// payload u32, reserved u32 (0). Then the payload: a serialized raftpb::Snapshot.
constexpr uint32_t kSnapMagic = 0x504E5345u;  // "ESNP" on disk
constexpr uint32_t kSnapVersion = 1;
constexpr size_t kSnapHeaderSize = 24;

absl::Status NoSnapshot() { return absl::NotFoundError("snap: no available snapshot"); }

}  // namespace

Snapshotter::Snapshotter(Env* env, std::string dir, bool no_fsync)
    : env_(env), dir_(std::move(dir)), no_fsync_(no_fsync) {}

std::string Snapshotter::Encode(const raftpb::Snapshot& snap) {
  std::string payload = snap.SerializeAsString();
  std::string out;
  out.reserve(kSnapHeaderSize + payload.size());
  PutFixed32(&out, kSnapMagic);
  PutFixed32(&out, kSnapVersion);
  PutFixed64(&out, payload.size());
  PutFixed32(&out, crc32c::Mask(crc32c::Value(payload)));
  PutFixed32(&out, 0);
  out.append(payload);
  return out;
}

absl::StatusOr<raftpb::Snapshot> Snapshotter::Decode(std::string_view data) {
  if (data.size() < kSnapHeaderSize) return absl::DataLossError("file too short");
  if (DecodeFixed32(data.data()) != kSnapMagic) return absl::DataLossError("bad magic");
  uint32_t version = DecodeFixed32(data.data() + 4);
  if (version != kSnapVersion) {
    return absl::DataLossError(absl::StrFormat("unsupported version %d", version));
  }
  uint64_t len = DecodeFixed64(data.data() + 8);
  if (len != data.size() - kSnapHeaderSize) {
    return absl::DataLossError(
        absl::StrFormat("length %d does not match the file size %d", len, data.size()));
  }
  if (DecodeFixed32(data.data() + 20) != 0) return absl::DataLossError("bad reserved field");
  std::string_view payload = data.substr(kSnapHeaderSize);
  if (crc32c::Unmask(DecodeFixed32(data.data() + 16)) != crc32c::Value(payload)) {
    return absl::DataLossError("CRC mismatch");
  }
  raftpb::Snapshot snap;
  if (!snap.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError("unparsable snapshot");
  }
  return snap;
}

absl::Status Snapshotter::SaveSnap(const raftpb::Snapshot& snap) {
  if (snap.metadata().index() == 0) return absl::OkStatus();
  RETURN_IF_ERROR(CreateDirAll(env_, dir_));
  std::string name = SnapFileName(snap.metadata().term(), snap.metadata().index());
  return WriteFileAtomically(env_, dir_, name, Encode(snap), no_fsync_);
}

absl::StatusOr<std::vector<std::string>> Snapshotter::SnapNames() const {
  std::vector<std::string> children;
  leveldb::Status s = env_->GetChildren(dir_, &children);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("snap: list ", dir_));
  std::vector<std::string> names;
  uint64_t term, index;
  for (std::string& c : children) {
    if (ParseSnapFileName(c, &term, &index)) names.push_back(std::move(c));
  }
  // Fixed-width hex: name order is (term, index) order.
  std::sort(names.rbegin(), names.rend());
  return names;
}

absl::StatusOr<raftpb::Snapshot> Snapshotter::LoadFile(const std::string& name) {
  std::string path = JoinPath(dir_, name);
  std::string data;
  RETURN_IF_ERROR(ReadWholeFile(env_, path, &data));
  absl::StatusOr<raftpb::Snapshot> snap = Decode(data);
  if (snap.ok()) {
    uint64_t term = 0, index = 0;
    ParseSnapFileName(name, &term, &index);
    if (snap->metadata().term() != term || snap->metadata().index() != index) {
      snap = absl::DataLossError(absl::StrFormat(
          "metadata says term %d index %d", snap->metadata().term(), snap->metadata().index()));
    }
  }
  if (!snap.ok()) {
    std::string broken = path + std::string(kBrokenSuffix);
    leveldb::Status s = env_->RenameFile(path, broken);
    if (!s.ok()) return FromLevelDb(s, absl::StrCat("snap: rename ", path, " to ", broken));
    return absl::DataLossError(
        absl::StrCat("snap: broken snapshot ", path, ": ", snap.status().message()));
  }
  return snap;
}

template <typename Match>
absl::StatusOr<raftpb::Snapshot> Snapshotter::LoadNewest(Match match) {
  absl::StatusOr<std::vector<std::string>> names = SnapNames();
  if (!names.ok()) {
    if (absl::IsNotFound(names.status())) return NoSnapshot();
    return names.status();
  }
  for (const std::string& name : *names) {
    uint64_t term = 0, index = 0;
    ParseSnapFileName(name, &term, &index);
    if (!match(WalSnapshot{index, term})) continue;
    absl::StatusOr<raftpb::Snapshot> snap = LoadFile(name);
    if (snap.ok()) return snap;
    if (snap.status().code() != absl::StatusCode::kDataLoss) return snap.status();
  }
  return NoSnapshot();
}

absl::StatusOr<raftpb::Snapshot> Snapshotter::Load() {
  return LoadNewest([](const WalSnapshot&) { return true; });
}

absl::StatusOr<raftpb::Snapshot> Snapshotter::LoadNewestAvailable(
    const std::vector<WalSnapshot>& wal_snaps) {
  return LoadNewest([&](const WalSnapshot& s) {
    return std::find(wal_snaps.begin(), wal_snaps.end(), s) != wal_snaps.end();
  });
}

absl::Status Snapshotter::PurgeOld(size_t max_keep) {
  std::vector<std::string> children;
  leveldb::Status s = env_->GetChildren(dir_, &children);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("snap: list ", dir_));
  for (const std::string& c : children) {
    if (c.size() > kTempSuffix.size() && c.ends_with(kTempSuffix)) {
      s = env_->RemoveFile(JoinPath(dir_, c));
      if (!s.ok()) return FromLevelDb(s, absl::StrCat("snap: remove ", c));
    }
  }
  if (max_keep == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<std::string> names, SnapNames());
  for (size_t i = max_keep; i < names.size(); ++i) {
    std::string path = JoinPath(dir_, names[i]);
    s = env_->RemoveFile(path);
    if (!s.ok()) return FromLevelDb(s, absl::StrCat("snap: remove ", path));
  }
  return absl::OkStatus();
}

}  // namespace etcd::wal
