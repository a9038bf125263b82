#include "snapshot/image_format.h"

#include <openssl/evp.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/crc32c.h"

namespace etcd::snapshot {
namespace {

size_t VarintBytes(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// Reads a varint at *pos; false when truncated or longer than 5 bytes (lengths < 4 GiB).
bool GetVarint(std::string_view in, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (*pos >= in.size()) return false;
    uint8_t b = static_cast<uint8_t>(in[(*pos)++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

absl::Status Corrupt(size_t offset, absl::string_view why) {
  return absl::DataLossError(absl::StrCat("offset ", offset, ": ", why));
}

}  // namespace

size_t RecordBytes(size_t key_len, size_t value_len) {
  return 2 + VarintBytes(key_len) + key_len + VarintBytes(value_len) + value_len;
}

uint64_t ImageBytes(uint64_t records_bytes) {
  uint64_t n = kImageHeaderBytes + records_bytes + kEndBytes;
  return (n + kImageAlign - 1) / kImageAlign * kImageAlign;
}

ImageEncoder::ImageEncoder(const ImageMeta& meta) {
  std::string h(kImageMagic, sizeof(kImageMagic));
  PutFixed32(&h, kImageVersion);
  PutFixed32(&h, 0);
  PutFixed64(&h, meta.consistent_index);
  PutFixed64(&h, meta.consistent_term);
  Append(h);
}

void ImageEncoder::Append(std::string_view bytes) {
  crc_ = crc32c::Extend(crc_, bytes.data(), bytes.size());
  buf_.append(bytes);
}

void ImageEncoder::AddRecord(char bucket, std::string_view key, std::string_view value) {
  std::string head;
  head.push_back(kRecordTag);
  head.push_back(bucket);
  PutVarint(&head, key.size());
  Append(head);
  Append(key);
  head.clear();
  PutVarint(&head, value.size());
  Append(head);
  Append(value);
  ++records_;
}

void ImageEncoder::Finish() {
  if (finished_) return;
  finished_ = true;
  std::string end;
  end.push_back(kEndTag);
  PutFixed64(&end, records_);
  Append(end);
  PutFixed32(&buf_, crc32c::Mask(crc_));
  uint64_t total = produced();
  uint64_t padded = (total + kImageAlign - 1) / kImageAlign * kImageAlign;
  buf_.append(padded - total, '\0');
}

std::string ImageEncoder::Take(size_t max) {
  if (buf_.size() <= max) {
    produced_ += buf_.size();
    return std::exchange(buf_, std::string());
  }
  std::string out = buf_.substr(0, max);
  buf_.erase(0, max);
  produced_ += max;
  return out;
}

absl::StatusOr<ImageSummary> ParseImage(std::string_view image, const RecordFn& fn) {
  ImageSummary sum;
  sum.image_bytes = image.size();
  if (image.size() < kImageHeaderBytes + kEndBytes + 4) {
    return Corrupt(0, "file too short for a snapshot image");
  }
  if (image.size() % kImageAlign != 0) {
    return Corrupt(image.size(), "image size is not a multiple of 512");
  }
  if (std::memcmp(image.data(), kImageMagic, sizeof(kImageMagic)) != 0) {
    return Corrupt(0, "bad magic (not an etcd-cpp snapshot image)");
  }
  uint32_t version = GetFixed32(image.data() + 8);
  if (version != kImageVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "unsupported snapshot image version ", version, " (this build reads ", kImageVersion, ")"));
  }
  if (GetFixed32(image.data() + 12) != 0) return Corrupt(12, "reserved header field is not 0");
  sum.meta.consistent_index = GetFixed64(image.data() + 16);
  sum.meta.consistent_term = GetFixed64(image.data() + 24);
  size_t pos = kImageHeaderBytes;
  for (;;) {
    if (pos >= image.size()) return Corrupt(pos, "missing end record");
    size_t rec_start = pos;
    char tag = image[pos++];
    if (tag == kEndTag) {
      if (pos + 12 > image.size()) return Corrupt(rec_start, "truncated end record");
      uint64_t count = GetFixed64(image.data() + pos);
      pos += 8;
      uint32_t want = crc32c::Unmask(GetFixed32(image.data() + pos));
      uint32_t got = crc32c::Value(image.data(), pos);
      if (want != got) return Corrupt(pos, "CRC mismatch");
      if (count != sum.records) {
        return Corrupt(rec_start,
                       absl::StrCat("end record counts ", count, " records, found ", sum.records));
      }
      pos += 4;
      for (size_t i = pos; i < image.size(); ++i) {
        if (image[i] != '\0') return Corrupt(i, "non-zero padding");
      }
      if (image.size() - pos >= kImageAlign) return Corrupt(pos, "padding longer than 511 bytes");
      return sum;
    }
    if (tag != kRecordTag) return Corrupt(rec_start, "unknown record tag");
    if (pos >= image.size()) return Corrupt(rec_start, "truncated record");
    char bucket = image[pos++];
    uint64_t klen = 0, vlen = 0;
    if (!GetVarint(image, &pos, &klen) || klen > image.size() - pos) {
      return Corrupt(rec_start, "bad key length");
    }
    std::string_view key = image.substr(pos, klen);
    pos += klen;
    if (!GetVarint(image, &pos, &vlen) || vlen > image.size() - pos) {
      return Corrupt(rec_start, "bad value length");
    }
    std::string_view value = image.substr(pos, vlen);
    pos += vlen;
    ++sum.records;
    if (fn) RETURN_IF_ERROR(fn(bucket, key, value));
  }
}

absl::StatusOr<SplitFile> SplitSavedFile(std::string_view file) {
  SplitFile out;
  if (file.size() % kImageAlign == kSha256Bytes) {
    out.image = file.substr(0, file.size() - kSha256Bytes);
    out.sha256 = file.substr(file.size() - kSha256Bytes);
  } else if (file.size() % kImageAlign == 0) {
    out.image = file;
  } else {
    return Corrupt(file.size(),
                   absl::StrCat("file size ", file.size(), " is neither n*512 nor n*512+32 bytes"));
  }
  return out;
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}
Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256Hasher::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}
std::string Sha256Hasher::Final() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n);
  return std::string(reinterpret_cast<const char*>(md), n);
}

std::string Sha256(std::string_view data) {
  Sha256Hasher h;
  h.Update(data);
  return h.Final();
}

}  // namespace etcd::snapshot
