#include "api/auth_service.h"

#include <grpcpp/grpcpp.h>

#include "gtest/gtest.h"
#include "test_port.h"

namespace etcd::api {
namespace {

using testing::TestPort;

// What a fresh etcd 3.4.23 (auth disabled, no users or roles) answers.
TEST(AuthServiceTest, AnswersAsAFreshEtcdWithAuthDisabled) {
  TestPort t;
  auto stub = etcdserverpb::Auth::NewStub(t.Channel());
  {
    grpc::ClientContext ctx;
    etcdserverpb::AuthenticateRequest req;
    req.set_name("root");
    req.set_password("x");
    etcdserverpb::AuthenticateResponse r;
    grpc::Status s = stub->Authenticate(&ctx, req, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(s.error_message(), "etcdserver: authentication is not enabled");
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::AuthEnableResponse r;
    grpc::Status s = stub->AuthEnable(&ctx, {}, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(s.error_message(), "etcdserver: root user does not exist");
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::AuthDisableResponse r;
    ASSERT_TRUE(stub->AuthDisable(&ctx, {}, &r).ok());
    EXPECT_EQ(r.header().revision(), 2);
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::AuthUserListResponse r;
    ASSERT_TRUE(stub->UserList(&ctx, {}, &r).ok());
    EXPECT_EQ(r.users_size(), 0);
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::AuthRoleListResponse r;
    ASSERT_TRUE(stub->RoleList(&ctx, {}, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::AuthUserGetRequest req;
    req.set_name("root");
    etcdserverpb::AuthUserGetResponse r;
    grpc::Status s = stub->UserGet(&ctx, req, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(s.error_message(), "etcdserver: user name not found");
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::AuthRoleDeleteRequest req;
    req.set_role("r");
    etcdserverpb::AuthRoleDeleteResponse r;
    grpc::Status s = stub->RoleDelete(&ctx, req, &r);
    EXPECT_EQ(s.error_message(), "etcdserver: role name not found");
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::AuthUserAddRequest req;
    etcdserverpb::AuthUserAddResponse r;
    grpc::Status s = stub->UserAdd(&ctx, req, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "etcdserver: user name is empty");
    grpc::ClientContext ctx2;
    req.set_name("u1");
    s = stub->UserAdd(&ctx2, req, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
}

}  // namespace
}  // namespace etcd::api
