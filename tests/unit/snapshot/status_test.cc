#include "snapshot/status.h"

#include "gtest/gtest.h"
#include "snapshot/image_format.h"

namespace etcd::snapshot {
namespace {

std::string Rev(int64_t main) {
  std::string k(17, '\0');
  for (int i = 0; i < 8; ++i) k[i] = static_cast<char>((main >> (56 - 8 * i)) & 0xff);
  k[8] = '_';
  return k;
}

TEST(StatusTest, RevisionKeysSizeAndStableHash) {
  ImageEncoder e({});
  e.AddRecord('k', Rev(2), "a");
  e.AddRecord('k', Rev(9), "b");
  e.AddRecord('m', "consistent_index", std::string(8, '\0'));
  e.Finish();
  std::string img = e.Take(SIZE_MAX);
  auto st = StatusOfFile(img + Sha256(img));
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->revision, 9);
  EXPECT_EQ(st->total_keys, 3);
  EXPECT_EQ(st->total_size, static_cast<int64_t>(img.size()));
  EXPECT_EQ(st->version, "3.5.0");
  auto again = StatusOfFile(img);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->hash, st->hash);
}

TEST(StatusTest, CorruptImageGivesEtcdsIntegrityText) {
  ImageEncoder e({});
  e.AddRecord('k', Rev(2), "a");
  e.Finish();
  std::string img = e.Take(SIZE_MAX);
  img[40] ^= 0x20;
  auto st = StatusOfFile(img);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(std::string(st.status().message())
                .rfind("snapshot file integrity check failed. 1 errors found.\n", 0),
            0u)
      << st.status();
}

TEST(StatusTest, MissingFileReadsAsGoWordsIt) {
  auto r = ReadWholeFile("/nonexistent/snap.db");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "open /nonexistent/snap.db: no such file or directory");
}

}  // namespace
}  // namespace etcd::snapshot
