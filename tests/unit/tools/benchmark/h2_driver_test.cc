#include "tools/benchmark/h2_driver.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace etcd::benchmark {
namespace {

using etcdserverpb::PutRequest;
using etcdserverpb::PutResponse;
using etcdserverpb::RangeRequest;
using etcdserverpb::RangeResponse;

// A fake member: a gRPC C++ server on a loopback port the kernel picks. Put's key is
// the logical client's number, its value the operation's seq; the member checks that
// a client never has two requests in flight, remembers the connection (peer address)
// each client's calls came on, and fails the operations `fail` picks.
class FakeKV final : public etcdserverpb::KV::Service {
 public:
  // `unix_path` non-empty: listen on that unix socket instead of a loopback port.
  explicit FakeKV(int max_connection_age_ms = 0, std::string unix_path = "")
      : unix_path_(std::move(unix_path)) {
    grpc::ServerBuilder builder;
    builder.RegisterService(this);
    if (max_connection_age_ms > 0) {
      builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, max_connection_age_ms);
      builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 10000);
    }
    if (unix_path_.empty()) {
      builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    } else {
      builder.AddListeningPort("unix:" + unix_path_, grpc::InsecureServerCredentials());
    }
    server_ = builder.BuildAndStart();
  }
  ~FakeKV() override { server_->Shutdown(); }
  std::string Target() const {
    return unix_path_.empty() ? "127.0.0.1:" + std::to_string(port_) : "unix:" + unix_path_;
  }

  grpc::Status Put(grpc::ServerContext* ctx, const PutRequest* req, PutResponse* resp) override {
    const std::string client = req->key();
    const int64_t seq = std::stoll(req->value());
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      if (++in_flight_[client] > 1) overlapped_ = true;
      seqs_.push_back(seq);
      peers_[client].insert(ctx->peer());
    }
    resp->mutable_header()->set_revision(seq + 1);
    grpc::Status status = fail ? fail(seq) : grpc::Status::OK;
    absl::MutexLock lock(&mu_);
    --in_flight_[client];
    return status;
  }
  grpc::Status Range(grpc::ServerContext*, const RangeRequest* req, RangeResponse* resp) override {
    absl::MutexLock lock(&mu_);
    ++calls_;
    if (req->key() == "k" && req->range_end() == "l" && req->serializable()) {
      ++serializable_ranges_;
      resp->set_count(1);
      resp->add_kvs()->set_key("k");
    }
    return grpc::Status::OK;
  }

  std::function<grpc::Status(int64_t seq)> fail;  // set before Run

  int64_t calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  int64_t serializable_ranges() {
    absl::MutexLock lock(&mu_);
    return serializable_ranges_;
  }
  std::vector<int64_t> seqs() {
    absl::MutexLock lock(&mu_);
    return seqs_;
  }
  std::map<std::string, std::set<std::string>> peers() {
    absl::MutexLock lock(&mu_);
    return peers_;
  }
  bool overlapped() {
    absl::MutexLock lock(&mu_);
    return overlapped_;
  }

 private:
  const std::string unix_path_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  absl::Mutex mu_;
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t serializable_ranges_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int> in_flight_ ABSL_GUARDED_BY(mu_);
  bool overlapped_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<int64_t> seqs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<std::string>> peers_ ABSL_GUARDED_BY(mu_);
};

// A loopback port with nothing listening: bound (so no one else takes it) but never
// listened on, so a connection is refused.
class DeadPort {
 public:
  DeadPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~DeadPort() { close(fd_); }
  std::string Target() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

H2Call<PutRequest> PutCall() {
  H2Call<PutRequest> call;
  call.path = "/etcdserverpb.KV/Put";
  call.mutating = true;
  call.fill = [](size_t client, int64_t seq, PutRequest* req) {
    req->set_key(std::to_string(client));
    req->set_value(std::to_string(seq));
  };
  return call;
}

H2ClosedLoop::Options Opts(size_t conns, size_t clients, int64_t total, size_t threads = 1,
                           int64_t rate = 0) {
  H2ClosedLoop::Options o;
  o.conns = conns;
  o.clients = clients;
  o.total = total;
  o.threads = threads;
  o.rate = rate;
  return o;
}

void ExpectAllSeqs(std::vector<int64_t> seqs, int64_t total) {
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i) ASSERT_EQ(seqs[static_cast<size_t>(i)], i);
}

TEST(H2ClosedLoopTest, ExactlyTotalCallsOneInFlightPerClientOnItsConnection) {
  for (size_t threads : {1u, 2u}) {
    SCOPED_TRACE(threads);
    FakeKV kv;
    Report report;
    H2ClosedLoop loop({kv.Target()}, Opts(3, 30, 3000, threads), &report);
    ASSERT_TRUE(loop.Run(PutCall()).ok());
    const Stats s = report.Compute();
    EXPECT_EQ(report.results(), 3000);
    EXPECT_EQ(s.lats.size(), 3000u);
    EXPECT_TRUE(s.errors.empty());
    EXPECT_EQ(kv.calls(), 3000);
    ExpectAllSeqs(kv.seqs(), 3000);
    EXPECT_FALSE(kv.overlapped());
    // Each client kept one connection; client i shares it with the clients j where
    // j % 3 == i % 3, and there are exactly 3 connections.
    const auto peers = kv.peers();
    ASSERT_EQ(peers.size(), 30u);
    std::map<int, std::string> conn_peer;
    std::set<std::string> all;
    for (const auto& [client, set] : peers) {
      ASSERT_EQ(set.size(), 1u) << client;
      const int conn = std::stoi(client) % 3;
      if (conn_peer.count(conn) == 0) conn_peer[conn] = *set.begin();
      EXPECT_EQ(conn_peer[conn], *set.begin()) << client;
      all.insert(*set.begin());
    }
    EXPECT_EQ(all.size(), 3u);
  }
}

TEST(H2ClosedLoopTest, UnixSocketEndpoint) {
  const std::string path = "/tmp/h2_driver_test." + std::to_string(getpid()) + ".sock";
  unlink(path.c_str());
  {
    FakeKV kv(0, path);
    Report report;
    H2ClosedLoop loop({kv.Target()}, Opts(2, 4, 200), &report);
    ASSERT_TRUE(loop.Run(PutCall()).ok());
    EXPECT_EQ(report.results(), 200);
    EXPECT_TRUE(report.Compute().errors.empty());
    ExpectAllSeqs(kv.seqs(), 200);
  }
  unlink(path.c_str());
}

TEST(H2ClosedLoopTest, FewerCallsThanClientsAndNone) {
  FakeKV kv;
  Report report;
  H2ClosedLoop loop({kv.Target()}, Opts(2, 1000, 10), &report);
  ASSERT_TRUE(loop.Run(PutCall()).ok());
  EXPECT_EQ(report.results(), 10);
  EXPECT_EQ(kv.calls(), 10);
  ExpectAllSeqs(kv.seqs(), 10);

  Report empty;
  H2ClosedLoop none({kv.Target()}, Opts(2, 4, 0), &empty);
  ASSERT_TRUE(none.Run(PutCall()).ok());
  EXPECT_EQ(empty.results(), 0);
  EXPECT_EQ(kv.calls(), 10);
}

TEST(H2ClosedLoopTest, GrpcStatusErrorsAreCountedWithTheirMessage) {
  FakeKV kv;
  kv.fail = [](int64_t seq) {
    if (seq % 10 == 0) return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: x");
    if (seq % 10 == 1) {
      // gRPC percent-encodes '%' and non-ASCII bytes in grpc-message.
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "100% sch\xc3\xb6n");
    }
    return grpc::Status::OK;
  };
  Report report;
  H2ClosedLoop loop({kv.Target()}, Opts(2, 7, 500), &report,
                    [](const absl::Status& s) { return "E:" + std::string(s.message()); });
  H2Call<PutRequest> call = PutCall();
  absl::Mutex mu;
  std::map<absl::StatusCode, int> codes;
  call.done = [&](size_t, int64_t seq, const absl::Status& s) {
    absl::MutexLock lock(&mu);
    ++codes[s.code()];
    if (!s.ok()) {
      EXPECT_LT(seq % 10, 2);
    }
  };
  ASSERT_TRUE(loop.Run(call).ok());
  const Stats s = report.Compute();
  EXPECT_EQ(s.lats.size(), 400u);
  EXPECT_EQ(s.errors,
            (std::map<std::string, int64_t>{{"E:etcdserver: x", 50}, {"E:100% sch\xc3\xb6n", 50}}));
  EXPECT_EQ(codes, (std::map<absl::StatusCode, int>{{absl::StatusCode::kOk, 400},
                                                    {absl::StatusCode::kFailedPrecondition, 50},
                                                    {absl::StatusCode::kInvalidArgument, 50}}));
  EXPECT_EQ(kv.calls(), 500);  // not retriable: one attempt each
}

TEST(H2ClosedLoopTest, ConnectionRefusedIsReportedAsGrpcWordsIt) {
  DeadPort dead;
  Report report;
  H2ClosedLoop loop({dead.Target()}, Opts(2, 5, 40), &report);
  ASSERT_TRUE(loop.Run(PutCall()).ok());
  const Stats s = report.Compute();
  EXPECT_EQ(s.lats.size(), 0u);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors.begin()->second, 40);
  EXPECT_EQ(s.errors.begin()->first,
            "failed to connect to all addresses; last error: UNKNOWN: ipv4:" + dead.Target() +
                ": Failed to connect to remote host: Connection refused");
}

TEST(H2ClosedLoopTest, AnUnreachableEndpointIsRetriedOnTheNextOne) {
  DeadPort dead;
  FakeKV kv;
  Report report;
  H2ClosedLoop loop({dead.Target(), kv.Target()}, Opts(2, 6, 300), &report);
  ASSERT_TRUE(loop.Run(PutCall()).ok());
  EXPECT_EQ(report.results(), 300);
  EXPECT_TRUE(report.Compute().errors.empty());
  EXPECT_EQ(kv.calls(), 300);
  ExpectAllSeqs(kv.seqs(), 300);
}

TEST(H2ClosedLoopTest, UnresolvableHostFailsEveryCall) {
  Report report;
  H2ClosedLoop loop({"no-port-here"}, Opts(1, 2, 8), &report);
  ASSERT_TRUE(loop.Run(PutCall()).ok());
  const Stats s = report.Compute();
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors.begin()->second, 8);
  EXPECT_NE(s.errors.begin()->first.find("DNS resolution failed"), std::string::npos);
}

TEST(H2ClosedLoopTest, RangeSendsTheRequestAndReusesIt) {
  FakeKV kv;
  Report report;
  H2ClosedLoop loop({kv.Target()}, Opts(2, 3, 60), &report);
  H2Call<RangeRequest> call;
  call.path = "/etcdserverpb.KV/Range";
  std::atomic<int> fresh{0};
  call.fill = [&](size_t, int64_t, RangeRequest* req) {
    if (req->key().empty()) ++fresh;  // a client's first fill
    req->set_key("k");
    req->set_range_end("l");
    req->set_serializable(true);
  };
  ASSERT_TRUE(loop.Run(call).ok());
  EXPECT_EQ(report.results(), 60);
  EXPECT_EQ(fresh.load(), 3);
  EXPECT_EQ(kv.serializable_ranges(), 60);
}

TEST(H2ClosedLoopTest, UnimplementedMethodIsAnError) {
  FakeKV kv;
  Report report;
  H2ClosedLoop loop({kv.Target()}, Opts(1, 2, 6), &report);
  H2Call<RangeRequest> call;
  call.path = "/etcdserverpb.KV/NoSuchMethod";
  call.fill = [](size_t, int64_t, RangeRequest*) {};
  ASSERT_TRUE(loop.Run(call).ok());
  const Stats s = report.Compute();
  EXPECT_EQ(s.lats.size(), 0u);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors.begin()->second, 6);
}

TEST(H2ClosedLoopTest, ServerGoawaysAreSurvived) {
  // The server ends every connection after ~30 ms (GOAWAY); streams it refused go
  // to a fresh connection, and every call still succeeds exactly once per seq.
  FakeKV kv(/*max_connection_age_ms=*/30);
  kv.fail = [](int64_t) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    return grpc::Status::OK;
  };
  Report report;
  H2ClosedLoop loop({kv.Target()}, Opts(2, 8, 1500), &report);
  ASSERT_TRUE(loop.Run(PutCall()).ok());
  EXPECT_EQ(report.results(), 1500);
  EXPECT_TRUE(report.Compute().errors.empty()) << report.Compute().errors.begin()->first;
  ExpectAllSeqs(kv.seqs(), 1500);
  // The run took several connection ages: the clients came over new connections.
  std::set<std::string> all;
  for (const auto& [client, set] : kv.peers()) all.insert(set.begin(), set.end());
  EXPECT_GT(all.size(), 2u);
}

TEST(H2ClosedLoopTest, RateLimitPacesIssues) {
  // 20 calls at 1000/s take at least ~19 ms (burst 1); bounded below only.
  FakeKV kv;
  Report report;
  H2ClosedLoop loop({kv.Target()}, Opts(2, 8, 20, 2, 1000), &report);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(loop.Run(PutCall()).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(18));
  EXPECT_EQ(report.results(), 20);
  ExpectAllSeqs(kv.seqs(), 20);
}

TEST(H2ClosedLoopTest, RunIsOncePerObject) {
  FakeKV kv;
  Report report;
  H2ClosedLoop loop({kv.Target()}, Opts(1, 1, 1), &report);
  ASSERT_TRUE(loop.Run(PutCall()).ok());
  EXPECT_FALSE(loop.Run(PutCall()).ok());
}

// A Slot to feed H2StreamStatus.
class TestSlot final : public H2ClosedLoop::Slot {
 public:
  void Fill() override {}
  void Done(const absl::Status&) override {}
};

TEST(H2StreamStatusTest, GrpcStatusThenResetThenHttpStatus) {
  TestSlot s;
  s.http_status = 200;
  s.grpc_status = 0;
  EXPECT_TRUE(H2StreamStatus(s).ok());
  s.grpc_status = 9;
  s.grpc_message = "etcdserver: x";
  EXPECT_EQ(H2StreamStatus(s), absl::FailedPreconditionError("etcdserver: x"));
  s.grpc_status = 99;
  EXPECT_EQ(H2StreamStatus(s).code(), absl::StatusCode::kUnknown);
  s.grpc_status = -1;  // missing
  EXPECT_EQ(H2StreamStatus(s).code(), absl::StatusCode::kUnknown);
  s.reset_code = 7;  // REFUSED_STREAM
  EXPECT_EQ(H2StreamStatus(s), absl::UnavailableError("Stream refused by server"));
  s.reset_code = 8;  // CANCEL
  EXPECT_EQ(H2StreamStatus(s).code(), absl::StatusCode::kCancelled);
  s.reset_code = 0;
  s.http_status = 404;
  EXPECT_EQ(H2StreamStatus(s), absl::UnimplementedError("Received http2 header with status: 404"));
  s.http_status = 503;
  EXPECT_EQ(H2StreamStatus(s).code(), absl::StatusCode::kUnavailable);
}

TEST(H2StreamStatusTest, DecodesGrpcMessage) {
  EXPECT_EQ(DecodeGrpcMessage("plain text"), "plain text");
  EXPECT_EQ(DecodeGrpcMessage("100%25 sch%C3%B6n"), "100% sch\xc3\xb6n");
  EXPECT_EQ(DecodeGrpcMessage("bad %zz and %4"), "bad %zz and %4");
  EXPECT_EQ(DecodeGrpcMessage("%"), "%");
}

}  // namespace
}  // namespace etcd::benchmark
