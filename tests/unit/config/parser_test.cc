#include "config/parser.h"

#include <gtest/gtest.h>

namespace etcd::config {
namespace {

TEST(ParseSmoke, Defaults) {
  auto r = Parse({}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.name, "default");
  EXPECT_EQ(r->config.data_dir, "default.etcd");
}

}  // namespace
}  // namespace etcd::config
