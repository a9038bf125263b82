#include "auth/auth_store.h"

#include <gtest/gtest.h>
#include <leveldb/helpers/memenv.h>

#include "auth/password.h"
#include "auth/permission.h"
#include "auth/simple_token.h"
#include "common/errors.h"

namespace etcd::auth {
namespace {

using errors::Err;
using namespace etcdserverpb;  // NOLINT

class AuthStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.reset(leveldb::NewMemEnv(Env::Default()));
    Reopen();
  }
  void Reopen() {
    store_.reset();
    if (backend_) {
      ASSERT_TRUE(backend_->CommitSync(++index_, 1).ok());
    }
    backend_.reset();
    auto be = storage::Backend::Open(env_.get(), "/db");
    ASSERT_TRUE(be.ok()) << be.status();
    backend_ = std::move(*be);
    auto tokens = std::make_unique<SimpleTokenProvider>(&clock_, std::chrono::seconds(300));
    tokens_ = tokens.get();
    auto st = AuthStore::Open(backend_.get(), std::move(tokens), kMinBcryptCost);
    ASSERT_TRUE(st.ok()) << st.status();
    store_ = std::move(*st);
  }
  absl::Status AddUser(const std::string& name, const std::string& pw, bool no_pw = false) {
    AuthUserAddRequest r;
    r.set_name(name);
    r.set_password(pw);
    r.mutable_options()->set_no_password(no_pw);
    RETURN_IF_ERROR(store_->HashRequestPassword(&r));
    EXPECT_TRUE(r.password().empty());
    return store_->UserAdd(r);
  }
  absl::Status AddRole(const std::string& name) {
    AuthRoleAddRequest r;
    r.set_name(name);
    return store_->RoleAdd(r);
  }
  absl::Status Grant(const std::string& user, const std::string& role) {
    AuthUserGrantRoleRequest r;
    r.set_user(user);
    r.set_role(role);
    return store_->UserGrantRole(r);
  }
  absl::Status GrantPerm(const std::string& role, authpb::Permission::Type t, std::string key,
                         std::string end = "") {
    AuthRoleGrantPermissionRequest r;
    r.set_name(role);
    r.mutable_perm()->set_permtype(t);
    r.mutable_perm()->set_key(key);
    r.mutable_perm()->set_range_end(end);
    return store_->RoleGrantPermission(r);
  }
  void EnableWithRoot() {
    ASSERT_TRUE(AddUser("root", "rootpw").ok());
    ASSERT_TRUE(Grant("root", "root").ok());
    ASSERT_TRUE(store_->Enable().ok());
  }

  FakeClock clock_;
  std::unique_ptr<Env> env_;
  std::unique_ptr<storage::Backend> backend_;
  std::unique_ptr<AuthStore> store_;
  SimpleTokenProvider* tokens_ = nullptr;
  uint64_t index_ = 0;
};

TEST_F(AuthStoreTest, FreshStoreHasRevisionOneAndIsDisabled) {
  EXPECT_FALSE(store_->IsEnabled());
  EXPECT_EQ(store_->Revision(), 1u);
  EXPECT_EQ(store_->UserList().users_size(), 0);
  EXPECT_EQ(store_->RoleList().roles_size(), 0);
}

TEST_F(AuthStoreTest, EnableNeedsRootUserWithRootRole) {
  EXPECT_TRUE(errors::Is(store_->Enable(), Err::kRootUserNotExist));
  ASSERT_TRUE(AddUser("root", "pw").ok());
  EXPECT_TRUE(errors::Is(store_->Enable(), Err::kRootRoleNotExist));
  // The root role can be granted before it exists.
  ASSERT_TRUE(Grant("root", "root").ok());
  uint64_t rev = store_->Revision();
  ASSERT_TRUE(store_->Enable().ok());
  EXPECT_TRUE(store_->IsEnabled());
  EXPECT_EQ(store_->Revision(), rev);  // enable does not bump the revision
  EXPECT_TRUE(store_->Enable().ok());  // already enabled: ignored
  ASSERT_TRUE(store_->Disable().ok());
  EXPECT_FALSE(store_->IsEnabled());
  EXPECT_EQ(store_->Revision(), rev + 1);
  EXPECT_TRUE(store_->Disable().ok());
  EXPECT_EQ(store_->Revision(), rev + 1);
}

TEST_F(AuthStoreTest, UserAddGetListDelete) {
  EXPECT_TRUE(errors::Is(AddUser("", "x"), Err::kUserEmpty));
  uint64_t rev = store_->Revision();
  ASSERT_TRUE(AddUser("bob", "b").ok());
  EXPECT_EQ(store_->Revision(), rev + 1);
  EXPECT_TRUE(errors::Is(AddUser("bob", "b"), Err::kUserAlreadyExist));
  ASSERT_TRUE(AddUser("alice", "a").ok());
  auto list = store_->UserList();
  ASSERT_EQ(list.users_size(), 2);
  EXPECT_EQ(list.users(0), "alice");
  EXPECT_EQ(list.users(1), "bob");
  AuthUserGetRequest g;
  g.set_name("bob");
  auto got = store_->UserGet(g);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->roles_size(), 0);
  g.set_name("nobody");
  EXPECT_TRUE(errors::Is(store_->UserGet(g).status(), Err::kUserNotFound));
  AuthUserDeleteRequest d;
  d.set_name("bob");
  ASSERT_TRUE(store_->UserDelete(d).ok());
  EXPECT_TRUE(errors::Is(store_->UserDelete(d), Err::kUserNotFound));
  // Stored hash, not the password.
  const authpb::User* a = store_->State()->FindUser("alice");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->password().substr(0, 4), "$2b$");
}

TEST_F(AuthStoreTest, RootCannotBeDeletedOrLoseRootRoleWhileEnabled) {
  EnableWithRoot();
  AuthUserDeleteRequest d;
  d.set_name("root");
  EXPECT_TRUE(errors::Is(store_->UserDelete(d), Err::kInvalidAuthMgmt));
  AuthUserRevokeRoleRequest rr;
  rr.set_name("root");
  rr.set_role("root");
  EXPECT_TRUE(errors::Is(store_->UserRevokeRole(rr), Err::kInvalidAuthMgmt));
  AuthRoleDeleteRequest rd;
  rd.set_role("root");  // even though no role "root" was ever added
  EXPECT_TRUE(errors::Is(store_->RoleDelete(rd), Err::kInvalidAuthMgmt));
  ASSERT_TRUE(store_->Disable().ok());
  EXPECT_TRUE(store_->UserRevokeRole(rr).ok());
  EXPECT_TRUE(store_->UserDelete(d).ok());
}

TEST_F(AuthStoreTest, GrantAndRevokeRoles) {
  ASSERT_TRUE(AddUser("u", "p").ok());
  EXPECT_TRUE(errors::Is(Grant("u", "nosuch"), Err::kRoleNotFound));
  EXPECT_TRUE(errors::Is(Grant("ghost", "r"), Err::kUserNotFound));
  ASSERT_TRUE(AddRole("r2").ok());
  ASSERT_TRUE(AddRole("r1").ok());
  ASSERT_TRUE(Grant("u", "r2").ok());
  ASSERT_TRUE(Grant("u", "r1").ok());
  uint64_t rev = store_->Revision();
  ASSERT_TRUE(Grant("u", "r1").ok());  // again: no change, no revision bump
  EXPECT_EQ(store_->Revision(), rev);
  AuthUserGetRequest g;
  g.set_name("u");
  auto got = *store_->UserGet(g);
  ASSERT_EQ(got.roles_size(), 2);
  EXPECT_EQ(got.roles(0), "r1");  // sorted
  AuthUserRevokeRoleRequest rr;
  rr.set_name("u");
  rr.set_role("r3");
  EXPECT_TRUE(errors::Is(store_->UserRevokeRole(rr), Err::kRoleNotGranted));
  rr.set_role("r1");
  ASSERT_TRUE(store_->UserRevokeRole(rr).ok());
  EXPECT_TRUE(errors::Is(store_->UserRevokeRole(rr), Err::kRoleNotGranted));
  rr.set_name("ghost");
  EXPECT_TRUE(errors::Is(store_->UserRevokeRole(rr), Err::kUserNotFound));
}

TEST_F(AuthStoreTest, RolesAndPermissions) {
  EXPECT_TRUE(errors::Is(AddRole(""), Err::kRoleEmpty));
  ASSERT_TRUE(AddRole("reader").ok());
  EXPECT_TRUE(errors::Is(AddRole("reader"), Err::kRoleAlreadyExist));
  EXPECT_TRUE(errors::Is(GrantPerm("nosuch", authpb::Permission::READ, "a"), Err::kRoleNotFound));
  ASSERT_TRUE(GrantPerm("reader", authpb::Permission::READ, "foo").ok());
  ASSERT_TRUE(GrantPerm("reader", authpb::Permission::READWRITE, "pub/", "pub0").ok());
  ASSERT_TRUE(GrantPerm("reader", authpb::Permission::WRITE, "b", "c").ok());
  ASSERT_TRUE(GrantPerm("reader", authpb::Permission::READ, "b", "c").ok());  // replaces type
  AuthRoleGetRequest g;
  g.set_role("reader");
  auto got = *store_->RoleGet(g);
  ASSERT_EQ(got.perm_size(), 3);
  EXPECT_EQ(got.perm(0).key(), "b");
  EXPECT_EQ(got.perm(0).permtype(), authpb::Permission::READ);
  EXPECT_EQ(got.perm(1).key(), "foo");
  EXPECT_EQ(got.perm(2).key(), "pub/");
  g.set_role("nosuch");
  EXPECT_TRUE(errors::Is(store_->RoleGet(g).status(), Err::kRoleNotFound));

  AuthRoleRevokePermissionRequest rv;
  rv.set_role("reader");
  rv.set_key("b");  // range_end must match too
  EXPECT_TRUE(errors::Is(store_->RoleRevokePermission(rv), Err::kPermissionNotGranted));
  rv.set_range_end("c");
  ASSERT_TRUE(store_->RoleRevokePermission(rv).ok());
  EXPECT_TRUE(errors::Is(store_->RoleRevokePermission(rv), Err::kPermissionNotGranted));
  rv.set_role("nosuch");
  EXPECT_TRUE(errors::Is(store_->RoleRevokePermission(rv), Err::kRoleNotFound));

  ASSERT_TRUE(AddUser("alice", "a").ok());
  ASSERT_TRUE(Grant("alice", "reader").ok());
  EnableWithRoot();
  auto st = store_->State();
  AuthInfo alice{"alice", st->revision};
  EXPECT_TRUE(IsRangePermitted(*st, alice, "foo", "").ok());
  EXPECT_FALSE(IsRangePermitted(*st, alice, "b", "").ok());
  EXPECT_TRUE(IsPutPermitted(*st, alice, "pub/1").ok());

  // Deleting a role takes it away from its users.
  AuthRoleDeleteRequest rd;
  rd.set_role("reader");
  ASSERT_TRUE(store_->RoleDelete(rd).ok());
  EXPECT_TRUE(errors::Is(store_->RoleDelete(rd), Err::kRoleNotFound));
  AuthUserGetRequest ug;
  ug.set_name("alice");
  EXPECT_EQ(store_->UserGet(ug)->roles_size(), 0);
  st = store_->State();
  EXPECT_FALSE(IsRangePermitted(*st, AuthInfo{"alice", st->revision}, "foo", "").ok());
}

TEST_F(AuthStoreTest, CheckPasswordAndAuthenticate) {
  ASSERT_TRUE(AddUser("alice", "secret").ok());
  ASSERT_TRUE(AddUser("nop", "", /*no_pw=*/true).ok());
  EXPECT_TRUE(errors::Is(store_->CheckPassword("alice", "secret").status(), Err::kAuthNotEnabled));
  EXPECT_TRUE(errors::Is(store_->Authenticate("alice", "p", 1).status(), Err::kAuthNotEnabled));
  EnableWithRoot();
  auto rev = store_->CheckPassword("alice", "secret");
  ASSERT_TRUE(rev.ok());
  EXPECT_EQ(*rev, store_->Revision());
  EXPECT_TRUE(errors::Is(store_->CheckPassword("alice", "wrong").status(), Err::kAuthFailed));
  EXPECT_TRUE(errors::Is(store_->CheckPassword("nobody", "x").status(), Err::kAuthFailed));
  EXPECT_TRUE(errors::Is(store_->CheckPassword("nop", "x").status(), Err::kAuthNoPasswordUser));
  EXPECT_TRUE(errors::Is(store_->Authenticate("nop", "p", 1).status(), Err::kAuthFailed));

  auto resp = store_->Authenticate("alice", "abcdefghijklmnop", 77);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->token(), "abcdefghijklmnop.77");
  auto ai = store_->AuthInfoFromToken(resp->token());
  ASSERT_TRUE(ai.ok());
  ASSERT_TRUE(ai->has_value());
  EXPECT_EQ((*ai)->username, "alice");
  EXPECT_EQ((*ai)->revision, store_->Revision());
  EXPECT_TRUE(errors::Is(store_->AuthInfoFromToken("bogus").status(), Err::kInvalidAuthToken));
  EXPECT_FALSE(store_->AuthInfoFromToken("")->has_value());

  // A password change forgets the user's tokens; the new password works.
  AuthUserChangePasswordRequest cp;
  cp.set_name("alice");
  cp.set_password("new");
  ASSERT_TRUE(store_->HashRequestPassword(&cp).ok());
  ASSERT_TRUE(store_->UserChangePassword(cp).ok());
  EXPECT_TRUE(
      errors::Is(store_->AuthInfoFromToken(resp->token()).status(), Err::kInvalidAuthToken));
  EXPECT_TRUE(store_->CheckPassword("alice", "new").ok());
  EXPECT_FALSE(store_->CheckPassword("alice", "secret").ok());
  cp.set_name("ghost");
  EXPECT_TRUE(errors::Is(store_->UserChangePassword(cp), Err::kUserNotFound));

  // Deleting the user forgets its tokens; disabling forgets all.
  auto t2 = *store_->Authenticate("alice", "bbbbbbbbbbbbbbbb", 78);
  auto t3 = *store_->Authenticate("root", "cccccccccccccccc", 79);
  AuthUserDeleteRequest d;
  d.set_name("alice");
  ASSERT_TRUE(store_->UserDelete(d).ok());
  EXPECT_FALSE(store_->AuthInfoFromToken(t2.token()).ok());
  EXPECT_TRUE(store_->AuthInfoFromToken(t3.token()).ok());
  ASSERT_TRUE(store_->Disable().ok());
  EXPECT_FALSE(store_->AuthInfoFromToken(t3.token()).ok());
}

TEST_F(AuthStoreTest, SimpleTokenExpiresWithTheFakeClock) {
  EnableWithRoot();
  auto t = *store_->Authenticate("root", "abcdefghijklmnop", 5);
  clock_.Advance(std::chrono::seconds(299));
  EXPECT_TRUE(store_->AuthInfoFromToken(t.token()).ok());
  clock_.Advance(std::chrono::seconds(301));
  EXPECT_TRUE(errors::Is(store_->AuthInfoFromToken(t.token()).status(), Err::kInvalidAuthToken));
}

TEST_F(AuthStoreTest, CommonNameIdentity) {
  EXPECT_FALSE(store_->AuthInfoFromCommonName("alice").has_value());  // auth off
  EnableWithRoot();
  auto ai = store_->AuthInfoFromCommonName("alice");
  ASSERT_TRUE(ai.has_value());
  EXPECT_EQ(ai->username, "alice");
  EXPECT_EQ(ai->revision, store_->Revision());
  EXPECT_FALSE(store_->AuthInfoFromCommonName("").has_value());
}

TEST_F(AuthStoreTest, StateSurvivesReopen) {
  ASSERT_TRUE(AddRole("reader").ok());
  ASSERT_TRUE(GrantPerm("reader", authpb::Permission::READ, "foo").ok());
  ASSERT_TRUE(AddUser("alice", "secret").ok());
  ASSERT_TRUE(Grant("alice", "reader").ok());
  EnableWithRoot();
  auto t = *store_->Authenticate("alice", "abcdefghijklmnop", 5);
  uint64_t rev = store_->Revision();
  Reopen();
  EXPECT_TRUE(store_->IsEnabled());
  EXPECT_EQ(store_->Revision(), rev);
  EXPECT_TRUE(store_->CheckPassword("alice", "secret").ok());
  auto st = store_->State();
  EXPECT_TRUE(IsRangePermitted(*st, AuthInfo{"alice", rev}, "foo", "").ok());
  EXPECT_FALSE(IsPutPermitted(*st, AuthInfo{"alice", rev}, "foo").ok());
  // Simple tokens live in memory only.
  EXPECT_FALSE(store_->AuthInfoFromToken(t.token()).ok());
}

TEST_F(AuthStoreTest, ApplyDispatchesEveryKind) {
  serverpb::InternalRaftRequest r;
  r.mutable_auth_role_add()->set_name("x");
  EXPECT_TRUE(AuthStore::IsAuthRequest(r));
  auto resp = store_->Apply(r, 1);
  ASSERT_TRUE(resp.ok());
  EXPECT_NE(dynamic_cast<AuthRoleAddResponse*>(resp->get()), nullptr);
  r.Clear();
  r.mutable_auth_role_list();
  auto list = store_->Apply(r, 2);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(static_cast<AuthRoleListResponse*>(list->get())->roles_size(), 1);
  r.Clear();
  r.mutable_auth_enable();
  EXPECT_TRUE(errors::Is(store_->Apply(r, 3).status(), Err::kRootUserNotExist));
  r.Clear();
  r.mutable_put()->set_key("k");
  EXPECT_FALSE(AuthStore::IsAuthRequest(r));
}

}  // namespace
}  // namespace etcd::auth

namespace etcd::auth {
namespace {

// After the backend is replaced (a snapshot from the leader), Reload picks up its auth
// records; enabling/disabling follows the new contents.
TEST_F(AuthStoreTest, ReloadReadsTheBackendAgain) {
  ASSERT_TRUE(AddUser("root", "pw").ok());
  ASSERT_TRUE(Grant("root", "root").ok());
  ASSERT_TRUE(store_->Enable().ok());
  auto t = *store_->Authenticate("root", "abcdefghijklmnop", 9);
  // Another writer (as a snapshot install would) changes the records underneath.
  backend_->Put(storage::Bucket::kAuth, kEnabledKey, std::string(1, '\x00'));
  backend_->Delete(storage::Bucket::kAuthUsers, "root");
  ASSERT_TRUE(store_->IsEnabled());
  ASSERT_TRUE(store_->Reload().ok());
  EXPECT_FALSE(store_->IsEnabled());
  EXPECT_EQ(store_->State()->FindUser("root"), nullptr);
  EXPECT_FALSE(store_->AuthInfoFromToken(t.token()).ok());  // disabled: tokens forgotten
}

}  // namespace
}  // namespace etcd::auth
