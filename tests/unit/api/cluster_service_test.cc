#include "api/cluster_service.h"

#include <grpcpp/grpcpp.h>

#include "common/errors.h"
#include "gtest/gtest.h"
#include "test_port.h"

namespace etcd::api {
namespace {

using testing::TestPort;

TEST(ClusterServiceTest, MemberRpcsReachTheServer) {
  TestPort t;
  t.api().on_MemberList = [](const server::RequestContext&, const etcdserverpb::MemberListRequest&,
                             server::Done<etcdserverpb::MemberListResponse> done) {
    etcdserverpb::MemberListResponse r;
    auto* m = r.add_members();
    m->set_id(11);
    m->set_name("o1");
    m->add_peerurls("http://127.0.0.1:2380");
    done(std::move(r));
  };
  t.api().on_MemberAdd = [](const server::RequestContext&, const etcdserverpb::MemberAddRequest&,
                            server::Done<etcdserverpb::MemberAddResponse> done) {
    done(errors::Make(errors::Err::kPeerURLExist));
  };
  auto stub = etcdserverpb::Cluster::NewStub(t.Channel());
  {
    grpc::ClientContext ctx;
    etcdserverpb::MemberListResponse r;
    ASSERT_TRUE(stub->MemberList(&ctx, {}, &r).ok());
    ASSERT_EQ(r.members_size(), 1);
    EXPECT_EQ(r.members(0).name(), "o1");
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::MemberAddResponse r;
    grpc::Status s = stub->MemberAdd(&ctx, {}, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(s.error_message(), "etcdserver: Peer URLs already exists");
  }
  for (auto call : {&etcdserverpb::Cluster::Stub::MemberRemove}) {
    grpc::ClientContext ctx;
    etcdserverpb::MemberRemoveResponse r;
    EXPECT_TRUE(((*stub).*call)(&ctx, {}, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::MemberUpdateResponse r;
    EXPECT_TRUE(stub->MemberUpdate(&ctx, {}, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::MemberPromoteResponse r;
    EXPECT_TRUE(stub->MemberPromote(&ctx, {}, &r).ok());
  }
  EXPECT_EQ(t.api().Calls("MemberRemove"), 1);
  EXPECT_EQ(t.api().Calls("MemberUpdate"), 1);
  EXPECT_EQ(t.api().Calls("MemberPromote"), 1);
}

}  // namespace
}  // namespace etcd::api
