// watch and watch-latency: watch streams on the async client; watch's puts on the
// completion-queue engine (cq_driver.h).
#include <atomic>
#include <deque>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "client/client.h"
#include "tools/benchmark/commands.h"
#include "tools/benchmark/cq_driver.h"
#include "tools/benchmark/keys.h"
#include "tools/benchmark/session.h"

namespace etcd::benchmark {
namespace {

using Clock = std::chrono::steady_clock;

int Fail(const std::string& msg) {
  std::cerr << msg << std::endl;
  return 1;
}

// Cancels and reaps every stream.
template <typename Streams>
void CloseAll(Streams& streams) {
  for (auto& s : streams) s->Cancel();
  for (auto& s : streams) (void)s->Await();
}

// State of `watch`: creation (one create in flight per stream, as etcd's one goroutine
// per stream), then counting events.
class WatchBench {
 public:
  WatchBench(const CommandLine& cl, Session* session) : cl_(cl), o_(cl.watch), session_(session) {
    per_stream_ = o_.watch_per_stream;
    if (o_.watchers > 0) per_stream_ = (o_.watchers + o_.streams - 1) / o_.streams;
    std::mt19937_64 rng(std::random_device{}());
    for (int64_t i = 0; i < o_.watched_key_total; ++i) {
      const int64_t index =
          o_.sequential_keys
              ? i % o_.key_space_size
              : static_cast<int64_t>(rng() % static_cast<uint64_t>(o_.key_space_size));
      watched_.push_back(VarintKey(index, static_cast<int>(o_.key_size)));
    }
  }

  int Run() {
    const size_t nstreams = static_cast<size_t>(o_.streams);
    states_.resize(nstreams);
    // Phase 1: create the watches.
    creation_.Start();
    for (size_t i = 0; i < nstreams; ++i) {
      client::Client* c = session_->ForClient(i % static_cast<size_t>(cl_.global.clients));
      streams_.push_back(
          c->Watch([this, i](const etcdserverpb::WatchResponse& r) { OnMessage(i, r); },
                   [this](const absl::Status& s) { OnStreamDone(s); }));
    }
    for (size_t i = 0; i < nstreams; ++i) SendCreate(i);
    {
      absl::MutexLock lock(&mu_);
      auto created = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return streams_finished_ == states_.size() || failed_;
      };
      mu_.Await(absl::Condition(&created));
    }
    creation_.Finish();
    if (Failed()) {
      CloseAll(streams_);
      return Fail("watch failed: " + BenchErrorText(FailStatus()));
    }
    const Stats creation_stats = creation_.Compute();
    if (!cl_.global.json)
      session_->Print("watch", "Watch creation summary:\n", creation_stats, false);

    // Phase 2: put, count the events.
    int64_t events_total = 0;
    for (int64_t i = 0; i < o_.put_total; ++i) {
      events_total += WatchersOf(watched_[static_cast<size_t>(i) % watched_.size()]);
    }
    {
      absl::MutexLock lock(&mu_);
      events_left_ = events_total;
      counting_ = true;
    }
    events_.Start();
    Report put_report;
    std::atomic<int64_t> put_errors{0};
    CqClosedLoop::Options put_options;
    put_options.clients = static_cast<size_t>(cl_.global.clients);
    put_options.total = o_.put_total;
    put_options.rate = o_.put_rate;
    CqClosedLoop puts(session_->CqConns(), put_options, &put_report, BenchErrorText);
    CqCall<etcdserverpb::PutRequest, etcdserverpb::PutResponse> put;
    put.prepare = &etcdserverpb::KV::Stub::PrepareAsyncPut;
    put.path = "/etcdserverpb.KV/Put";
    put.mutating = true;
    put.fill = [this](size_t, int64_t seq, etcdserverpb::PutRequest* req) {
      req->set_key(watched_[static_cast<size_t>(seq) % watched_.size()]);
      req->set_value("data");
    };
    put.done = [this, &put_errors](size_t, int64_t seq, const absl::Status& status) {
      if (status.ok()) return;
      // Its events will never come.
      put_errors.fetch_add(1);
      const int64_t expected = WatchersOf(watched_[static_cast<size_t>(seq) % watched_.size()]);
      absl::MutexLock lock(&mu_);
      events_left_ -= expected;
    };
    std::thread putter([&] { puts.Run(put); });
    {
      absl::MutexLock lock(&mu_);
      auto all = [this]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return events_left_ <= 0 || failed_; };
      mu_.Await(absl::Condition(&all));
    }
    events_.Finish();
    putter.join();
    CloseAll(streams_);
    if (put_errors.load() > 0) {
      std::cerr << "warning: " << put_errors.load()
                << " puts failed: " << FormatText(put_report.Compute(), false) << std::endl;
    }
    if (Failed()) return Fail("watch failed: " + BenchErrorText(FailStatus()));
    nlohmann::ordered_json extra;
    extra["watch_creation"] = ToJson(creation_stats);
    session_->Print("watch", "Watch events received summary:\n", events_.Compute(), false, extra);
    return 0;
  }

 private:
  struct StreamState {
    int64_t sent = 0;
    Clock::time_point started;
  };

  // Read-only after phase 1.
  int64_t WatchersOf(const std::string& key) const {
    auto it = num_watchers_.find(key);
    return it == num_watchers_.end() ? 0 : it->second;
  }

  void SendCreate(size_t i) {
    int64_t k = 0;
    {
      absl::MutexLock lock(&mu_);
      StreamState& st = states_[i];
      if (st.sent >= per_stream_) {
        ++streams_finished_;
        return;
      }
      ++st.sent;
      st.started = Clock::now();
      k = next_key_++;
    }
    const std::string& key = watched_[static_cast<size_t>(k) % watched_.size()];
    {
      absl::MutexLock lock(&mu_);
      ++num_watchers_[key];
    }
    etcdserverpb::WatchRequest req;
    req.mutable_create_request()->set_key(key);
    streams_[i]->Write(std::move(req));
  }

  void OnMessage(size_t i, const etcdserverpb::WatchResponse& r) {
    if (r.created()) {
      Clock::time_point started;
      {
        absl::MutexLock lock(&mu_);
        started = states_[i].started;
      }
      if (r.canceled()) {
        creation_.AddError(r.cancel_reason());
      } else {
        creation_.Add(started, Clock::now());
      }
      SendCreate(i);
      return;
    }
    if (r.events_size() == 0) return;
    const auto now = Clock::now();
    absl::MutexLock lock(&mu_);
    if (!counting_) return;
    for (int e = 0; e < r.events_size() && events_left_ > 0; ++e) {
      events_.Add(now, Clock::now());
      --events_left_;
    }
  }

  void OnStreamDone(const absl::Status& s) {
    if (s.ok() || s.code() == absl::StatusCode::kCancelled) return;
    absl::MutexLock lock(&mu_);
    if (!failed_) {
      failed_ = true;
      fail_status_ = s;
    }
  }

  bool Failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }
  absl::Status FailStatus() {
    absl::MutexLock lock(&mu_);
    return fail_status_;
  }

  const CommandLine& cl_;
  const WatchOptions& o_;
  Session* session_;
  int64_t per_stream_ = 0;
  std::vector<std::string> watched_;
  std::vector<std::unique_ptr<client::WatchStream>> streams_;
  Report creation_{cl_.global.sample};
  Report events_{cl_.global.sample};

  absl::Mutex mu_;
  std::vector<StreamState> states_ ABSL_GUARDED_BY(mu_);
  size_t streams_finished_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_key_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int64_t> num_watchers_;  // written in phase 1 under mu_, read after
  bool counting_ ABSL_GUARDED_BY(mu_) = false;
  int64_t events_left_ ABSL_GUARDED_BY(mu_) = 0;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status fail_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int RunWatch(const CommandLine& cl) {
  const WatchOptions& o = cl.watch;
  if (o.key_space_size <= 0) {
    return Fail("expected positive --key-space-size, got (" + std::to_string(o.key_space_size) +
                ")");
  }
  if (o.streams <= 0 || o.watched_key_total <= 0) {
    return Fail("expected positive --streams and --watched-key-total");
  }
  const int64_t grpc_conns = std::min(cl.global.clients, cl.global.conns);
  const int64_t wanted = 1 + o.streams / 100;
  if (grpc_conns < wanted) {
    std::cerr << "warning: grpc limits 100 streams per client connection, have " << grpc_conns
              << " but need " << wanted << std::endl;
  }
  auto session = Session::Open(cl.global);
  if (!session.ok()) return Fail("dial error: " + BenchErrorText(session.status()));
  WatchBench bench(cl, session->get());
  return bench.Run();
}

int RunWatchLatency(const CommandLine& cl) {
  const WatchLatencyOptions& o = cl.watch_latency;
  auto session = Session::Open(cl.global);
  if (!session.ok()) return Fail("dial error: " + BenchErrorText(session.status()));
  auto put_client = (*session)->NewConn();
  if (!put_client.ok()) return Fail("dial error: " + BenchErrorText(put_client.status()));
  std::mt19937_64 rng(std::random_device{}());
  const std::string key = RandomBytes(static_cast<int>(o.key_size), &rng);
  const std::string value = RandomBytes(static_cast<int>(o.val_size), &rng);
  const auto nclients = static_cast<size_t>(cl.global.clients);

  // One stream per connection (clientv3: one watcher per client), one watch per
  // logical client on its connection's stream.
  absl::Mutex mu;
  Clock::time_point put_start;
  int64_t waiting = 0;
  int64_t created = 0;
  absl::Status failure;
  Report report(cl.global.sample);
  std::vector<std::unique_ptr<client::WatchStream>> streams;
  const size_t nstreams = std::min(nclients, (*session)->conn_count());
  for (size_t s = 0; s < nstreams; ++s) {
    streams.push_back((*session)->ForClient(s)->Watch(
        [&](const etcdserverpb::WatchResponse& r) {
          const auto now = Clock::now();
          absl::MutexLock lock(&mu);
          if (r.created()) {
            ++created;
            return;
          }
          for (int e = 0; e < r.events_size() && waiting > 0; ++e) {
            report.Add(put_start, now);
            --waiting;
          }
        },
        [&](const absl::Status& st) {
          if (st.ok() || st.code() == absl::StatusCode::kCancelled) return;
          absl::MutexLock lock(&mu);
          if (failure.ok()) failure = st;
        }));
  }
  for (size_t c = 0; c < nclients; ++c) {
    etcdserverpb::WatchRequest req;
    req.mutable_create_request()->set_key(key);
    streams[c % nstreams]->Write(std::move(req));
  }
  {
    absl::MutexLock lock(&mu);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return created >= static_cast<int64_t>(nclients) || !failure.ok();
    };
    mu.Await(absl::Condition(&ready));
  }
  report.Start();
  const auto begin = Clock::now();
  int exit_code = 0;
  for (int64_t i = 0; i < o.total; ++i) {
    // --put-rate with a burst of put-rate, as rate.NewLimiter(rate, rate).
    if (o.put_rate > 0) {
      const auto due = begin + std::chrono::nanoseconds(i * 1'000'000'000LL / o.put_rate);
      if (due > Clock::now()) std::this_thread::sleep_until(due);
    }
    {
      absl::MutexLock lock(&mu);
      if (!failure.ok()) break;
      put_start = Clock::now();
      waiting = static_cast<int64_t>(nclients);
    }
    etcdserverpb::PutRequest put;
    put.set_key(key);
    put.set_value(value);
    auto r = (*put_client)->Put(put);
    if (!r.ok()) {
      std::cerr << "Failed to Put for watch latency benchmark: " << BenchErrorText(r.status())
                << std::endl;
      exit_code = 1;
      break;
    }
    absl::MutexLock lock(&mu);
    auto all = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return waiting <= 0 || !failure.ok(); };
    mu.Await(absl::Condition(&all));
  }
  report.Finish();
  CloseAll(streams);
  if (exit_code != 0) return exit_code;
  {
    absl::MutexLock lock(&mu);
    if (!failure.ok()) return Fail("watch failed: " + BenchErrorText(failure));
  }
  (*session)->Print("watch-latency", "", report.Compute(), false);
  return 0;
}

}  // namespace etcd::benchmark
