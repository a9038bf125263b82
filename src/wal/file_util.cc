#include "wal/file_util.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "wal/file_names.h"

namespace etcd::wal {

absl::Status FromLevelDb(const leveldb::Status& s, std::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(std::string(context), ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (absl::StrContains(msg, "No space left on device")) {
    return absl::ResourceExhaustedError(msg);
  }
  return absl::InternalError(msg);
}

std::string DirName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return "";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

absl::Status CreateDirAll(Env* env, const std::string& dir) {
  if (dir.empty() || dir == "/") return absl::OkStatus();
  std::vector<std::string> children;
  if (env->GetChildren(dir, &children).ok()) return absl::OkStatus();
  RETURN_IF_ERROR(CreateDirAll(env, DirName(dir)));
  leveldb::Status s = env->CreateDir(dir);
  if (!s.ok() && !env->GetChildren(dir, &children).ok()) {
    return FromLevelDb(s, absl::StrCat("create directory ", dir));
  }
  return absl::OkStatus();
}

absl::Status SyncDir(Env* env, const std::string& dir) {
  std::string path = JoinPath(dir, kDirSyncFileName);
  leveldb::WritableFile* raw = nullptr;
  // NewWritableFile, not NewAppendableFile: leveldb 1.23's MemEnv mishandles
  // NewAppendableFile on a missing file (it leaves a null entry behind). The file is
  // always empty, so truncating it changes nothing.
  leveldb::Status s = env->NewWritableFile(path, &raw);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("sync directory ", dir));
  std::unique_ptr<leveldb::WritableFile> f(raw);
  s = f->Sync();
  leveldb::Status c = f->Close();
  if (s.ok()) s = c;
  return FromLevelDb(s, absl::StrCat("sync directory ", dir));
}

absl::Status ReadWholeFile(Env* env, const std::string& path, std::string* out) {
  out->clear();
  // MemEnv reports a missing file as IOError; callers want NotFound.
  if (!env->FileExists(path))
    return absl::NotFoundError(absl::StrCat("open ", path, ": no such file"));
  uint64_t size = 0;
  leveldb::Status s = env->GetFileSize(path, &size);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("stat ", path));
  leveldb::SequentialFile* raw = nullptr;
  s = env->NewSequentialFile(path, &raw);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("open ", path));
  std::unique_ptr<leveldb::SequentialFile> f(raw);
  out->resize(size);
  size_t got = 0;
  while (got < size) {
    leveldb::Slice chunk;
    s = f->Read(size - got, &chunk, out->data() + got);
    if (!s.ok()) return FromLevelDb(s, absl::StrCat("read ", path));
    if (chunk.empty()) break;  // the file shrank since GetFileSize
    if (chunk.data() != out->data() + got) {
      std::copy(chunk.data(), chunk.data() + chunk.size(), out->data() + got);
    }
    got += chunk.size();
  }
  out->resize(got);
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(Env* env, const std::string& dir, const std::string& name,
                                 std::string_view data, bool no_fsync) {
  std::string path = JoinPath(dir, name);
  std::string tmp = path + std::string(kTempSuffix);
  leveldb::WritableFile* raw = nullptr;
  leveldb::Status s = env->NewWritableFile(tmp, &raw);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("create ", tmp));
  std::unique_ptr<leveldb::WritableFile> f(raw);
  s = f->Append(leveldb::Slice(data.data(), data.size()));
  if (s.ok()) s = no_fsync ? f->Flush() : f->Sync();
  leveldb::Status c = f->Close();
  if (s.ok()) s = c;
  f.reset();
  if (!s.ok()) {
    env->RemoveFile(tmp);  // best effort; a leftover .tmp is removed on the next open
    return FromLevelDb(s, absl::StrCat("write ", tmp));
  }
  s = env->RenameFile(tmp, path);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("rename ", tmp, " to ", path));
  if (!no_fsync) RETURN_IF_ERROR(SyncDir(env, dir));
  return absl::OkStatus();
}

}  // namespace etcd::wal
