#include "snapshot/status.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/crc32c.h"
#include "snapshot/image_format.h"
#include "storage/backend.h"

namespace etcd::snapshot {

std::string IntegrityError(absl::string_view detail) {
  return absl::StrCat("snapshot file integrity check failed. 1 errors found.\n", detail);
}

absl::StatusOr<ImageStatus> StatusOfFile(std::string_view file) {
  auto split = SplitSavedFile(file);
  if (!split.ok()) return absl::FailedPreconditionError(IntegrityError(split.status().message()));
  ImageStatus st;
  st.version = "3.5.0";
  int last_bucket = -1;
  uint32_t crc = 0;
  const char key_bucket = static_cast<char>(storage::Bucket::kKey);
  auto parsed = ParseImage(split->image, [&](char bucket, std::string_view k, std::string_view v) {
    if (static_cast<int>(static_cast<uint8_t>(bucket)) != last_bucket) {
      last_bucket = static_cast<uint8_t>(bucket);
      crc = crc32c::Extend(crc, &bucket, 1);
    }
    crc = crc32c::Extend(crc, k.data(), k.size());
    crc = crc32c::Extend(crc, v.data(), v.size());
    if (bucket == key_bucket && k.size() >= 8) {
      uint64_t main = 0;
      for (int i = 0; i < 8; ++i) main = (main << 8) | static_cast<uint8_t>(k[i]);
      st.revision = static_cast<int64_t>(main);
    }
    ++st.total_keys;
    return absl::OkStatus();
  });
  if (!parsed.ok()) {
    if (absl::IsDataLoss(parsed.status())) {
      return absl::FailedPreconditionError(IntegrityError(parsed.status().message()));
    }
    return parsed.status();
  }
  st.hash = crc;
  st.total_size = static_cast<int64_t>(split->image.size());
  return st;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int e = errno;
    std::string why = e == ENOENT ? "no such file or directory" : std::strerror(e);
    if (e == EACCES) why = "permission denied";
    return absl::NotFoundError(absl::StrCat("open ", path, ": ", why));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat("read ", path, ": I/O error"));
  return std::move(ss).str();
}

}  // namespace etcd::snapshot
