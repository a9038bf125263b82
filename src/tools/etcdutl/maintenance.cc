#include "tools/etcdutl/maintenance.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "snapshot/backend_image.h"
#include "storage/backend.h"

namespace etcd::etcdutl {
namespace fs = std::filesystem;

absl::Status DefragData(Env* env, const std::string& data_dir) {
  std::error_code ec;
  const std::string db = data_dir + "/member/db";
  if (!fs::is_directory(db, ec)) {
    return absl::NotFoundError(
        absl::StrCat("cannot open database at ", db, ": no such file or directory"));
  }
  storage::BackendOptions o;
  o.create_if_missing = false;
  ASSIGN_OR_RETURN(auto backend, storage::Backend::Open(env, db, o));
  return backend->Defragment();
}

namespace {

absl::Status CopyTree(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return absl::InternalError(absl::StrCat("mkdir ", to, ": ", ec.message()));
  for (const auto& e : fs::directory_iterator(from, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name == "LOCK") continue;
    fs::copy_file(e.path(), fs::path(to) / name, fs::copy_options::overwrite_existing, ec);
    if (ec)
      return absl::InternalError(absl::StrCat("copy ", e.path().string(), ": ", ec.message()));
  }
  if (ec) return absl::NotFoundError(absl::StrCat("open ", from, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

absl::Status BackupData(Env* env, const std::string& data_dir, const std::string& wal_dir_in,
                        const std::string& backup_dir, const std::string& backup_wal_in) {
  std::error_code ec;
  const std::string wal_dir = wal_dir_in.empty() ? data_dir + "/member/wal" : wal_dir_in;
  const std::string backup_wal = backup_wal_in.empty() ? backup_dir + "/member/wal" : backup_wal_in;
  const std::string db = data_dir + "/member/db";
  const std::string backup_db = backup_dir + "/member/db";
  if (!fs::is_directory(db, ec)) {
    return absl::NotFoundError(absl::StrCat("open ", db, ": no such file or directory"));
  }
  if (fs::exists(backup_db, ec) || fs::exists(backup_wal, ec)) {
    return absl::AlreadyExistsError(absl::StrCat("backup-dir \"", backup_dir, "\" exists"));
  }
  {
    storage::BackendOptions o;
    o.create_if_missing = false;
    ASSIGN_OR_RETURN(auto src, storage::Backend::Open(env, db, o));
    fs::create_directories(backup_dir + "/member", ec);
    ASSIGN_OR_RETURN(auto dst, storage::Backend::Open(env, backup_db));
    auto view = src->NewReadView();
    size_t pending = 0;
    absl::Status inner = absl::OkStatus();
    for (char b : snapshot::AllBuckets()) {
      RETURN_IF_ERROR(view->Scan(
          static_cast<storage::Bucket>(b), "", "", [&](std::string_view k, std::string_view v) {
            dst->Put(static_cast<storage::Bucket>(b), k, v);
            pending += k.size() + v.size();
            if (pending > (8 << 20)) {
              pending = 0;
              inner = dst->Commit(src->ConsistentIndex(), src->ConsistentTerm());
              return inner.ok();
            }
            return true;
          }));
      RETURN_IF_ERROR(inner);
    }
    RETURN_IF_ERROR(dst->CommitSync(src->ConsistentIndex(), src->ConsistentTerm()));
  }
  RETURN_IF_ERROR(CopyTree(wal_dir, backup_wal));
  if (fs::is_directory(data_dir + "/member/snap", ec)) {
    RETURN_IF_ERROR(CopyTree(data_dir + "/member/snap", backup_dir + "/member/snap"));
  }
  return absl::OkStatus();
}

}  // namespace etcd::etcdutl
