#include "auth/permission.h"

#include <gtest/gtest.h>

#include "common/errors.h"

namespace etcd::auth {
namespace {

using errors::Err;

const std::string kOpen(1, '\0');

void AddPerm(authpb::Role* r, authpb::Permission::Type t, std::string key, std::string end) {
  auto* p = r->add_keypermission();
  p->set_permtype(t);
  p->set_key(std::move(key));
  p->set_range_end(std::move(end));
}

// Users: root (root role), alice (reader: READ foo, READWRITE [pub/, pub0)), bob (no
// role), wally (writer: WRITE w). Auth enabled at revision 5.
AuthState MakeState() {
  AuthState s;
  s.enabled = true;
  s.revision = 5;
  authpb::Role reader;
  reader.set_name("reader");
  AddPerm(&reader, authpb::Permission::READ, "foo", "");
  AddPerm(&reader, authpb::Permission::READWRITE, "pub/", "pub0");
  s.roles["reader"] = reader;
  authpb::Role writer;
  writer.set_name("writer");
  AddPerm(&writer, authpb::Permission::WRITE, "w", "");
  s.roles["writer"] = writer;
  authpb::User root, alice, bob, wally;
  root.set_name("root");
  root.add_roles("root");
  alice.set_name("alice");
  alice.add_roles("reader");
  bob.set_name("bob");
  wally.set_name("wally");
  wally.add_roles("writer");
  s.users["root"] = root;
  s.users["alice"] = alice;
  s.users["bob"] = bob;
  s.users["wally"] = wally;
  s.RebuildPerms();
  return s;
}

AuthInfo As(const std::string& user, uint64_t rev = 5) { return AuthInfo{user, rev}; }

serverpb::InternalRaftRequest PutReq(const std::string& key, int64_t lease = 0,
                                     bool prev_kv = false) {
  serverpb::InternalRaftRequest r;
  r.mutable_put()->set_key(key);
  r.mutable_put()->set_lease(lease);
  r.mutable_put()->set_prev_kv(prev_kv);
  return r;
}

LeaseKeysFn Leases(std::map<int64_t, std::vector<std::string>> m) {
  return [m](int64_t id) {
    auto it = m.find(id);
    return it == m.end() ? std::vector<std::string>{} : it->second;
  };
}

TEST(PermissionTest, DisabledAllowsEverything) {
  AuthState s = MakeState();
  s.enabled = false;
  EXPECT_TRUE(IsAdminPermitted(s, nullptr).ok());
  EXPECT_TRUE(IsRangePermitted(s, AuthInfo{}, "x", "").ok());
  EXPECT_TRUE(CheckRaftRequest(s, AuthInfo{}, PutReq("x"), nullptr).ok());
}

TEST(PermissionTest, NoIdentityIsUserEmpty) {
  AuthState s = MakeState();
  EXPECT_TRUE(errors::Is(IsRangePermitted(s, AuthInfo{}, "foo", ""), Err::kUserEmpty));
  EXPECT_TRUE(errors::Is(IsPutPermitted(s, AuthInfo{}, "pub/x"), Err::kUserEmpty));
  EXPECT_TRUE(errors::Is(IsAdminPermitted(s, nullptr), Err::kUserEmpty));
  AuthInfo none;
  EXPECT_TRUE(errors::Is(IsAdminPermitted(s, &none), Err::kUserEmpty));
}

TEST(PermissionTest, OldRevisionIsRefused) {
  AuthState s = MakeState();
  EXPECT_TRUE(errors::Is(IsRangePermitted(s, As("alice", 4), "foo", ""), Err::kAuthOldRevision));
  EXPECT_TRUE(errors::Is(IsRangePermitted(s, As("root", 4), "foo", ""), Err::kAuthOldRevision));
  EXPECT_TRUE(IsRangePermitted(s, As("alice", 6), "foo", "").ok());
}

TEST(PermissionTest, RootMayDoEverything) {
  AuthState s = MakeState();
  EXPECT_TRUE(IsRangePermitted(s, As("root"), "", kOpen).ok());
  EXPECT_TRUE(IsPutPermitted(s, As("root"), "anything").ok());
  AuthInfo root = As("root");
  EXPECT_TRUE(IsAdminPermitted(s, &root).ok());
}

TEST(PermissionTest, UnknownUserIsDenied) {
  AuthState s = MakeState();
  EXPECT_TRUE(errors::Is(IsRangePermitted(s, As("ghost"), "foo", ""), Err::kPermissionDenied));
  AuthInfo ghost = As("ghost");
  EXPECT_TRUE(errors::Is(IsAdminPermitted(s, &ghost), Err::kUserNotFound));
}

TEST(PermissionTest, ReadAndWriteRanges) {
  AuthState s = MakeState();
  AuthInfo alice = As("alice");
  EXPECT_TRUE(IsRangePermitted(s, alice, "foo", "").ok());
  EXPECT_TRUE(errors::Is(IsPutPermitted(s, alice, "foo"), Err::kPermissionDenied));
  EXPECT_TRUE(IsPutPermitted(s, alice, "pub/x").ok());
  EXPECT_TRUE(IsRangePermitted(s, alice, "pub/", "pub0").ok());
  EXPECT_TRUE(errors::Is(IsRangePermitted(s, alice, "pub/", kOpen), Err::kPermissionDenied));
  EXPECT_TRUE(errors::Is(IsRangePermitted(s, alice, "fo", "fop"), Err::kPermissionDenied));
  EXPECT_TRUE(IsDeleteRangePermitted(s, alice, "pub/a", "pub/z").ok());
  EXPECT_TRUE(errors::Is(IsDeleteRangePermitted(s, alice, "foo", ""), Err::kPermissionDenied));
  AuthInfo bob = As("bob");
  EXPECT_TRUE(errors::Is(IsRangePermitted(s, bob, "foo", ""), Err::kPermissionDenied));
  AuthInfo wally = As("wally");
  EXPECT_TRUE(IsPutPermitted(s, wally, "w").ok());
  EXPECT_TRUE(errors::Is(IsRangePermitted(s, wally, "w", ""), Err::kPermissionDenied));
}

TEST(PermissionTest, AdminOnlyForRoot) {
  AuthState s = MakeState();
  AuthInfo alice = As("alice");
  EXPECT_TRUE(errors::Is(IsAdminPermitted(s, &alice), Err::kPermissionDenied));
  for (int kind = 0; kind < 13; ++kind) {
    serverpb::InternalRaftRequest r;
    switch (kind) {
      case 0:
        r.mutable_auth_enable();
        break;
      case 1:
        r.mutable_auth_disable();
        break;
      case 2:
        r.mutable_auth_user_add()->set_name("x");
        break;
      case 3:
        r.mutable_auth_user_delete()->set_name("x");
        break;
      case 4:
        r.mutable_auth_user_change_password()->set_name("alice");
        break;
      case 5:
        r.mutable_auth_user_grant_role()->set_user("alice");
        break;
      case 6:
        r.mutable_auth_user_revoke_role()->set_name("alice");
        break;
      case 7:
        r.mutable_auth_role_add()->set_name("x");
        break;
      case 8:
        r.mutable_auth_role_grant_permission()->set_name("reader");
        break;
      case 9:
        r.mutable_auth_role_revoke_permission()->set_role("reader");
        break;
      case 10:
        r.mutable_auth_role_delete()->set_role("reader");
        break;
      case 11:
        r.mutable_auth_user_list();
        break;
      case 12:
        r.mutable_auth_role_list();
        break;
    }
    SCOPED_TRACE(kind);
    EXPECT_TRUE(NeedsAdmin(r));
    EXPECT_TRUE(errors::Is(CheckRaftRequest(s, alice, r, nullptr), Err::kPermissionDenied));
    EXPECT_TRUE(errors::Is(CheckRaftRequest(s, AuthInfo{}, r, nullptr), Err::kUserEmpty));
    EXPECT_TRUE(CheckRaftRequest(s, As("root"), r, nullptr).ok());
  }
}

TEST(PermissionTest, UserGetSelfAndRoleGetOwnRole) {
  AuthState s = MakeState();
  serverpb::InternalRaftRequest r;
  r.mutable_auth_user_get()->set_name("alice");
  EXPECT_TRUE(CheckRaftRequest(s, As("alice"), r, nullptr).ok());
  EXPECT_TRUE(errors::Is(CheckRaftRequest(s, As("bob"), r, nullptr), Err::kPermissionDenied));
  EXPECT_TRUE(CheckRaftRequest(s, As("root"), r, nullptr).ok());
  serverpb::InternalRaftRequest g;
  g.mutable_auth_role_get()->set_role("reader");
  EXPECT_TRUE(CheckRaftRequest(s, As("alice"), g, nullptr).ok());
  EXPECT_TRUE(errors::Is(CheckRaftRequest(s, As("wally"), g, nullptr), Err::kPermissionDenied));
  EXPECT_TRUE(CheckRaftRequest(s, As("root"), g, nullptr).ok());
}

TEST(PermissionTest, PutNeedsWriteAndPrevKvNeedsRead) {
  AuthState s = MakeState();
  EXPECT_TRUE(CheckRaftRequest(s, As("alice"), PutReq("pub/x"), nullptr).ok());
  EXPECT_TRUE(
      errors::Is(CheckRaftRequest(s, As("alice"), PutReq("foo"), nullptr), Err::kPermissionDenied));
  EXPECT_TRUE(CheckRaftRequest(s, As("wally"), PutReq("w"), nullptr).ok());
  EXPECT_TRUE(errors::Is(CheckRaftRequest(s, As("wally"), PutReq("w", 0, true), nullptr),
                         Err::kPermissionDenied));
}

TEST(PermissionTest, LeaseKeysNeedWrite) {
  AuthState s = MakeState();
  auto leases = Leases({{1, {"pub/a", "pub/b"}}, {2, {"pub/a", "secret"}}});
  EXPECT_TRUE(CheckRaftRequest(s, As("alice"), PutReq("pub/c", 1), leases).ok());
  EXPECT_TRUE(errors::Is(CheckRaftRequest(s, As("alice"), PutReq("pub/c", 2), leases),
                         Err::kPermissionDenied));
  serverpb::InternalRaftRequest rev;
  rev.mutable_lease_revoke()->set_id(1);
  EXPECT_TRUE(CheckRaftRequest(s, As("alice"), rev, leases).ok());
  rev.mutable_lease_revoke()->set_id(2);
  EXPECT_TRUE(errors::Is(CheckRaftRequest(s, As("alice"), rev, leases), Err::kPermissionDenied));
  rev.mutable_lease_revoke()->set_id(3);  // no keys
  EXPECT_TRUE(CheckRaftRequest(s, As("bob"), rev, leases).ok());
}

TEST(PermissionTest, DeleteRange) {
  AuthState s = MakeState();
  serverpb::InternalRaftRequest r;
  r.mutable_delete_range()->set_key("pub/");
  r.mutable_delete_range()->set_range_end("pub0");
  EXPECT_TRUE(CheckRaftRequest(s, As("alice"), r, nullptr).ok());
  r.mutable_delete_range()->set_range_end(kOpen);
  EXPECT_TRUE(errors::Is(CheckRaftRequest(s, As("alice"), r, nullptr), Err::kPermissionDenied));
  serverpb::InternalRaftRequest w;
  w.mutable_delete_range()->set_key("w");
  EXPECT_TRUE(CheckRaftRequest(s, As("wally"), w, nullptr).ok());
  w.mutable_delete_range()->set_prev_kv(true);
  EXPECT_TRUE(errors::Is(CheckRaftRequest(s, As("wally"), w, nullptr), Err::kPermissionDenied));
}

TEST(PermissionTest, TxnComparesAndEveryOp) {
  AuthState s = MakeState();
  AuthInfo alice = As("alice");
  etcdserverpb::TxnRequest t;
  auto* c = t.add_compare();
  c->set_key("foo");
  t.add_success()->mutable_request_put()->set_key("pub/x");
  t.add_failure()->mutable_request_range()->set_key("foo");
  EXPECT_TRUE(CheckTxn(s, alice, t).ok());

  etcdserverpb::TxnRequest bad_cmp = t;
  bad_cmp.mutable_compare(0)->set_key("secret");
  EXPECT_TRUE(errors::Is(CheckTxn(s, alice, bad_cmp), Err::kPermissionDenied));

  etcdserverpb::TxnRequest bad_failure = t;  // even the branch not taken is checked
  bad_failure.add_failure()->mutable_request_delete_range()->set_key("foo");
  EXPECT_TRUE(errors::Is(CheckTxn(s, alice, bad_failure), Err::kPermissionDenied));

  etcdserverpb::TxnRequest nested = t;
  auto* inner = nested.add_success()->mutable_request_txn();
  inner->add_success()->mutable_request_put()->set_key("foo");
  EXPECT_TRUE(errors::Is(CheckTxn(s, alice, nested), Err::kPermissionDenied));

  etcdserverpb::TxnRequest prev = t;
  prev.mutable_success(0)->mutable_request_put()->set_prev_kv(true);
  EXPECT_TRUE(CheckTxn(s, alice, prev).ok());  // alice can read pub/
  etcdserverpb::TxnRequest wprev;
  wprev.add_success()->mutable_request_put()->set_key("w");
  EXPECT_TRUE(CheckTxn(s, As("wally"), wprev).ok());
  wprev.mutable_success(0)->mutable_request_put()->set_prev_kv(true);
  EXPECT_TRUE(errors::Is(CheckTxn(s, As("wally"), wprev), Err::kPermissionDenied));

  serverpb::InternalRaftRequest r;
  *r.mutable_txn() = bad_cmp;
  EXPECT_TRUE(errors::Is(CheckRaftRequest(s, alice, r, nullptr), Err::kPermissionDenied));
}

TEST(PermissionTest, RequestsWithoutKeysPass) {
  AuthState s = MakeState();
  serverpb::InternalRaftRequest grant;
  grant.mutable_lease_grant()->set_ttl(10);
  EXPECT_TRUE(CheckRaftRequest(s, AuthInfo{}, grant, nullptr).ok());
  serverpb::InternalRaftRequest compact;
  compact.mutable_compaction()->set_revision(1);  // etcd 3.4 does not check compaction
  EXPECT_TRUE(CheckRaftRequest(s, As("bob"), compact, nullptr).ok());
  serverpb::InternalRaftRequest authn;
  authn.mutable_authenticate()->set_name("alice");
  EXPECT_TRUE(CheckRaftRequest(s, AuthInfo{}, authn, nullptr).ok());
}

TEST(PermissionTest, AuthPackageErrors) {
  EXPECT_TRUE(errors::Is(AsAuthPackageError(errors::Make(Err::kPermissionDenied)),
                         Err::kAuthRawPermissionDenied));
  EXPECT_EQ(AsAuthPackageError(errors::Make(Err::kUserEmpty)).message(),
            "auth: user name is empty");
  EXPECT_EQ(AsAuthPackageError(errors::Make(Err::kUserEmpty)).code(), absl::StatusCode::kUnknown);
  EXPECT_TRUE(AsAuthPackageError(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace etcd::auth
