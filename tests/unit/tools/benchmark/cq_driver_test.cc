#include "tools/benchmark/cq_driver.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"

namespace etcd::benchmark {
namespace {

using etcdserverpb::PutRequest;
using etcdserverpb::PutResponse;
using etcdserverpb::RangeRequest;
using etcdserverpb::RangeResponse;

// A fake member on an in-process gRPC server (no ports). Put's key is the logical
// client's number, its value the operation's seq; the member checks that a client
// never has two requests in flight and fails the operations `fail` picks.
class FakeKV final : public etcdserverpb::KV::Service {
 public:
  FakeKV() {
    grpc::ServerBuilder builder;
    builder.RegisterService(this);
    // A loopback port chosen by the kernel, for the engine's own (core API) channels.
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    server_ = builder.BuildAndStart();
  }
  std::string Target() const { return "127.0.0.1:" + std::to_string(port_); }
  ~FakeKV() override { server_->Shutdown(); }

  std::shared_ptr<grpc::Channel> Channel() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    return server_->InProcessChannel(args);
  }

  grpc::Status Put(grpc::ServerContext* ctx, const PutRequest* req, PutResponse*) override {
    const std::string client = req->key();
    const int64_t seq = std::stoll(req->value());
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      if (++in_flight_[client] > 1) overlapped_ = true;
      seqs_.push_back(seq);
      clients_.insert(client);
      auto token = ctx->client_metadata().find("token");
      if (token != ctx->client_metadata().end()) {
        tokens_.insert(std::string(token->second.data(), token->second.size()));
      }
    }
    grpc::Status status = fail ? fail(seq) : grpc::Status::OK;
    absl::MutexLock lock(&mu_);
    --in_flight_[client];
    return status;
  }
  grpc::Status Range(grpc::ServerContext*, const RangeRequest* req, RangeResponse* resp) override {
    absl::MutexLock lock(&mu_);
    ++calls_;
    if (req->key() == "k" && req->serializable()) resp->set_count(1);
    return grpc::Status::OK;
  }

  std::function<grpc::Status(int64_t seq)> fail;  // set before Run

  int64_t calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<int64_t> seqs() {
    absl::MutexLock lock(&mu_);
    return seqs_;
  }
  std::set<std::string> clients() {
    absl::MutexLock lock(&mu_);
    return clients_;
  }
  std::set<std::string> tokens() {
    absl::MutexLock lock(&mu_);
    return tokens_;
  }
  bool overlapped() {
    absl::MutexLock lock(&mu_);
    return overlapped_;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  absl::Mutex mu_;
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int> in_flight_ ABSL_GUARDED_BY(mu_);
  bool overlapped_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<int64_t> seqs_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> clients_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> tokens_ ABSL_GUARDED_BY(mu_);
};

CqCall<PutRequest, PutResponse> PutCall() {
  CqCall<PutRequest, PutResponse> call;
  call.prepare = &etcdserverpb::KV::Stub::PrepareAsyncPut;
  call.path = "/etcdserverpb.KV/Put";
  call.mutating = true;
  call.fill = [](size_t client, int64_t seq, PutRequest* req) {
    req->set_key(std::to_string(client));
    req->set_value(std::to_string(seq));
  };
  return call;
}

CqClosedLoop::Options Opts(size_t clients, int64_t total, size_t threads, int64_t rate = 0) {
  CqClosedLoop::Options o;
  o.clients = clients;
  o.total = total;
  o.threads = threads;
  o.rate = rate;
  return o;
}

TEST(CqClosedLoopTest, ExactlyTotalOperationsOneInFlightPerClientOnItsConnection) {
  FakeKV a, b;
  Report report;
  CqClosedLoop loop({{{a.Channel()}, ""}, {{b.Channel()}, ""}}, Opts(40, 3000, 3), &report);
  loop.Run(PutCall());
  EXPECT_EQ(report.results(), 3000);
  EXPECT_EQ(report.Compute().lats.size(), 3000u);
  EXPECT_EQ(a.calls() + b.calls(), 3000);
  std::vector<int64_t> seqs = a.seqs();
  for (int64_t s : b.seqs()) seqs.push_back(s);
  std::sort(seqs.begin(), seqs.end());
  for (int64_t i = 0; i < 3000; ++i) ASSERT_EQ(seqs[static_cast<size_t>(i)], i);
  EXPECT_FALSE(a.overlapped());
  EXPECT_FALSE(b.overlapped());
  // Client i uses connection i % 2.
  EXPECT_EQ(a.clients().size(), 20u);
  for (const auto& c : a.clients()) EXPECT_EQ(std::stoi(c) % 2, 0) << c;
  for (const auto& c : b.clients()) EXPECT_EQ(std::stoi(c) % 2, 1) << c;
}

// The same on the engine's own core-API connections.
CqConn Plain(const FakeKV& kv, std::string token = "") {
  CqConn c;
  c.plain_targets = {kv.Target()};
  c.token = std::move(token);
  return c;
}

TEST(CqClosedLoopTest, CoreApiExactlyTotalOperationsOneInFlightPerClient) {
  FakeKV a, b;
  Report report;
  CqClosedLoop loop({Plain(a, "t"), Plain(b, "t")}, Opts(40, 3000, 3), &report);
  loop.Run(PutCall());
  EXPECT_EQ(report.results(), 3000);
  EXPECT_EQ(report.Compute().lats.size(), 3000u);
  EXPECT_EQ(a.calls() + b.calls(), 3000);
  std::vector<int64_t> seqs = a.seqs();
  for (int64_t s : b.seqs()) seqs.push_back(s);
  std::sort(seqs.begin(), seqs.end());
  for (int64_t i = 0; i < 3000; ++i) ASSERT_EQ(seqs[static_cast<size_t>(i)], i);
  EXPECT_FALSE(a.overlapped());
  EXPECT_FALSE(b.overlapped());
  for (const auto& c : a.clients()) EXPECT_EQ(std::stoi(c) % 2, 0) << c;
  for (const auto& c : b.clients()) EXPECT_EQ(std::stoi(c) % 2, 1) << c;
  EXPECT_EQ(a.tokens(), std::set<std::string>{"t"});
}

TEST(CqClosedLoopTest, CoreApiErrorsAndRetries) {
  FakeKV down, up;
  down.fail = [](int64_t seq) {
    return seq % 2 == 0 ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "etcdserver: no leader")
                        : grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: x");
  };
  CqConn conn;
  conn.plain_targets = {down.Target(), up.Target()};
  Report report;
  CqClosedLoop loop({conn}, Opts(5, 400, 2), &report);
  loop.Run(PutCall());
  const Stats s = report.Compute();
  // Odd operations that started on `down` fail there (not retriable); the rest succeed.
  EXPECT_EQ(static_cast<int64_t>(s.lats.size()) + s.error_count(), 400);
  EXPECT_GT(s.lats.size(), 200u);
  for (const auto& [msg, n] : s.errors) EXPECT_EQ(msg, "etcdserver: x");
}

TEST(CqClosedLoopTest, FewerOperationsThanClientsAndNone) {
  FakeKV a;
  Report report;
  CqClosedLoop loop({{{a.Channel()}, ""}}, Opts(1000, 10, 0), &report);
  loop.Run(PutCall());
  EXPECT_EQ(report.results(), 10);
  EXPECT_EQ(a.calls(), 10);
  Report empty;
  CqClosedLoop none({{{a.Channel()}, ""}}, Opts(4, 0, 2), &empty);
  none.Run(PutCall());
  EXPECT_EQ(empty.results(), 0);
  EXPECT_EQ(a.calls(), 10);
}

TEST(CqClosedLoopTest, ErrorsAreCountedUnderTheirTextAndDoneSeesEveryStatus) {
  FakeKV a;
  a.fail = [](int64_t seq) {
    return seq % 10 == 0 ? grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: x")
                         : grpc::Status::OK;
  };
  Report report;
  CqClosedLoop loop({{{a.Channel()}, ""}}, Opts(7, 500, 2), &report,
                    [](const absl::Status& s) { return "E:" + std::string(s.message()); });
  CqCall<PutRequest, PutResponse> call = PutCall();
  absl::Mutex mu;
  int64_t ok = 0, failed = 0;
  call.done = [&](size_t, int64_t seq, const absl::Status& s) {
    absl::MutexLock lock(&mu);
    if (s.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(seq % 10, 0);
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
      ++failed;
    }
  };
  loop.Run(call);
  const Stats s = report.Compute();
  EXPECT_EQ(s.lats.size(), 450u);
  EXPECT_EQ(s.errors, (std::map<std::string, int64_t>{{"E:etcdserver: x", 50}}));
  EXPECT_EQ(ok, 450);
  EXPECT_EQ(failed, 50);
  EXPECT_EQ(a.calls(), 500);  // not retriable: one attempt each
}

TEST(CqClosedLoopTest, RetriableErrorsGoToTheNextEndpoint) {
  FakeKV down, up;
  down.fail = [](int64_t) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "etcdserver: no leader");
  };
  Report report;
  CqClosedLoop loop({{{down.Channel(), up.Channel()}, ""}}, Opts(5, 200, 2), &report);
  loop.Run(PutCall());
  EXPECT_EQ(report.results(), 200);
  EXPECT_TRUE(report.Compute().errors.empty());
  EXPECT_EQ(up.calls(), 200);
  EXPECT_GT(down.calls(), 0);  // round-robin: about half started there

  // Both down: max(2, 2 x 2) = 4 attempts, then the error.
  FakeKV down2;
  down2.fail = down.fail;
  Report failing;
  CqClosedLoop loop2({{{down.Channel(), down2.Channel()}, ""}}, Opts(3, 30, 1), &failing);
  const int64_t before = down.calls();
  loop2.Run(PutCall());
  EXPECT_EQ(failing.Compute().errors,
            (std::map<std::string, int64_t>{{"etcdserver: no leader", 30}}));
  EXPECT_EQ(down.calls() - before + down2.calls(), 120);
}

TEST(CqClosedLoopTest, AmbiguousUnavailableIsNotRetriedForWrites) {
  FakeKV a, b;
  a.fail = [](int64_t) { return grpc::Status(grpc::StatusCode::UNAVAILABLE, "Socket closed"); };
  b.fail = a.fail;
  Report report;
  CqClosedLoop loop({{{a.Channel(), b.Channel()}, ""}}, Opts(2, 20, 1), &report);
  loop.Run(PutCall());
  EXPECT_EQ(a.calls() + b.calls(), 20);
  EXPECT_EQ(report.Compute().errors, (std::map<std::string, int64_t>{{"Socket closed", 20}}));
}

TEST(CqClosedLoopTest, SendsTheConnectionsToken) {
  FakeKV a;
  Report report;
  CqClosedLoop loop({{{a.Channel()}, "tok-a"}, {{a.Channel()}, "tok-b"}}, Opts(4, 40, 2), &report);
  loop.Run(PutCall());
  EXPECT_EQ(a.tokens(), (std::set<std::string>{"tok-a", "tok-b"}));
}

TEST(CqClosedLoopTest, RangeReusesTheRequest) {
  FakeKV a;
  Report report;
  CqClosedLoop loop({{{a.Channel()}, ""}}, Opts(3, 60, 2), &report);
  CqCall<RangeRequest, RangeResponse> call;
  call.prepare = &etcdserverpb::KV::Stub::PrepareAsyncRange;
  std::atomic<int> fresh{0};
  call.fill = [&](size_t, int64_t, RangeRequest* req) {
    if (req->key().empty()) ++fresh;  // a client's first fill
    req->set_key("k");
    req->set_serializable(true);
  };
  loop.Run(call);
  EXPECT_EQ(report.results(), 60);
  EXPECT_EQ(fresh.load(), 3);
  EXPECT_EQ(a.calls(), 60);
}

TEST(CqClosedLoopTest, RateLimitPacesIssues) {
  // 20 operations at 1000/s take at least ~19 ms (burst 1). Real time, but bounded
  // below only, so it cannot flake on a slow machine.
  FakeKV a;
  Report report;
  CqClosedLoop loop({{{a.Channel()}, ""}}, Opts(8, 20, 2, 1000), &report);
  const auto start = std::chrono::steady_clock::now();
  loop.Run(PutCall());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(18));
  EXPECT_EQ(report.results(), 20);
  EXPECT_EQ(a.calls(), 20);
}

TEST(CqClosedLoopTest, DefaultThreadsIsBetweenOneAndFour) {
  EXPECT_GE(CqClosedLoop::DefaultThreads(), 1u);
  EXPECT_LE(CqClosedLoop::DefaultThreads(), 4u);
}

}  // namespace
}  // namespace etcd::benchmark
