#include "testutil/fault_env.h"

#include <algorithm>
#include <utility>

namespace etcd::testutil {
namespace {

std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool IsManifest(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return base.rfind("MANIFEST", 0) == 0;
}

leveldb::Status Dead(const std::string& path) {
  return leveldb::Status::IOError(path, "FaultEnv: file handle from before a simulated crash");
}

}  // namespace

// ---------------------------------------------------------------- the file wrapper

class FaultEnv::File final : public leveldb::WritableFile {
 public:
  File(FaultEnv* env, std::string path, std::unique_ptr<leveldb::WritableFile> base,
       std::shared_ptr<FileState> state, uint64_t epoch)
      : env_(env),
        path_(std::move(path)),
        base_(std::move(base)),
        state_(std::move(state)),
        epoch_(epoch) {}

  leveldb::Status Append(const leveldb::Slice& data) override {
    return env_->FileAppend(this, data);
  }
  leveldb::Status Close() override {
    if (!env_->Alive(this)) return Dead(path_);
    return base_->Close();
  }
  leveldb::Status Flush() override {
    if (!env_->Alive(this)) return Dead(path_);
    return base_->Flush();
  }
  leveldb::Status Sync() override { return env_->FileSync(this); }

 private:
  friend class FaultEnv;
  FaultEnv* const env_;
  const std::string path_;
  const std::unique_ptr<leveldb::WritableFile> base_;
  const std::shared_ptr<FileState> state_;
  const uint64_t epoch_;
};

// ---------------------------------------------------------------- FaultEnv

FaultEnv::FaultEnv(leveldb::Env* base) : leveldb::EnvWrapper(base) {}
FaultEnv::~FaultEnv() = default;

void FaultEnv::FailNextSyncs(int n) {
  absl::MutexLock l(&mu_);
  fail_syncs_ = n;
}

void FaultEnv::SetAppendBudget(uint64_t bytes) {
  absl::MutexLock l(&mu_);
  has_budget_ = true;
  budget_ = bytes;
}

void FaultEnv::ClearAppendBudget() {
  absl::MutexLock l(&mu_);
  has_budget_ = false;
}

void FaultEnv::SetFaultFilter(std::string path_substring) {
  absl::MutexLock l(&mu_);
  filter_ = std::move(path_substring);
}

void FaultEnv::set_model_directory_sync(bool on) {
  absl::MutexLock l(&mu_);
  model_dirs_ = on;
}

int64_t FaultEnv::sync_calls() const {
  absl::MutexLock l(&mu_);
  return sync_calls_;
}

int64_t FaultEnv::append_calls() const {
  absl::MutexLock l(&mu_);
  return append_calls_;
}

uint64_t FaultEnv::UnsyncedBytes(const std::string& path) const {
  absl::MutexLock l(&mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return 0;
  return it->second->size - std::min(it->second->size, it->second->synced);
}

bool FaultEnv::Matches(const std::string& path) const {
  return filter_.empty() || path.find(filter_) != std::string::npos;
}

bool FaultEnv::Alive(const File* f) const {
  absl::MutexLock l(&mu_);
  return f->epoch_ == epoch_;
}

bool FaultEnv::BaseFileExists(const std::string& path) { return target()->FileExists(path); }

leveldb::Status FaultEnv::ReadAll(const std::string& path, std::string* out) {
  out->clear();
  leveldb::SequentialFile* raw = nullptr;
  leveldb::Status s = target()->NewSequentialFile(path, &raw);
  if (!s.ok()) return s;
  std::unique_ptr<leveldb::SequentialFile> f(raw);
  std::string scratch(1 << 16, '\0');
  while (true) {
    leveldb::Slice chunk;
    s = f->Read(scratch.size(), &chunk, scratch.data());
    if (!s.ok()) return s;
    if (chunk.empty()) return leveldb::Status::OK();
    out->append(chunk.data(), chunk.size());
  }
}

leveldb::Status FaultEnv::WriteAll(const std::string& path, const std::string& data) {
  leveldb::WritableFile* raw = nullptr;
  leveldb::Status s = target()->NewWritableFile(path, &raw);
  if (!s.ok()) return s;
  std::unique_ptr<leveldb::WritableFile> f(raw);
  s = f->Append(data);
  if (s.ok()) s = f->Sync();
  leveldb::Status c = f->Close();
  return s.ok() ? c : s;
}

leveldb::Status FaultEnv::OpenFile(const std::string& f, bool append, leveldb::WritableFile** r) {
  *r = nullptr;
  bool existed = BaseFileExists(f);
  uint64_t existing_size = 0;
  if (existed && append) target()->GetFileSize(f, &existing_size);
  leveldb::WritableFile* raw = nullptr;
  // A missing file is created with NewWritableFile even in append mode: the same
  // result, and it sidesteps leveldb 1.23's MemEnv, whose NewAppendableFile leaves a
  // null entry in its file table for a missing file (a later read or remove crashes).
  leveldb::Status s =
      append && existed ? target()->NewAppendableFile(f, &raw) : target()->NewWritableFile(f, &raw);
  if (!s.ok()) return s;
  std::unique_ptr<leveldb::WritableFile> base(raw);
  absl::MutexLock l(&mu_);
  std::shared_ptr<FileState>& state = files_[f];
  if (!append || !existed) {
    state = std::make_shared<FileState>();  // new or truncated: nothing durable yet
  } else if (state == nullptr) {
    state = std::make_shared<FileState>();  // existing data assumed durable
    state->size = state->synced = existing_size;
  }
  if (model_dirs_ && !existed) {
    dir_ops_.push_back(DirOp{DirOp::Kind::kCreate, DirOf(f), f, "", false, "", nullptr});
  }
  *r = new File(this, f, std::move(base), state, epoch_);
  return leveldb::Status::OK();
}

leveldb::Status FaultEnv::NewWritableFile(const std::string& f, leveldb::WritableFile** r) {
  return OpenFile(f, /*append=*/false, r);
}

leveldb::Status FaultEnv::NewAppendableFile(const std::string& f, leveldb::WritableFile** r) {
  return OpenFile(f, /*append=*/true, r);
}

leveldb::Status FaultEnv::RemoveFile(const std::string& f) {
  bool model;
  {
    absl::MutexLock l(&mu_);
    model = model_dirs_;
  }
  std::string content;
  if (model) ReadAll(f, &content);
  leveldb::Status s = target()->RemoveFile(f);
  if (!s.ok()) return s;
  absl::MutexLock l(&mu_);
  std::shared_ptr<FileState> state;
  if (auto it = files_.find(f); it != files_.end()) {
    state = it->second;
    files_.erase(it);
  }
  if (model) {
    dir_ops_.push_back(
        DirOp{DirOp::Kind::kRemove, DirOf(f), f, "", true, std::move(content), state});
  }
  return s;
}

leveldb::Status FaultEnv::RenameFile(const std::string& src, const std::string& target) {
  bool model;
  {
    absl::MutexLock l(&mu_);
    model = model_dirs_;
  }
  bool had_old = false;
  std::string old_content;
  if (model && BaseFileExists(target)) {
    had_old = true;
    ReadAll(target, &old_content);
  }
  leveldb::Status s = this->target()->RenameFile(src, target);
  if (!s.ok()) return s;
  absl::MutexLock l(&mu_);
  std::shared_ptr<FileState> old_state;
  if (auto it = files_.find(target); it != files_.end()) {
    old_state = it->second;
    files_.erase(it);
  }
  if (auto it = files_.find(src); it != files_.end()) {
    files_[target] = it->second;
    files_.erase(src);
  }
  if (model) {
    dir_ops_.push_back(DirOp{DirOp::Kind::kRename, DirOf(target), target, src, had_old,
                             std::move(old_content), old_state});
  }
  return s;
}

leveldb::Status FaultEnv::FileAppend(File* f, const leveldb::Slice& data) {
  uint64_t allowed = data.size();
  {
    absl::MutexLock l(&mu_);
    ++append_calls_;
    if (f->epoch_ != epoch_) return Dead(f->path_);
    if (has_budget_ && Matches(f->path_)) {
      allowed = std::min<uint64_t>(budget_, data.size());
      budget_ -= allowed;
    }
  }
  leveldb::Status s;
  if (allowed > 0) s = f->base_->Append(leveldb::Slice(data.data(), allowed));
  if (s.ok()) {
    absl::MutexLock l(&mu_);
    f->state_->size += allowed;
  }
  if (s.ok() && allowed < data.size()) {
    return leveldb::Status::IOError(f->path_, "No space left on device");
  }
  return s;
}

leveldb::Status FaultEnv::FileSync(File* f) {
  {
    absl::MutexLock l(&mu_);
    ++sync_calls_;
    if (f->epoch_ != epoch_) return Dead(f->path_);
    if (fail_syncs_ > 0 && Matches(f->path_)) {
      --fail_syncs_;
      return leveldb::Status::IOError(f->path_, "Input/output error");
    }
  }
  leveldb::Status s = f->base_->Sync();
  if (!s.ok()) return s;
  {
    absl::MutexLock l(&mu_);
    f->state_->synced = f->state_->size;
  }
  if (IsManifest(f->path_)) NoteDirSynced(DirOf(f->path_));
  return s;
}

void FaultEnv::NoteDirSynced(const std::string& dir) {
  absl::MutexLock l(&mu_);
  dir_ops_.erase(std::remove_if(dir_ops_.begin(), dir_ops_.end(),
                                [&](const DirOp& op) { return op.dir == dir; }),
                 dir_ops_.end());
}

absl::Status FaultEnv::DropUnsyncedData(const TornTail& torn) {
  std::vector<DirOp> ops;
  {
    absl::MutexLock l(&mu_);
    ++epoch_;
    ops.swap(dir_ops_);
  }
  // Undo directory changes that were never made durable, newest first.
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    DirOp& op = *it;
    switch (op.kind) {
      case DirOp::Kind::kCreate: {
        target()->RemoveFile(op.path);
        absl::MutexLock l(&mu_);
        files_.erase(op.path);
        break;
      }
      case DirOp::Kind::kRename: {
        leveldb::Status s = target()->RenameFile(op.path, op.from);
        if (!s.ok()) return absl::InternalError("FaultEnv: undo rename: " + s.ToString());
        {
          absl::MutexLock l(&mu_);
          if (auto f = files_.find(op.path); f != files_.end()) {
            files_[op.from] = f->second;
            files_.erase(op.path);
          }
        }
        if (op.had_old) {
          s = WriteAll(op.path, op.old_content);
          if (!s.ok()) return absl::InternalError("FaultEnv: undo rename: " + s.ToString());
          absl::MutexLock l(&mu_);
          if (op.old_state != nullptr) files_[op.path] = op.old_state;
        }
        break;
      }
      case DirOp::Kind::kRemove: {
        leveldb::Status s = WriteAll(op.path, op.old_content);
        if (!s.ok()) return absl::InternalError("FaultEnv: undo remove: " + s.ToString());
        absl::MutexLock l(&mu_);
        if (op.old_state != nullptr) files_[op.path] = op.old_state;
        break;
      }
    }
  }

  // Cut every file back to its synced size, plus the torn piece.
  std::vector<std::pair<std::string, std::shared_ptr<FileState>>> files;
  {
    absl::MutexLock l(&mu_);
    files.assign(files_.begin(), files_.end());
  }
  uint64_t rng = torn.seed * 0x9e3779b97f4a7c15ULL + 1;
  for (auto& [path, state] : files) {
    std::string content;
    if (!BaseFileExists(path)) {
      absl::MutexLock l(&mu_);
      files_.erase(path);
      continue;
    }
    leveldb::Status s = ReadAll(path, &content);
    if (!s.ok()) return absl::InternalError("FaultEnv: read " + path + ": " + s.ToString());
    uint64_t synced;
    {
      absl::MutexLock l(&mu_);
      synced = std::min<uint64_t>(state->synced, content.size());
    }
    if (synced < content.size()) {
      uint64_t unsynced = content.size() - synced;
      uint64_t keep = torn.kind == TornTail::Kind::kNone ? 0 : std::min(torn.bytes, unsynced);
      std::string out = content.substr(0, synced);
      switch (torn.kind) {
        case TornTail::Kind::kNone:
          break;
        case TornTail::Kind::kKeepPrefix:
          out.append(content, synced, keep);
          break;
        case TornTail::Kind::kZeros:
          out.append(keep, '\0');
          break;
        case TornTail::Kind::kGarbage:
          for (uint64_t i = 0; i < keep; ++i) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            out.push_back(static_cast<char>(rng & 0xff));
          }
          break;
      }
      s = WriteAll(path, out);
      if (!s.ok()) return absl::InternalError("FaultEnv: rewrite " + path + ": " + s.ToString());
      content = std::move(out);
    }
    absl::MutexLock l(&mu_);
    state->size = state->synced = content.size();
  }
  return absl::OkStatus();
}

}  // namespace etcd::testutil
