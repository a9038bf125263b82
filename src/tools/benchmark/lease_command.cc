// lease-keepalive: each logical client grants a lease (TTL 100) and then sends
// keep-alives for it, one in flight, on its own LeaseKeepAlive stream. (etcd's tool
// uses clientv3's KeepAliveOnce, which opens a stream per request; a long-lived stream
// measures the keep-alive itself rather than stream setup.)
#include <iostream>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "client/client.h"
#include "tools/benchmark/commands.h"
#include "tools/benchmark/driver.h"
#include "tools/benchmark/session.h"

namespace etcd::benchmark {
namespace {

struct KeepAliveClient {
  int64_t lease_id = 0;
  std::unique_ptr<client::KeepAliveStream> stream;
  absl::Mutex mu;
  ClosedLoop::DoneFn pending ABSL_GUARDED_BY(mu);

  void Complete(const absl::Status& s) {
    ClosedLoop::DoneFn done;
    {
      absl::MutexLock lock(&mu);
      done = std::move(pending);
      pending = nullptr;
    }
    if (done) done(s);
  }
};

}  // namespace

int RunLeaseKeepalive(const CommandLine& cl) {
  auto session = Session::Open(cl.global);
  if (!session.ok()) {
    std::cerr << "dial error: " << BenchErrorText(session.status()) << std::endl;
    return 1;
  }
  const auto nclients = static_cast<size_t>(cl.global.clients);
  std::vector<std::unique_ptr<KeepAliveClient>> clients(nclients);
  // Grant the leases from a few threads (etcd: one goroutine per client).
  std::atomic<size_t> next{0};
  absl::Mutex err_mu;
  absl::Status grant_error;
  std::vector<std::thread> granters;
  for (size_t t = 0; t < std::min<size_t>(16, nclients); ++t) {
    granters.emplace_back([&] {
      for (size_t i = next++; i < nclients; i = next++) {
        auto c = std::make_unique<KeepAliveClient>();
        auto grant = (*session)->ForClient(i)->LeaseGrant(100);
        if (!grant.ok()) {
          absl::MutexLock lock(&err_mu);
          grant_error = grant.status();
          return;
        }
        c->lease_id = grant->id();
        clients[i] = std::move(c);
      }
    });
  }
  for (auto& t : granters) t.join();
  if (!grant_error.ok()) {
    std::cerr << "lease grant failed: " << BenchErrorText(grant_error) << std::endl;
    return 1;
  }
  for (size_t i = 0; i < nclients; ++i) {
    KeepAliveClient* c = clients[i].get();
    c->stream = (*session)->ForClient(i)->LeaseKeepAlive(
        [c](const etcdserverpb::LeaseKeepAliveResponse&) { c->Complete(absl::OkStatus()); },
        [c](const absl::Status& s) {
          c->Complete(s.ok() ? absl::UnavailableError("keep-alive stream closed") : s);
        });
  }

  Report report(cl.global.sample);
  ClosedLoop loop(nclients, cl.lease_keepalive.total, 0, &report, BenchErrorText);
  loop.Run([&](size_t i, int64_t, ClosedLoop::DoneFn done) {
    KeepAliveClient* c = clients[i].get();
    {
      absl::MutexLock lock(&c->mu);
      c->pending = std::move(done);
    }
    etcdserverpb::LeaseKeepAliveRequest req;
    req.set_id(c->lease_id);
    if (!c->stream->Write(std::move(req))) {
      c->Complete(absl::UnavailableError("keep-alive stream closed"));
    }
  });
  for (auto& c : clients) c->stream->Cancel();
  for (auto& c : clients) (void)c->stream->Await();
  (*session)->Print("lease-keepalive", "", report.Compute(), false);
  return 0;
}

}  // namespace etcd::benchmark
