#include <gtest/gtest.h>

#include <sstream>

#include "tools/etcdctl/commands.h"

namespace etcd::etcdctl {
namespace {

using namespace etcdserverpb;  // NOLINT

int ExitCodeOf(const std::function<void()>& f, std::string* msg = nullptr) {
  try {
    f();
  } catch (const CtlExit& e) {
    if (msg != nullptr) *msg = e.message;
    return e.code;
  }
  return 0;
}

TEST(TxnParseTest, Argify) {
  EXPECT_EQ(Argify("put k v"), (std::vector<std::string>{"put", "k", "v"}));
  EXPECT_EQ(Argify("put \"a b\" 'c d'"), (std::vector<std::string>{"put", "a b", "c d"}));
  EXPECT_EQ(Argify("put \"x\\ny\" z"), (std::vector<std::string>{"put", "x\ny", "z"}));
}

TEST(TxnParseTest, Compares) {
  Compare c = ParseCompare("mod(\"foo\") > \"0\"");
  EXPECT_EQ(c.key(), "foo");
  EXPECT_EQ(c.target(), Compare::MOD);
  EXPECT_EQ(c.result(), Compare::GREATER);
  EXPECT_EQ(c.mod_revision(), 0);
  Compare v = ParseCompare("value(\"user1\") = \"bad\"");
  EXPECT_EQ(v.target(), Compare::VALUE);
  EXPECT_EQ(v.value(), "bad");
  Compare n = ParseCompare("ver(\"a\") != \"3\"");
  EXPECT_EQ(n.result(), Compare::NOT_EQUAL);
  EXPECT_EQ(n.version(), 3);
  std::string msg;
  EXPECT_EQ(ExitCodeOf([] { ParseCompare("bogus"); }, &msg), kExitInvalidInput);
  EXPECT_EQ(msg, "malformed comparison: bogus");
  EXPECT_EQ(ExitCodeOf([] { ParseCompare("version(\"a\") = \"x\""); }, &msg), kExitInvalidInput);
  EXPECT_EQ(msg, "invalid txn compare request: version(\"a\") = \"x\"");
  EXPECT_EQ(ExitCodeOf([] { ParseCompare("foo(\"a\") = \"x\""); }, &msg), kExitInvalidInput);
  EXPECT_EQ(msg, "malformed comparison: foo(\"a\") = \"x\" (unknown target foo)");
}

TEST(TxnParseTest, RequestOps) {
  std::istringstream in;
  RequestOp p = ParseRequestOp("put k v --prev-kv", in);
  EXPECT_EQ(p.request_put().key(), "k");
  EXPECT_EQ(p.request_put().value(), "v");
  EXPECT_TRUE(p.request_put().prev_kv());
  RequestOp g = ParseRequestOp("get a --prefix", in);
  EXPECT_EQ(g.request_range().key(), "a");
  EXPECT_EQ(g.request_range().range_end(), "b");
  RequestOp d = ParseRequestOp("del a z", in);
  EXPECT_EQ(d.request_delete_range().range_end(), "z");
  std::string msg;
  EXPECT_EQ(ExitCodeOf([&] { ParseRequestOp("bogus a b", in); }, &msg), kExitInvalidInput);
  EXPECT_EQ(msg, "invalid txn request: bogus a b");
  EXPECT_EQ(ExitCodeOf([&] { ParseRequestOp("put", in); }, &msg), kExitInvalidInput);
  EXPECT_EQ(msg, "invalid txn compare request: put");
}

FlagSet GetFlags(std::vector<std::string> args) {
  auto cmd = NewGetCommand();
  FlagSet f = cmd->flags;
  EXPECT_TRUE(f.Parse(args).ok());
  return f;
}

TEST(KvOpsTest, GetOptions) {
  FlagSet f = GetFlags({"--prefix", "--limit=2", "--sort-by=MODIFY", "--order=DESCEND"});
  RangeRequest r = GetOp(f, {"foo"});
  EXPECT_EQ(r.key(), "foo");
  EXPECT_EQ(r.range_end(), "fop");
  EXPECT_EQ(r.limit(), 2);
  EXPECT_EQ(r.sort_target(), RangeRequest::MOD);
  EXPECT_EQ(r.sort_order(), RangeRequest::DESCEND);
  // KEY + ASCEND is sent as no sort, as clientv3 does.
  RangeRequest k = GetOp(GetFlags({"--order=ascend"}), {"a"});
  EXPECT_EQ(k.sort_order(), RangeRequest::NONE);
  RangeRequest all = GetOp(GetFlags({"--prefix"}), {""});
  EXPECT_EQ(all.key(), std::string(1, '\0'));
  EXPECT_EQ(all.range_end(), std::string(1, '\0'));
  std::string msg;
  EXPECT_EQ(ExitCodeOf(
                [] {
                  GetOp(GetFlags({"--prefix", "--from-key"}), {"a"});
                },
                &msg),
            kExitBadArgs);
  EXPECT_EQ(msg, "`--prefix` and `--from-key` cannot be set at the same time, choose one");
  EXPECT_EQ(ExitCodeOf([] { GetOp(GetFlags({"--consistency=x"}), {"a"}); }, &msg), kExitBadFeature);
  EXPECT_EQ(msg, "unknown consistency flag \"x\"");
  EXPECT_EQ(ExitCodeOf([] { GetOp(GetFlags({"--order=BAD"}), {"a"}); }, &msg), kExitBadFeature);
  EXPECT_EQ(msg, "bad sort order BAD");
}

TEST(KvOpsTest, PutReadsStdinAndLease) {
  auto cmd = NewPutCommand();
  FlagSet f = cmd->flags;
  ASSERT_TRUE(f.Parse({"--lease=1234abcd"}).ok());
  std::istringstream in("from stdin");
  PutRequest p = PutOp(f, {"k"}, in);
  EXPECT_EQ(p.value(), "from stdin");
  EXPECT_EQ(p.lease(), 0x1234abcd);
  std::istringstream empty;
  std::string msg;
  EXPECT_EQ(ExitCodeOf([&] { PutOp(cmd->flags, {"k"}, empty); }, &msg), kExitBadArgs);
  EXPECT_EQ(msg, "put command needs 1 argument and input from stdin or 2 arguments");
}

}  // namespace
}  // namespace etcd::etcdctl
