// EtcdServer's auth (auth_requests.cc) on a MemEnv with a FakeClock: the Auth RPCs, the
// identity of requests (token, certificate CN), permission checks on every RPC that
// touches keys (watch creates included), admin-only RPCs, and auth state across a
// restart.
#include <gtest/gtest.h>
#include <leveldb/helpers/memenv.h>

#include "absl/synchronization/notification.h"
#include "call_within.h"
#include "common/errors.h"
#include "server/etcd_server.h"

namespace etcd::server {
namespace {

using errors::Err;
using namespace etcdserverpb;  // NOLINT

constexpr absl::Duration kWait = absl::Seconds(20);

template <typename Resp, typename Fn>
absl::StatusOr<Resp> Call(Fn&& fn) {
  return testing::CallWithin<Resp>(kWait, std::forward<Fn>(fn));
}

#define EXPECT_ERR(expr, err) EXPECT_TRUE(errors::Is((expr).status(), err)) << (expr).status()

class AuthServerTest : public ::testing::Test {
 protected:
  AuthServerTest() : mem_(leveldb::NewMemEnv(leveldb::Env::Default())), quiet_(log::Discard()) {}

  std::unique_ptr<EtcdServer> Start() {
    config::ServerConfig c;
    c.name = "default";
    c.data_dir = "/data/default.etcd";
    config::Url peer{"http", "127.0.0.1", 30580, ""};
    c.initial_cluster = {{"default", {peer}}};
    c.initial_advertise_peer_urls = {peer};
    c.listen_peer_urls = {peer};
    c.advertise_client_urls = {config::Url{"http", "127.0.0.1", 30579, ""}};
    c.initial_cluster_token = "auth";
    c.bcrypt_cost = 4;
    c.client_tls.client_cert_auth = client_cert_auth_;
    ServerDeps deps;
    deps.env = mem_.get();
    deps.clock = &clock_;
    deps.seed = 7;
    deps.logger = quiet_.get();
    auto s = EtcdServer::Create(c, deps);
    EXPECT_TRUE(s.ok()) << s.status();
    if (!s.ok()) return nullptr;
    (*s)->Start();
    EXPECT_TRUE((*s)->WaitReady(kWait));
    return std::move(*s);
  }

  RequestContext Root() { return Token("root", "rootpw"); }
  RequestContext Token(const std::string& user, const std::string& pw) {
    AuthenticateRequest a;
    a.set_name(user);
    a.set_password(pw);
    auto r = Call<AuthenticateResponse>([&](auto d) { s_->Authenticate({}, a, d); });
    EXPECT_TRUE(r.ok()) << r.status();
    RequestContext ctx;
    if (r.ok()) ctx.token = r->token();
    return ctx;
  }

  // root (root role), alice (reader: READ foo, READWRITE [pub/, pub0)), auth enabled.
  void SetUpUsers() {
    auto add = [&](const std::string& name, const std::string& pw) {
      AuthUserAddRequest u;
      u.set_name(name);
      u.set_password(pw);
      ASSERT_TRUE(Call<AuthUserAddResponse>([&](auto d) { s_->UserAdd({}, u, d); }).ok());
    };
    add("root", "rootpw");
    add("alice", "secret");
    AuthUserGrantRoleRequest g;
    g.set_user("root");
    g.set_role("root");
    ASSERT_TRUE(Call<AuthUserGrantRoleResponse>([&](auto d) { s_->UserGrantRole({}, g, d); }).ok());
    AuthRoleAddRequest ra;
    ra.set_name("reader");
    ASSERT_TRUE(Call<AuthRoleAddResponse>([&](auto d) { s_->RoleAdd({}, ra, d); }).ok());
    auto perm = [&](authpb::Permission::Type t, std::string k, std::string e) {
      AuthRoleGrantPermissionRequest p;
      p.set_name("reader");
      p.mutable_perm()->set_permtype(t);
      p.mutable_perm()->set_key(k);
      p.mutable_perm()->set_range_end(e);
      ASSERT_TRUE(Call<AuthRoleGrantPermissionResponse>([&](auto d) {
                    s_->RoleGrantPermission({}, p, d);
                  }).ok());
    };
    perm(authpb::Permission::READ, "foo", "");
    perm(authpb::Permission::READWRITE, "pub/", "pub0");
    g.set_user("alice");
    g.set_role("reader");
    ASSERT_TRUE(Call<AuthUserGrantRoleResponse>([&](auto d) { s_->UserGrantRole({}, g, d); }).ok());
    ASSERT_TRUE(Call<AuthEnableResponse>([&](auto d) { s_->AuthEnable({}, {}, d); }).ok());
  }

  absl::StatusOr<PutResponse> Put(const RequestContext& ctx, const std::string& k,
                                  int64_t lease = 0, bool prev_kv = false) {
    PutRequest p;
    p.set_key(k);
    p.set_value("v");
    p.set_lease(lease);
    p.set_prev_kv(prev_kv);
    return Call<PutResponse>([&](auto d) { s_->Put(ctx, p, d); });
  }
  absl::StatusOr<RangeResponse> Get(const RequestContext& ctx, const std::string& k,
                                    const std::string& end = "", bool serializable = false) {
    RangeRequest r;
    r.set_key(k);
    r.set_range_end(end);
    r.set_serializable(serializable);
    return Call<RangeResponse>([&](auto d) { s_->Range(ctx, r, d); });
  }

  FakeClock clock_;
  std::unique_ptr<leveldb::Env> mem_;
  std::shared_ptr<log::Logger> quiet_;
  bool client_cert_auth_ = false;
  std::unique_ptr<EtcdServer> s_;
};

TEST_F(AuthServerTest, EnableNeedsRootThenCredentialsAreRequired) {
  s_ = Start();
  EXPECT_ERR(Call<AuthEnableResponse>([&](auto d) { s_->AuthEnable({}, {}, d); }),
             Err::kRootUserNotExist);
  AuthenticateRequest a;
  a.set_name("root");
  EXPECT_ERR(Call<AuthenticateResponse>([&](auto d) { s_->Authenticate({}, a, d); }),
             Err::kAuthNotEnabled);
  SetUpUsers();
  auto st = Call<AuthStatusResponse>([&](auto d) { s_->AuthStatus({}, {}, d); });
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->enabled());
  EXPECT_ERR(Put({}, "foo"), Err::kUserEmpty);
  EXPECT_ERR(Get({}, "foo"), Err::kUserEmpty);
  a.set_password("wrong");
  EXPECT_ERR(Call<AuthenticateResponse>([&](auto d) { s_->Authenticate({}, a, d); }),
             Err::kAuthFailed);
  RequestContext bogus;
  bogus.token = "abcdefghijklmnop.1";
  EXPECT_ERR(Put(bogus, "foo"), Err::kInvalidAuthToken);
  RequestContext root = Root();
  ASSERT_FALSE(root.token.empty());
  EXPECT_EQ(root.token.find('.'), 16u);
  EXPECT_TRUE(Put(root, "foo").ok());
  EXPECT_TRUE(Get(root, std::string(1, '\0'), std::string(1, '\0')).ok());  // all keys
  AuthUserDeleteRequest del;
  del.set_name("root");
  EXPECT_ERR(Call<AuthUserDeleteResponse>([&](auto d) { s_->UserDelete(root, del, d); }),
             Err::kInvalidAuthMgmt);
  ASSERT_TRUE(Call<AuthDisableResponse>([&](auto d) { s_->AuthDisable(root, {}, d); }).ok());
  EXPECT_TRUE(Put({}, "foo").ok());
  EXPECT_ERR(Put(root, "foo"), Err::kInvalidAuthToken);  // disable forgot the tokens
}

TEST_F(AuthServerTest, UserWithoutPermissionIsRefusedOnEveryKeyRpc) {
  s_ = Start();
  SetUpUsers();
  RequestContext root = Root();
  RequestContext alice = Token("alice", "secret");
  ASSERT_TRUE(Put(root, "foo").ok());
  ASSERT_TRUE(Put(root, "secret").ok());

  // Range (linearizable and serializable).
  EXPECT_TRUE(Get(alice, "foo").ok());
  EXPECT_TRUE(Get(alice, "foo", "", true).ok());
  EXPECT_ERR(Get(alice, "secret"), Err::kPermissionDenied);
  EXPECT_ERR(Get(alice, "secret", "", true), Err::kPermissionDenied);
  EXPECT_ERR(Get(alice, "fo", "fop"), Err::kPermissionDenied);  // partly covered
  EXPECT_TRUE(Get(alice, "pub/", "pub0").ok());
  // Put, prev_kv.
  EXPECT_ERR(Put(alice, "foo"), Err::kPermissionDenied);
  EXPECT_TRUE(Put(alice, "pub/x").ok());
  EXPECT_TRUE(Put(alice, "pub/x", 0, true).ok());
  // DeleteRange.
  DeleteRangeRequest dr;
  dr.set_key("secret");
  EXPECT_ERR(Call<DeleteRangeResponse>([&](auto d) { s_->DeleteRange(alice, dr, d); }),
             Err::kPermissionDenied);
  dr.set_key("pub/x");
  EXPECT_TRUE(Call<DeleteRangeResponse>([&](auto d) { s_->DeleteRange(alice, dr, d); }).ok());
  // Txn: compares, both branches, read-only and write.
  TxnRequest ro;
  ro.add_compare()->set_key("secret");
  ro.add_success()->mutable_request_range()->set_key("foo");
  EXPECT_ERR(Call<TxnResponse>([&](auto d) { s_->Txn(alice, ro, d); }), Err::kPermissionDenied);
  ro.mutable_compare(0)->set_key("foo");
  EXPECT_TRUE(Call<TxnResponse>([&](auto d) { s_->Txn(alice, ro, d); }).ok());
  TxnRequest w;
  w.add_success()->mutable_request_put()->set_key("pub/y");
  w.add_failure()->mutable_request_put()->set_key("secret");
  EXPECT_ERR(Call<TxnResponse>([&](auto d) { s_->Txn(alice, w, d); }), Err::kPermissionDenied);
  w.mutable_failure(0)->mutable_request_put()->set_key("pub/z");
  EXPECT_TRUE(Call<TxnResponse>([&](auto d) { s_->Txn(alice, w, d); }).ok());
  // Leases: revoke and attach need WRITE on the lease's keys.
  LeaseGrantRequest lg;
  lg.set_ttl(100);
  auto lease = Call<LeaseGrantResponse>([&](auto d) { s_->LeaseGrant(alice, lg, d); });
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(Put(root, "secret", lease->id()).ok());
  EXPECT_ERR(Put(alice, "pub/l", lease->id()), Err::kPermissionDenied);
  LeaseRevokeRequest rv;
  rv.set_id(lease->id());
  EXPECT_ERR(Call<LeaseRevokeResponse>([&](auto d) { s_->LeaseRevoke(alice, rv, d); }),
             Err::kPermissionDenied);
  EXPECT_TRUE(Call<LeaseRevokeResponse>([&](auto d) { s_->LeaseRevoke(root, rv, d); }).ok());
  // Watch creates.
  WatchCreateRequest wc;
  wc.set_key("foo");
  EXPECT_TRUE(s_->AuthorizeWatch(alice, wc).ok());
  wc.set_key("secret");
  absl::Status ws = s_->AuthorizeWatch(alice, wc);
  EXPECT_EQ(ws.message(),
            "rpc error: code = PermissionDenied desc = etcdserver: permission denied");
  wc.set_key("foo");
  EXPECT_FALSE(s_->AuthorizeWatch({}, wc).ok());
  EXPECT_TRUE(s_->AuthorizeWatch(root, wc).ok());
}

TEST_F(AuthServerTest, AdminRpcsNeedRoot) {
  s_ = Start();
  SetUpUsers();
  RequestContext root = Root();
  RequestContext alice = Token("alice", "secret");
  EXPECT_ERR(Call<AuthUserListResponse>([&](auto d) { s_->UserList(alice, {}, d); }),
             Err::kPermissionDenied);
  EXPECT_ERR(Call<AuthRoleListResponse>([&](auto d) { s_->RoleList(alice, {}, d); }),
             Err::kPermissionDenied);
  EXPECT_ERR(Call<AuthUserListResponse>([&](auto d) { s_->UserList({}, {}, d); }), Err::kUserEmpty);
  auto users = Call<AuthUserListResponse>([&](auto d) { s_->UserList(root, {}, d); });
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->users_size(), 2);
  AuthUserGetRequest ug;
  ug.set_name("alice");
  EXPECT_TRUE(Call<AuthUserGetResponse>([&](auto d) { s_->UserGet(alice, ug, d); }).ok());
  ug.set_name("root");
  EXPECT_ERR(Call<AuthUserGetResponse>([&](auto d) { s_->UserGet(alice, ug, d); }),
             Err::kPermissionDenied);
  AuthRoleGetRequest rg;
  rg.set_role("reader");
  EXPECT_TRUE(Call<AuthRoleGetResponse>([&](auto d) { s_->RoleGet(alice, rg, d); }).ok());
  AuthUserAddRequest ua;
  ua.set_name("mallory");
  ua.set_password("x");
  EXPECT_ERR(Call<AuthUserAddResponse>([&](auto d) { s_->UserAdd(alice, ua, d); }),
             Err::kPermissionDenied);
  AuthUserChangePasswordRequest cp;
  cp.set_name("root");
  cp.set_password("x");
  EXPECT_ERR(
      Call<AuthUserChangePasswordResponse>([&](auto d) { s_->UserChangePassword(alice, cp, d); }),
      Err::kPermissionDenied);
  MemberAddRequest ma;
  ma.add_peerurls("http://127.0.0.1:30599");
  EXPECT_ERR(Call<MemberAddResponse>([&](auto d) { s_->MemberAdd(alice, ma, d); }),
             Err::kPermissionDenied);
  EXPECT_ERR(Call<MemberAddResponse>([&](auto d) { s_->MemberAdd({}, ma, d); }), Err::kUserEmpty);
  MemberRemoveRequest mr;
  mr.set_id(12345);
  EXPECT_ERR(Call<MemberRemoveResponse>([&](auto d) { s_->MemberRemove(alice, mr, d); }),
             Err::kPermissionDenied);
  EXPECT_ERR(Call<DefragmentResponse>([&](auto d) { s_->Defragment(alice, {}, d); }),
             Err::kAuthRawPermissionDenied);
  EXPECT_ERR(Call<HashKVResponse>([&](auto d) { s_->HashKV({}, {}, d); }), Err::kAuthRawUserEmpty);
  EXPECT_ERR(Call<HashResponse>([&](auto d) { s_->Hash(alice, {}, d); }),
             Err::kAuthRawPermissionDenied);
  EXPECT_TRUE(Call<DefragmentResponse>([&](auto d) { s_->Defragment(root, {}, d); }).ok());
  EXPECT_TRUE(Call<StatusResponse>([&](auto d) { s_->Status({}, {}, d); }).ok());
  EXPECT_TRUE(Call<MemberListResponse>([&](auto d) { s_->MemberList({}, {}, d); }).ok());
}

TEST_F(AuthServerTest, PasswordChangeAndUserDeleteInvalidateTokens) {
  s_ = Start();
  SetUpUsers();
  RequestContext root = Root();
  RequestContext alice = Token("alice", "secret");
  EXPECT_TRUE(Get(alice, "foo").ok());
  AuthUserChangePasswordRequest cp;
  cp.set_name("alice");
  cp.set_password("new");
  ASSERT_TRUE(Call<AuthUserChangePasswordResponse>([&](auto d) {
                s_->UserChangePassword(root, cp, d);
              }).ok());
  EXPECT_ERR(Get(alice, "foo"), Err::kInvalidAuthToken);
  RequestContext alice2 = Token("alice", "new");
  EXPECT_TRUE(Get(alice2, "foo").ok());
  AuthUserDeleteRequest del;
  del.set_name("alice");
  ASSERT_TRUE(Call<AuthUserDeleteResponse>([&](auto d) { s_->UserDelete(root, del, d); }).ok());
  EXPECT_ERR(Get(alice2, "foo"), Err::kInvalidAuthToken);
}

TEST_F(AuthServerTest, SimpleTokenExpiresAfterTtl) {
  s_ = Start();
  SetUpUsers();
  RequestContext root = Root();
  EXPECT_TRUE(Get(root, "foo").ok());
  clock_.Advance(std::chrono::seconds(301));  // --auth-token-ttl default 300
  EXPECT_ERR(Get(root, "foo"), Err::kInvalidAuthToken);
}

// A simple token names the raft index of its Authenticate; a member that has not applied
// that index waits for it (bounded, about 2 s of real time) and then, if the token is
// still unknown, refuses it.
TEST_F(AuthServerTest, SimpleTokenForAnIndexNotYetAppliedWaitsThenRefuses) {
  s_ = Start();
  SetUpUsers();
  RequestContext root = Root();
  RequestContext future;
  future.token = "abcdefghijklmnop." + std::to_string(s_->AppliedIndex() + 1000);
  absl::Time start = absl::Now();
  EXPECT_ERR(Get(future, "foo"), Err::kInvalidAuthToken);
  EXPECT_GE(absl::Now() - start, absl::Seconds(1));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  // A token of an index already applied is answered at once.
  RequestContext past;
  past.token = "abcdefghijklmnop.1";
  start = absl::Now();
  EXPECT_ERR(Get(past, "foo"), Err::kInvalidAuthToken);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_TRUE(Get(root, "foo").ok());
}

TEST_F(AuthServerTest, AuthStateSurvivesRestart) {
  s_ = Start();
  SetUpUsers();
  auto rev = Call<AuthStatusResponse>([&](auto d) { s_->AuthStatus({}, {}, d); })->authrevision();
  RequestContext old = Root();
  s_->Stop();
  s_.reset();
  s_ = Start();
  auto st = Call<AuthStatusResponse>([&](auto d) { s_->AuthStatus({}, {}, d); });
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->enabled());
  EXPECT_EQ(st->authrevision(), rev);
  EXPECT_ERR(Get(old, "foo"), Err::kInvalidAuthToken);  // simple tokens are memory only
  EXPECT_ERR(Put({}, "foo"), Err::kUserEmpty);
  RequestContext alice = Token("alice", "secret");
  EXPECT_TRUE(Get(alice, "foo").ok());
  EXPECT_ERR(Put(alice, "foo"), Err::kPermissionDenied);
}

TEST_F(AuthServerTest, ClientCertificateCommonNameIsTheUser) {
  client_cert_auth_ = true;
  s_ = Start();
  SetUpUsers();
  RequestContext cn;
  cn.cert_common_name = "alice";
  EXPECT_TRUE(Get(cn, "foo").ok());
  EXPECT_ERR(Put(cn, "foo"), Err::kPermissionDenied);
  RequestContext root_cn;
  root_cn.cert_common_name = "root";
  EXPECT_TRUE(Put(root_cn, "foo").ok());
}

TEST_F(AuthServerTest, CommonNameIgnoredWithoutClientCertAuth) {
  s_ = Start();
  SetUpUsers();
  RequestContext cn;
  cn.cert_common_name = "root";
  EXPECT_ERR(Get(cn, "foo"), Err::kUserEmpty);
}

}  // namespace
}  // namespace etcd::server
