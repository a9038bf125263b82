#include "tools/benchmark/cq_driver.h"

#include <grpc/byte_buffer.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>

#include <algorithm>
#include <climits>

#include "client/status.h"

namespace etcd::benchmark {
namespace {

// The channel arguments client::Client::Connect uses, with the benchmark's
// GRPC_ARG_ENABLE_RETRIES = 0 (session.cc).
grpc_channel* DialPlain(const std::string& target) {
  const std::pair<const char*, int> ints[] = {
      {GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1},
      {GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, INT_MAX},
      {GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, 2 * 1024 * 1024},
      {GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1},
      {GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100},
      {GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000},
      {GRPC_ARG_ENABLE_RETRIES, 0},
  };
  std::vector<grpc_arg> args;
  for (const auto& [name, value] : ints) {
    grpc_arg a;
    a.type = GRPC_ARG_INTEGER;
    a.key = const_cast<char*>(name);
    a.value.integer = value;
    args.push_back(a);
  }
  grpc_channel_args channel_args{args.size(), args.data()};
  grpc_channel_credentials* creds = grpc_insecure_credentials_create();
  grpc_channel* channel = grpc_channel_create(target.c_str(), creds, &channel_args);
  grpc_channel_credentials_release(creds);
  return channel;
}

}  // namespace

void CqClosedLoop::CoreCall::Start(grpc_channel* channel, void* method, const std::string& token,
                                   const google::protobuf::MessageLite& req,
                                   grpc::CompletionQueue* cq) {
  call_ = grpc_channel_create_registered_call(channel, nullptr, GRPC_PROPAGATE_DEFAULTS, cq->cq(),
                                              method, gpr_inf_future(GPR_CLOCK_REALTIME), nullptr);
  const size_t size = req.ByteSizeLong();
  grpc_slice slice = grpc_slice_malloc(size);
  req.SerializeWithCachedSizesToArray(GRPC_SLICE_START_PTR(slice));
  send_ = grpc_raw_byte_buffer_create(&slice, 1);
  grpc_slice_unref(slice);
  grpc_metadata_array_init(&initial_);
  grpc_metadata_array_init(&trailing_);
  details_ = grpc_empty_slice();
  error_string_ = nullptr;
  grpc_op ops[6] = {};
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  if (!token.empty()) {
    token_.key = grpc_slice_from_static_string("token");
    token_.value = grpc_slice_from_static_buffer(token.data(), token.size());
    ops[0].data.send_initial_metadata.count = 1;
    ops[0].data.send_initial_metadata.metadata = &token_;
  }
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = send_;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &recv_;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &trailing_;
  ops[5].data.recv_status_on_client.status = &code_;
  ops[5].data.recv_status_on_client.status_details = &details_;
  ops[5].data.recv_status_on_client.error_string = &error_string_;
  const grpc_call_error e = grpc_call_start_batch(call_, ops, 6, &tag_, nullptr);
  GPR_ASSERT(e == GRPC_CALL_OK);
}

grpc::Status CqClosedLoop::CoreCall::Finish() {
  if (call_ == nullptr) return grpc::Status::OK;
  grpc::Status status =
      code_ == GRPC_STATUS_OK
          ? grpc::Status::OK
          : grpc::Status(static_cast<grpc::StatusCode>(code_),
                         std::string(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(details_)),
                                     GRPC_SLICE_LENGTH(details_)));
  // The response is not parsed: the benchmark only counts and times the calls.
  if (recv_ != nullptr) grpc_byte_buffer_destroy(recv_);
  recv_ = nullptr;
  grpc_byte_buffer_destroy(send_);
  send_ = nullptr;
  grpc_metadata_array_destroy(&initial_);
  grpc_metadata_array_destroy(&trailing_);
  grpc_slice_unref(details_);
  if (error_string_ != nullptr) gpr_free(const_cast<char*>(error_string_));
  error_string_ = nullptr;
  grpc_call_unref(call_);
  call_ = nullptr;
  return status;
}

CqClosedLoop::Conn::~Conn() {
  for (grpc_channel* c : core) grpc_channel_destroy(c);
}

size_t CqClosedLoop::DefaultThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return std::clamp<size_t>(n, 1, 4);
}

CqClosedLoop::CqClosedLoop(std::vector<CqConn> conns, Options options, Report* report,
                           ErrorText error_text)
    : options_(options), report_(report), error_text_(std::move(error_text)) {
  size_t endpoints = 1;
  for (auto& c : conns) {
    auto conn = std::make_unique<Conn>();
    conn->token = std::move(c.token);
    if (!c.plain_targets.empty()) {
      for (const auto& t : c.plain_targets) conn->core.push_back(DialPlain(t));
      conn->method.resize(conn->core.size(), nullptr);
    } else {
      for (auto& ch : c.channels) conn->stubs.push_back(etcdserverpb::KV::NewStub(ch));
    }
    endpoints = std::max(endpoints, conn->endpoints());
    conns_.push_back(std::move(conn));
  }
  max_attempts_ = std::max<int>(2, 2 * static_cast<int>(endpoints));
}

CqClosedLoop::~CqClosedLoop() = default;

void CqClosedLoop::RunSlots(bool mutating, const char* path) {
  mutating_ = mutating;
  for (auto& conn : conns_) {
    for (size_t e = 0; e < conn->core.size(); ++e) {
      GPR_ASSERT(path != nullptr);
      conn->method[e] = grpc_channel_register_call(conn->core[e], path, nullptr, nullptr);
    }
  }
  report_->Start();
  if (options_.total <= 0 || slots_.empty() || conns_.empty()) {
    report_->Finish();
    return;
  }
  const size_t nthreads =
      std::min(options_.threads > 0 ? options_.threads : DefaultThreads(), slots_.size());
  for (size_t t = 0; t < nthreads; ++t) workers_.push_back(std::make_unique<Worker>());
  for (size_t c = 0; c < slots_.size(); ++c) {
    Slot* s = slots_[c].get();
    s->client = c;
    s->conn = c % conns_.size();
    s->thread = c % nthreads;
  }
  if (options_.rate > 0) {
    pacer_.Start([this](int64_t* seq) { return (*seq = next_seq_.fetch_add(1)) < options_.total; },
                 [this](Slot* slot, int64_t seq) { Issue(slot, seq); });
  }
  // Every client's first request (as ClosedLoop: in client order, each client gets
  // one), then the threads serve the completions.
  for (auto& s : slots_) Next(s.get());
  for (size_t t = 0; t < nthreads; ++t) {
    workers_[t]->thread = std::thread([this, t] { Poll(t); });
  }
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&finished_));
  }
  pacer_.Stop();
  report_->Finish();
  // Every call has completed: the queues drain at once.
  for (auto& w : workers_) w->cq.Shutdown();
  for (auto& w : workers_) w->thread.join();
  slots_.clear();
}

void CqClosedLoop::Poll(size_t worker) {
  grpc::CompletionQueue& cq = workers_[worker]->cq;
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) OnCompletion(static_cast<Slot*>(tag));
}

void CqClosedLoop::OnCompletion(Slot* slot) {
  slot->Release();
  absl::Status status;
  if (!slot->status.ok()) {
    status = absl::Status(static_cast<absl::StatusCode>(slot->status.error_code()),
                          slot->status.error_message());
    if (++slot->attempt < max_attempts_ && client::IsRetriable(status, mutating_)) {
      // The connection's next endpoint, at once (as client::Client's async calls).
      slot->endpoint = (slot->endpoint + 1) % conns_[slot->conn]->endpoints();
      StartAttempt(slot);
      return;
    }
  }
  if (status.ok()) {
    report_->Add(slot->start, std::chrono::steady_clock::now());
  } else {
    report_->AddError(error_text_ ? error_text_(status) : std::string(status.message()));
  }
  slot->Done(status);
  const int64_t done = completed_.fetch_add(1) + 1;
  if (done >= options_.total) {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    return;
  }
  Next(slot);
}

void CqClosedLoop::Next(Slot* slot) {
  if (options_.rate > 0) {
    pacer_.Push(slot);
    return;
  }
  const int64_t seq = next_seq_.fetch_add(1);
  if (seq < options_.total) Issue(slot, seq);
}

void CqClosedLoop::Issue(Slot* slot, int64_t seq) {
  Conn& conn = *conns_[slot->conn];
  slot->seq = seq;
  slot->attempt = 0;
  const size_t endpoints = conn.endpoints();
  slot->endpoint =
      endpoints == 1 ? 0 : conn.next.fetch_add(1, std::memory_order_relaxed) % endpoints;
  slot->start = std::chrono::steady_clock::now();
  slot->Fill();
  StartAttempt(slot);
}

void CqClosedLoop::StartAttempt(Slot* slot) {
  slot->Start(*conns_[slot->conn], slot->endpoint, &workers_[slot->thread]->cq);
}

}  // namespace etcd::benchmark
