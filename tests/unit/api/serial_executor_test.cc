// api::SerialExecutor: tasks run in order on one thread; Shutdown drains the queue;
// posts after Shutdown are refused.
#include "api/serial_executor.h"

#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace etcd::api {
namespace {

TEST(SerialExecutorTest, RunsTasksInOrderOnItsThread) {
  auto exec = SerialExecutor::Start();
  std::vector<int> seen;  // written on the executor thread only
  bool in_thread = true;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(exec->Post([&seen, &in_thread, e = exec.get(), i] {
      in_thread = in_thread && e->InExecutorThread();
      seen.push_back(i);
    }));
  }
  EXPECT_FALSE(exec->InExecutorThread());
  exec->Shutdown();  // drains, then joins: the writes above happen-before this line
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_TRUE(in_thread);
}

TEST(SerialExecutorTest, TasksMayPostMoreTasks) {
  auto exec = SerialExecutor::Start();
  absl::Notification done;
  exec->Post([&] { exec->Post([&] { done.Notify(); }); });
  done.WaitForNotification();
  exec->Shutdown();
}

TEST(SerialExecutorTest, PostAfterShutdownIsRefusedAndShutdownIsIdempotent) {
  auto exec = SerialExecutor::Start();
  exec->Shutdown();
  bool ran = false;
  EXPECT_FALSE(exec->Post([&] { ran = true; }));
  exec->Shutdown();
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace etcd::api
