#include "snapshot/backend_image.h"

#include "absl/strings/str_cat.h"
#include "storage/leveldb_backend.h"

namespace etcd::snapshot {

using storage::Bucket;

const std::string& AllBuckets() {
  // LevelDB order of the bucket bytes: 'A' < 'a' < 'c' < 'k' < 'l' < 'm' < 'r' < 'u' < 'v'.
  static const std::string kAll = [] {
    std::string b = {static_cast<char>(Bucket::kAlarm),     static_cast<char>(Bucket::kAuth),
                     static_cast<char>(Bucket::kMembers),   static_cast<char>(Bucket::kKey),
                     static_cast<char>(Bucket::kLease),     static_cast<char>(Bucket::kMeta),
                     static_cast<char>(Bucket::kAuthRoles), static_cast<char>(Bucket::kAuthUsers),
                     static_cast<char>(Bucket::kCluster)};
    return b;
  }();
  return kAll;
}

absl::StatusOr<std::unique_ptr<BackendImageReader>> BackendImageReader::Open(
    std::unique_ptr<storage::ReadView> view, size_t batch_bytes) {
  std::unique_ptr<BackendImageReader> r(new BackendImageReader(std::move(view), batch_bytes));
  for (auto [key, target] : {std::pair{storage::kConsistentIndexKey, &r->meta_.consistent_index},
                             std::pair{storage::kConsistentTermKey, &r->meta_.consistent_term}}) {
    ASSIGN_OR_RETURN(auto v, r->view_->Get(Bucket::kMeta, key));
    if (v.has_value() && !storage::DecodeUint64(*v, target)) {
      return absl::DataLossError(absl::StrCat("backend: malformed meta key ", std::string(key)));
    }
  }
  uint64_t records = 0;
  for (char b : AllBuckets()) {
    RETURN_IF_ERROR(
        r->view_->Scan(static_cast<Bucket>(b), "", "", [&](std::string_view k, std::string_view v) {
          records += RecordBytes(k.size(), v.size());
          return true;
        }));
  }
  r->image_bytes_ = snapshot::ImageBytes(records);
  r->enc_ = std::make_unique<ImageEncoder>(r->meta_);
  return r;
}

absl::Status BackendImageReader::Fill() {
  const std::string& buckets = AllBuckets();
  while (enc_->buffer()->size() < batch_bytes_ && bucket_idx_ < buckets.size()) {
    bool stopped = false;
    std::string last;
    const bool skip_first = resume_exclusive_;
    RETURN_IF_ERROR(view_->Scan(static_cast<Bucket>(buckets[bucket_idx_]), resume_key_, "",
                                [&](std::string_view k, std::string_view v) {
                                  if (skip_first && k == resume_key_) return true;
                                  enc_->AddRecord(buckets[bucket_idx_], k, v);
                                  if (enc_->buffer()->size() >= batch_bytes_) {
                                    last.assign(k);
                                    stopped = true;
                                    return false;
                                  }
                                  return true;
                                }));
    if (stopped) {
      resume_key_ = std::move(last);
      resume_exclusive_ = true;
    } else {
      ++bucket_idx_;
      resume_key_.clear();
      resume_exclusive_ = false;
    }
  }
  if (bucket_idx_ >= buckets.size() && !image_done_) {
    enc_->Finish();
    image_done_ = true;
    if (enc_->produced() != image_bytes_) {
      return absl::InternalError(absl::StrCat("snapshot: the read view changed between passes (",
                                              image_bytes_, " then ", enc_->produced(), " bytes)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> BackendImageReader::Next(size_t max) {
  if (max == 0) max = 1;
  if (!image_done_ || !enc_->buffer()->empty()) {
    if (enc_->buffer()->empty() || (!image_done_ && enc_->buffer()->size() < max)) {
      RETURN_IF_ERROR(Fill());
    }
    if (!enc_->buffer()->empty()) {
      std::string out = enc_->Take(max);
      sha_.Update(out);
      return out;
    }
  }
  if (!sha_computed_) {
    sha_computed_ = true;
    sha_tail_ = sha_.Final();
  }
  std::string out = sha_tail_.substr(0, max);
  sha_tail_.erase(0, out.size());
  return out;
}

}  // namespace etcd::snapshot
