// put, range and txn-put: closed-loop unary requests. put and range run on the h2
// engine (h2_driver.h) for plaintext endpoints without --user and on the
// completion-queue engine (cq_driver.h) otherwise or with --engine cq; txn-put always
// on the completion-queue engine.
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <random>
#include <thread>

#include "client/client.h"
#include "tools/benchmark/commands.h"
#include "tools/benchmark/cq_driver.h"
#include "tools/benchmark/format.h"
#include "tools/benchmark/h2_driver.h"
#include "tools/benchmark/keys.h"
#include "tools/benchmark/session.h"

namespace etcd::benchmark {
namespace {

int Fail(const std::string& msg) {
  std::cerr << msg << std::endl;
  return 1;
}

// A background compactor for put --compact-interval.
class Compactor {
 public:
  Compactor(client::Client* c, std::chrono::nanoseconds interval, int64_t delta)
      : client_(c), interval_(interval), delta_(delta) {
    if (interval_.count() > 0) thread_ = std::thread([this] { Loop(); });
  }
  ~Compactor() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      etcdserverpb::RangeRequest get;
      get.set_key("foo");
      auto r = client_->Range(get);
      if (!r.ok()) continue;
      etcdserverpb::CompactionRequest compact;
      compact.set_revision(std::max<int64_t>(0, r->header().revision() - delta_));
      (void)client_->Compact(compact);
    }
  }
  client::Client* client_;
  std::chrono::nanoseconds interval_;
  int64_t delta_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

void PrintHashKV(const Session& session) {
  client::Client* c = session.ForClient(0);
  const auto start = std::chrono::steady_clock::now();
  auto hash = c->HashKV(0, 0);
  if (!hash.ok()) {
    std::cerr << "Failed to get the hashkv of endpoint " << session.global().endpoints[0] << " ("
              << BenchErrorText(hash.status()) << ")" << std::endl;
    return;
  }
  auto status = c->Status(0);
  if (!status.ok()) {
    std::cerr << "Failed to get the status of endpoint " << session.global().endpoints[0] << " ("
              << BenchErrorText(status.status()) << ")" << std::endl;
    return;
  }
  std::cout << "HashKV Summary:\n\tHashKV: " << hash->hash()
            << "\n\tEndpoint: " << session.global().endpoints[0] << "\n\tTime taken to get hashkv: "
            << GoDuration(std::chrono::steady_clock::now() - start)
            << "\n\tDB size: " << HumanizeBytes(static_cast<uint64_t>(status->dbsize()))
            << std::endl;
}

// A small per-client generator (splitmix64): one client's fills are sequential.
class ClientRng {
 public:
  explicit ClientRng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

CqClosedLoop::Options LoopOptions(const CommandLine& cl, int64_t total, int64_t rate) {
  CqClosedLoop::Options options;
  options.clients = static_cast<size_t>(std::max<int64_t>(cl.global.clients, 1));
  options.total = total;
  options.rate = rate;
  return options;
}

H2ClosedLoop::Options H2Options(const CommandLine& cl, int64_t total, int64_t rate) {
  H2ClosedLoop::Options options;
  options.conns = static_cast<size_t>(std::max<int64_t>(cl.global.conns, 1));
  options.clients = static_cast<size_t>(std::max<int64_t>(cl.global.clients, 1));
  options.total = total;
  options.rate = rate;
  options.threads = 1;
  return options;
}

// The endpoints the h2 engine dials (after --target-leader's choice).
std::vector<std::string> H2Targets(const Session& session) {
  std::vector<std::string> out;
  for (const auto& ep : session.ForClient(0)->endpoints()) out.push_back(ep.target);
  return out;
}

}  // namespace

int RunPut(const CommandLine& cl) {
  const PutOptions& o = cl.put;
  if (o.key_space_size <= 0) {
    return Fail("expected positive --key-space-size, got (" + std::to_string(o.key_space_size) +
                ")");
  }
  auto h2 = UseH2Engine(cl.global);
  if (!h2.ok()) return Fail(std::string(h2.status().message()));
  // The h2 engine dials its own connections: the session's one client serves
  // --target-leader, --compact-interval and --check-hashkv.
  auto session = Session::Open(cl.global, *h2 ? 1 : 0);
  if (!session.ok()) return Fail("dial error: " + BenchErrorText(session.status()));
  std::mt19937_64 rng(std::random_device{}());
  const std::string value = RandomBytes(static_cast<int>(o.val_size), &rng);
  // Random keys: each client draws from its own generator (one client's fills are
  // sequential), uniform over the key space as etcd's one shared generator.
  const auto nclients = static_cast<size_t>(std::max<int64_t>(cl.global.clients, 1));
  std::vector<ClientRng> rngs;
  for (size_t i = 0; i < nclients; ++i) rngs.emplace_back(rng());
  Compactor compactor((*session)->ForClient(0), o.compact_interval, o.compact_index_delta);

  Report report(cl.global.sample);
  auto fill = [&](size_t client, int64_t seq, etcdserverpb::PutRequest* req) {
    const int64_t index =
        o.sequential_keys
            ? seq % o.key_space_size
            : static_cast<int64_t>(rngs[client].Next() % static_cast<uint64_t>(o.key_space_size));
    VarintKeyTo(index, static_cast<int>(o.key_size), req->mutable_key());
    if (req->value().size() != value.size()) req->set_value(value);
  };
  if (*h2) {
    H2ClosedLoop loop(H2Targets(**session), H2Options(cl, o.total, o.rate), &report,
                      BenchErrorText);
    H2Call<etcdserverpb::PutRequest> call;
    call.path = "/etcdserverpb.KV/Put";
    call.mutating = true;
    call.fill = fill;
    if (auto st = loop.Run(call); !st.ok()) return Fail(std::string(st.message()));
  } else {
    CqClosedLoop loop((*session)->CqConns(), LoopOptions(cl, o.total, o.rate), &report,
                      BenchErrorText);
    CqCall<etcdserverpb::PutRequest, etcdserverpb::PutResponse> call;
    call.prepare = &etcdserverpb::KV::Stub::PrepareAsyncPut;
    call.path = "/etcdserverpb.KV/Put";
    call.mutating = true;
    call.fill = fill;
    loop.Run(call);
  }
  (*session)->Print("put", "", report.Compute(), true);
  if (o.check_hashkv) PrintHashKV(**session);
  return 0;
}

int RunRange(const CommandLine& cl) {
  const RangeOptions& o = cl.range;
  auto h2 = UseH2Engine(cl.global);
  if (!h2.ok()) return Fail(std::string(h2.status().message()));
  auto session = Session::Open(cl.global, *h2 ? 1 : 0);
  if (!session.ok()) return Fail("dial error: " + BenchErrorText(session.status()));
  const std::string title =
      o.consistency == "l" ? "bench with linearizable range\n" : "bench with serializable range\n";
  if (!cl.global.json) std::cout << title;
  Report report(cl.global.sample);
  const bool serializable = o.consistency == "s";
  auto fill = [&](size_t, int64_t, etcdserverpb::RangeRequest* req) {
    if (req->key() != o.key) req->set_key(o.key);
    if (req->range_end() != o.end) req->set_range_end(o.end);
    req->set_serializable(serializable);
  };
  if (*h2) {
    H2ClosedLoop loop(H2Targets(**session), H2Options(cl, o.total, o.rate), &report,
                      BenchErrorText);
    H2Call<etcdserverpb::RangeRequest> call;
    call.path = "/etcdserverpb.KV/Range";
    call.mutating = false;
    call.fill = fill;
    if (auto st = loop.Run(call); !st.ok()) return Fail(std::string(st.message()));
  } else {
    CqClosedLoop loop((*session)->CqConns(), LoopOptions(cl, o.total, o.rate), &report,
                      BenchErrorText);
    CqCall<etcdserverpb::RangeRequest, etcdserverpb::RangeResponse> call;
    call.prepare = &etcdserverpb::KV::Stub::PrepareAsyncRange;
    call.path = "/etcdserverpb.KV/Range";
    call.mutating = false;
    call.fill = fill;
    loop.Run(call);
  }
  (*session)->Print("range", "", report.Compute(), false);
  return 0;
}

int RunTxnPut(const CommandLine& cl) {
  const TxnPutOptions& o = cl.txn_put;
  if (o.key_space_size <= 0) {
    return Fail("expected positive --key-space-size, got (" + std::to_string(o.key_space_size) +
                ")");
  }
  if (o.txn_ops <= 0) {
    return Fail("expected positive --txn-ops, got (" + std::to_string(o.txn_ops) + ")");
  }
  if (o.txn_ops > o.key_space_size) {
    return Fail("expected --txn-ops no larger than --key-space-size, got txn-ops(" +
                std::to_string(o.txn_ops) + ") key-space-size(" + std::to_string(o.key_space_size) +
                ")");
  }
  auto session = Session::Open(cl.global);
  if (!session.ok()) return Fail("dial error: " + BenchErrorText(session.status()));
  std::mt19937_64 rng(std::random_device{}());
  const std::string value = RandomBytes(static_cast<int>(o.val_size), &rng);
  Report report(cl.global.sample);
  CqClosedLoop loop((*session)->CqConns(), LoopOptions(cl, o.total, o.rate), &report,
                    BenchErrorText);
  CqCall<etcdserverpb::TxnRequest, etcdserverpb::TxnResponse> call;
  call.prepare = &etcdserverpb::KV::Stub::PrepareAsyncTxn;
  call.path = "/etcdserverpb.KV/Txn";
  call.mutating = true;
  call.fill = [&](size_t, int64_t seq, etcdserverpb::TxnRequest* req) {
    for (int64_t j = 0; j < o.txn_ops; ++j) {
      etcdserverpb::PutRequest* put =
          j < req->success_size() ? req->mutable_success(static_cast<int>(j))->mutable_request_put()
                                  : req->add_success()->mutable_request_put();
      VarintKeyTo((seq * o.txn_ops + j) % o.key_space_size, static_cast<int>(o.key_size),
                  put->mutable_key());
      if (put->value().size() != value.size()) put->set_value(value);
    }
  };
  loop.Run(call);
  (*session)->Print("txn-put", "", report.Compute(), true);
  return 0;
}

}  // namespace etcd::benchmark
