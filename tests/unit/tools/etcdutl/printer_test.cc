#include "tools/etcdutl/printer.h"

#include "gtest/gtest.h"

namespace etcd::etcdutl {
namespace {

TEST(PrinterTest, HumanizeLikeGoHumanize) {
  EXPECT_EQ(HumanizeBytes(0), "0 B");
  EXPECT_EQ(HumanizeBytes(9), "9 B");
  EXPECT_EQ(HumanizeBytes(20480), "20 kB");
  EXPECT_EQ(HumanizeBytes(24576), "25 kB");
  EXPECT_EQ(HumanizeBytes(2437120), "2.4 MB");
}

snapshot::ImageStatus Sample() {
  snapshot::ImageStatus st;
  st.hash = 0xa85f1ff2;
  st.revision = 43;
  st.total_keys = 53;
  st.total_size = 24576;
  st.version = "3.5.0";
  return st;
}

TEST(PrinterTest, SimpleJsonFields) {
  EXPECT_EQ(*FormatStatus(Sample(), "simple", false), "a85f1ff2, 43, 53, 25 kB\n");
  EXPECT_EQ(*FormatStatus(Sample(), "simple", true), "a85f1ff2, 43, 53, 25 kB, 3.5.0\n");
  EXPECT_EQ(*FormatStatus(Sample(), "json", false),
            "{\"hash\":2824806386,\"revision\":43,\"totalKey\":53,\"totalSize\":24576}\n");
  EXPECT_EQ(*FormatStatus(Sample(), "fields", true),
            "\"Hash\" : 2824806386\n\"Revision\" : 43\n\"Keys\" : 53\n\"Size\" : 24576\n"
            "\"Version\" : 3.5.0\n");
  EXPECT_FALSE(FormatStatus(Sample(), "yaml", false).ok());
}

TEST(PrinterTest, TableLikeEtcdctl) {
  EXPECT_EQ(*FormatStatus(Sample(), "table", false),
            "+----------+----------+------------+------------+\n"
            "|   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |\n"
            "+----------+----------+------------+------------+\n"
            "| a85f1ff2 |       43 |         53 |      25 kB |\n"
            "+----------+----------+------------+------------+\n");
}

}  // namespace
}  // namespace etcd::etcdutl
