#include "api/h2_mailbox.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <iterator>
#include <utility>

namespace etcd::api {
namespace {

thread_local const H2Mailbox* t_owner = nullptr;

}  // namespace

H2Mailbox::H2Mailbox() : efd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

H2Mailbox::~H2Mailbox() {
  if (efd_ >= 0) close(efd_);
}

void H2Mailbox::BindToThisThread() { t_owner = this; }

void H2Mailbox::Post(H2Item item) {
  if (t_owner == this) {
    local.push_back(std::move(item));
    return;
  }
  bool wake = false;
  absl::Mutex* run = nullptr;
  void (*fn)(void*, H2Item) = nullptr;
  void* ctx = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) {
      if (item.kind == H2Item::Kind::kConn) close(item.fd);
      return;
    }
    if (item.kind == H2Item::Kind::kAnswer && direct_ != nullptr && run_mu_->TryLock()) {
      run = run_mu_;  // the worker waits in epoll_wait: answer from here
      fn = direct_;
      ctx = direct_ctx_;
    } else {
      wake = items_.empty();
      items_.push_back(std::move(item));
    }
  }
  if (run != nullptr) {
    // direct_ changes only with run_mu_ held, which this thread now holds.
    const H2Mailbox* const outer = t_owner;  // another worker's thread posting
    t_owner = this;                          // what the answer posts in turn goes to `local`
    fn(ctx, std::move(item));
    t_owner = outer;
    run->Unlock();
    return;
  }
  if (wake) Wake();
}

void H2Mailbox::Wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(efd_, &one, sizeof one);
}

void H2Mailbox::SetDirect(absl::Mutex* run_mu, void (*fn)(void*, H2Item), void* ctx) {
  absl::MutexLock lock(&mu_);
  run_mu_ = run_mu;
  direct_ = fn;
  direct_ctx_ = ctx;
}

void H2Mailbox::Drain(std::vector<H2Item>* out) {
  uint64_t v = 0;
  [[maybe_unused]] ssize_t n = read(efd_, &v, sizeof v);
  absl::MutexLock lock(&mu_);
  out->swap(items_);
}

void H2Mailbox::Close() {
  std::vector<H2Item> rest;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    direct_ = nullptr;
    rest.swap(items_);
  }
  rest.insert(rest.end(), std::make_move_iterator(local.begin()),
              std::make_move_iterator(local.end()));
  local.clear();
  for (H2Item& i : rest) {
    if (i.kind == H2Item::Kind::kConn) close(i.fd);
  }
}

}  // namespace etcd::api
