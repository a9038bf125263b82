#include "snapshot/image_format.h"

#include <vector>

#include "gtest/gtest.h"

namespace etcd::snapshot {
namespace {

std::string Encode(const std::vector<std::tuple<char, std::string, std::string>>& recs,
                   ImageMeta meta = {7, 3}) {
  ImageEncoder e(meta);
  for (const auto& [b, k, v] : recs) e.AddRecord(b, k, v);
  e.Finish();
  return e.Take(SIZE_MAX);
}

TEST(ImageFormatTest, RoundTripAndSizes) {
  std::vector<std::tuple<char, std::string, std::string>> recs = {
      {'k', "key1", "value1"},
      {'k', std::string(300, 'x'), std::string(70000, 'y')},
      {'m', "consistent_index", std::string(8, '\0')}};
  std::string img = Encode(recs);
  uint64_t records = 0;
  for (const auto& [b, k, v] : recs) records += RecordBytes(k.size(), v.size());
  EXPECT_EQ(img.size(), ImageBytes(records));
  EXPECT_EQ(img.size() % kImageAlign, 0u);
  std::vector<std::tuple<char, std::string, std::string>> got;
  auto sum = ParseImage(img, [&](char b, std::string_view k, std::string_view v) {
    got.emplace_back(b, std::string(k), std::string(v));
    return absl::OkStatus();
  });
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(got, recs);
  EXPECT_EQ(sum->records, 3u);
  EXPECT_EQ(sum->meta.consistent_index, 7u);
  EXPECT_EQ(sum->meta.consistent_term, 3u);
}

TEST(ImageFormatTest, EmptyImageIsOneBlock) {
  std::string img = Encode({});
  EXPECT_EQ(img.size(), 512u);
  EXPECT_EQ(img.substr(0, 8), "ECPPSNAP");
  EXPECT_TRUE(ParseImage(img, nullptr).ok());
}

TEST(ImageFormatTest, EveryFlippedByteIsDetected) {
  std::string img = Encode({{'k', "a", "b"}, {'l', "lease", "data"}});
  for (size_t i = 0; i < img.size(); ++i) {
    std::string bad = img;
    bad[i] ^= 0x01;
    auto s = ParseImage(bad, nullptr);
    EXPECT_FALSE(s.ok()) << "flip at " << i;
  }
}

TEST(ImageFormatTest, TruncatedOrUnknownVersion) {
  std::string img = Encode({{'k', "a", "b"}});
  EXPECT_TRUE(absl::IsDataLoss(ParseImage(img.substr(0, 20), nullptr).status()));
  std::string v2 = img;
  v2[8] = 2;
  EXPECT_TRUE(absl::IsFailedPrecondition(ParseImage(v2, nullptr).status()));
}

TEST(ImageFormatTest, SplitSavedFileFindsTheHashAsEtcdDoes) {
  std::string img = Encode({{'k', "a", "b"}});
  std::string sha = Sha256(img);
  const std::string file = img + sha;  // SplitSavedFile returns views into it
  auto with = SplitSavedFile(file);
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->image, img);
  EXPECT_EQ(with->sha256, sha);
  auto without = SplitSavedFile(img);
  ASSERT_TRUE(without.ok());
  EXPECT_TRUE(without->sha256.empty());
  const std::string odd = img + "xyz";
  EXPECT_FALSE(SplitSavedFile(odd).ok());
}

TEST(ImageFormatTest, Sha256KnownAnswer) {
  // SHA-256("abc") (FIPS 180-2).
  std::string d = Sha256("abc");
  const unsigned char want[] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea};
  EXPECT_EQ(d.size(), 32u);
  EXPECT_EQ(d.substr(0, 8), std::string(reinterpret_cast<const char*>(want), 8));
  Sha256Hasher h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.Final(), d);
}

TEST(ImageFormatTest, TakeDrainsInPieces) {
  ImageEncoder e({});
  e.AddRecord('k', "k", std::string(1000, 'v'));
  e.Finish();
  std::string all;
  while (!e.buffer()->empty()) all += e.Take(100);
  EXPECT_EQ(all.size(), e.produced());
  EXPECT_TRUE(ParseImage(all, nullptr).ok());
}

}  // namespace
}  // namespace etcd::snapshot
