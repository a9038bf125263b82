#include "api/maintenance_service.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "common/errors.h"
#include "gtest/gtest.h"
#include "test_port.h"

namespace etcd::api {
namespace {

using testing::TestPort;

TEST(MaintenanceServiceTest, StatusAlarmHashDefragMoveLeaderReachTheServer) {
  TestPort t;
  t.api().on_MoveLeader = [](const server::RequestContext&, const etcdserverpb::MoveLeaderRequest&,
                             server::Done<etcdserverpb::MoveLeaderResponse> done) {
    done(errors::Make(errors::Err::kBadLeaderTransferee));
  };
  auto stub = etcdserverpb::Maintenance::NewStub(t.Channel());
  {
    grpc::ClientContext ctx;
    etcdserverpb::StatusResponse r;
    EXPECT_TRUE(stub->Status(&ctx, {}, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::AlarmResponse r;
    EXPECT_TRUE(stub->Alarm(&ctx, {}, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::HashKVResponse r;
    EXPECT_TRUE(stub->HashKV(&ctx, {}, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::HashResponse r;
    EXPECT_TRUE(stub->Hash(&ctx, {}, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::DefragmentResponse r;
    EXPECT_TRUE(stub->Defragment(&ctx, {}, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::MoveLeaderResponse r;
    grpc::Status s = stub->MoveLeader(&ctx, {}, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(s.error_message(), "etcdserver: bad leader transferee");
  }
  for (const char* m : {"Status", "Alarm", "HashKV", "Hash", "Defragment", "MoveLeader"}) {
    EXPECT_EQ(t.api().Calls(m), 1) << m;
  }
}

TEST(MaintenanceServiceTest, SnapshotIsUnimplementedForNow) {
  TestPort t;
  auto stub = etcdserverpb::Maintenance::NewStub(t.Channel());
  grpc::ClientContext ctx;
  auto reader = stub->Snapshot(&ctx, {});
  etcdserverpb::SnapshotResponse r;
  EXPECT_FALSE(reader->Read(&r));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(s.error_message(), kSnapshotUnimplemented);
}

// grpc.health.v1.Health/Check for service "" answers SERVING (status = 1).
TEST(MaintenanceServiceTest, GrpcHealthServiceReportsServing) {
  TestPort t;
  grpc::GenericStub stub(t.Channel());
  grpc::ClientContext ctx;
  grpc::CompletionQueue cq;
  grpc::ByteBuffer request;  // HealthCheckRequest{service: ""}: zero bytes
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  auto call = stub.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));  // status: SERVING
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace etcd::api
