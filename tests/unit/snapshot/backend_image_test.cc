#include "snapshot/backend_image.h"

#include <leveldb/helpers/memenv.h>

#include "gtest/gtest.h"
#include "snapshot/image_format.h"

namespace etcd::snapshot {
namespace {

using storage::Bucket;

class BackendImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    auto b = storage::Backend::Open(env_.get(), "/db");
    ASSERT_TRUE(b.ok()) << b.status();
    backend_ = std::move(*b);
  }
  std::string ReadAll(BackendImageReader* r, size_t chunk) {
    std::string out;
    for (;;) {
      auto c = r->Next(chunk);
      EXPECT_TRUE(c.ok()) << c.status();
      if (!c.ok() || c->empty()) return out;
      EXPECT_LE(c->size(), chunk);
      out += *c;
    }
  }
  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<storage::Backend> backend_;
};

TEST_F(BackendImageTest, ImageOfEveryBucketWithTrailingSha) {
  backend_->Put(Bucket::kKey, "rev1", "kv1");
  backend_->Put(Bucket::kLease, "lease", "l");
  backend_->Put(Bucket::kAlarm, "alarm", "");
  for (int i = 0; i < 2000; ++i)
    backend_->Put(Bucket::kKey, "r" + std::to_string(i), std::string(100, 'v'));
  ASSERT_TRUE(backend_->Commit(42, 5).ok());
  auto r = BackendImageReader::Open(backend_->NewReadView(), /*batch_bytes=*/4096);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->meta().consistent_index, 42u);
  EXPECT_EQ((*r)->meta().consistent_term, 5u);
  std::string all = ReadAll(r->get(), 32 * 1024);
  ASSERT_EQ(all.size(), (*r)->ImageBytes() + 32);
  auto split = SplitSavedFile(all);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(Sha256(split->image), split->sha256);
  std::string order;
  size_t n = 0;
  auto sum = ParseImage(split->image, [&](char b, std::string_view, std::string_view) {
    if (order.empty() || order.back() != b) order.push_back(b);
    ++n;
    return absl::OkStatus();
  });
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(order, "Aklm");  // alarm, key, lease, meta (consistent index/term)
  EXPECT_EQ(n, 2000u + 3 + 2);
}

TEST_F(BackendImageTest, WritesAfterOpenAreNotInTheImage) {
  backend_->Put(Bucket::kKey, "a", "1");
  ASSERT_TRUE(backend_->Commit(1, 1).ok());
  auto r = BackendImageReader::Open(backend_->NewReadView(), 64);
  ASSERT_TRUE(r.ok());
  backend_->Put(Bucket::kKey, "b", "2");
  backend_->Delete(Bucket::kKey, "a");
  ASSERT_TRUE(backend_->Commit(2, 1).ok());
  std::string all = ReadAll(r->get(), 7);  // odd chunk size
  auto split = SplitSavedFile(all);
  ASSERT_TRUE(split.ok());
  std::vector<std::string> keys;
  ASSERT_TRUE(ParseImage(split->image, [&](char b, std::string_view k, std::string_view) {
                if (b == 'k') keys.emplace_back(k);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(keys, std::vector<std::string>{"a"});
  EXPECT_EQ(split->sha256, Sha256(split->image));
}

}  // namespace
}  // namespace etcd::snapshot
