#include "server/alarm_store.h"

#include <gtest/gtest.h>
#include <leveldb/helpers/memenv.h>

namespace etcd::server {
namespace {

TEST(AlarmStoreTest, ActivateDeactivatePersist) {
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  auto be = storage::Backend::Open(env.get(), "/db");
  ASSERT_TRUE(be.ok());
  AlarmStore a;
  EXPECT_TRUE(a.Activate(7, etcdserverpb::NOSPACE, be->get()));
  EXPECT_FALSE(a.Activate(7, etcdserverpb::NOSPACE, be->get()));
  EXPECT_TRUE(a.Activate(3, etcdserverpb::CORRUPT, be->get()));
  EXPECT_TRUE(a.Has(etcdserverpb::NOSPACE));
  ASSERT_EQ(a.List().size(), 2u);
  EXPECT_EQ(a.List()[0].memberid(), 3u);
  EXPECT_EQ(a.List(etcdserverpb::NOSPACE).size(), 1u);
  ASSERT_TRUE((*be)->Commit(1, 1).ok());

  AlarmStore r;
  ASSERT_TRUE(r.Recover(**be).ok());
  EXPECT_EQ(r.List().size(), 2u);
  EXPECT_TRUE(r.Deactivate(7, etcdserverpb::NOSPACE, be->get()));
  EXPECT_FALSE(r.Deactivate(7, etcdserverpb::NOSPACE, be->get()));
  EXPECT_FALSE(r.Has(etcdserverpb::NOSPACE));
  ASSERT_TRUE((*be)->Commit(2, 1).ok());
  AlarmStore r2;
  ASSERT_TRUE(r2.Recover(**be).ok());
  EXPECT_EQ(r2.List().size(), 1u);
}

}  // namespace
}  // namespace etcd::server
