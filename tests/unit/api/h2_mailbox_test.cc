#include "api/h2_mailbox.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>
#include <vector>

namespace etcd::api {
namespace {

H2Item Answer(int32_t stream_id) {
  H2Item item;
  item.kind = H2Item::Kind::kAnswer;
  item.conn_id = 1;
  item.stream_id = stream_id;
  return item;
}

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

TEST(H2MailboxTest, PostFromAnotherThreadQueuesAndWakes) {
  H2Mailbox box;
  ASSERT_GE(box.fd(), 0);
  box.BindToThisThread();
  EXPECT_FALSE(Readable(box.fd()));
  std::thread([&] { box.Post(Answer(3)); }).join();
  EXPECT_TRUE(Readable(box.fd()));
  EXPECT_TRUE(box.local.empty());
  std::vector<H2Item> items;
  box.Drain(&items);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].stream_id, 3);
  EXPECT_FALSE(Readable(box.fd()));  // Drain reset the eventfd
}

TEST(H2MailboxTest, PostFromTheWorkerThreadGoesToLocalWithoutWakeUp) {
  H2Mailbox box;
  box.BindToThisThread();
  box.Post(Answer(5));
  EXPECT_FALSE(Readable(box.fd()));
  ASSERT_EQ(box.local.size(), 1u);
  EXPECT_EQ(box.local[0].stream_id, 5);
}

struct Recorder {
  std::vector<int32_t> seen;
  H2Mailbox* box = nullptr;
  static void Fn(void* ctx, H2Item item) {
    auto* r = static_cast<Recorder*>(ctx);
    r->seen.push_back(item.stream_id);
    r->box->Post(Answer(item.stream_id + 100));  // lands in local: this thread is the worker now
  }
};

// A mailbox bound to the test thread, with a direct handler that records.
class H2MailboxDirectTest : public ::testing::Test {
 protected:
  H2MailboxDirectTest() {
    box.BindToThisThread();
    rec.box = &box;
    box.SetDirect(&run_mu, &Recorder::Fn, &rec);
  }
  H2Mailbox box;
  absl::Mutex run_mu;
  Recorder rec;
};

TEST_F(H2MailboxDirectTest, DirectAnswerIsHandledByThePostingThreadWhileTheWorkerWaits) {
  // The worker does not hold run_mu (it "waits"): the poster runs the handler.
  std::thread([&] { box.Post(Answer(7)); }).join();
  ASSERT_EQ(rec.seen.size(), 1u);
  EXPECT_EQ(rec.seen[0], 7);
  EXPECT_FALSE(Readable(box.fd()));
  ASSERT_EQ(box.local.size(), 1u);  // what the handler posted
  EXPECT_EQ(box.local[0].stream_id, 107);

  // The worker holds run_mu (it is busy): the answer is queued for it instead.
  run_mu.Lock();
  std::thread([&] { box.Post(Answer(8)); }).join();
  run_mu.Unlock();
  EXPECT_EQ(rec.seen.size(), 1u);
  EXPECT_TRUE(Readable(box.fd()));
  std::vector<H2Item> items;
  box.Drain(&items);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].stream_id, 8);
}

TEST_F(H2MailboxDirectTest, OnlyAnswersAreHandledDirectly) {
  std::thread([&] {
    H2Item stop;
    stop.kind = H2Item::Kind::kStop;
    box.Post(std::move(stop));
  }).join();
  EXPECT_TRUE(rec.seen.empty());
  std::vector<H2Item> items;
  box.Drain(&items);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].kind, H2Item::Kind::kStop);
}

TEST_F(H2MailboxDirectTest, AfterCloseQueuedAndLaterConnectionsAreClosedAndAnswersDropped) {
  int queued[2], late[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, queued), 0);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, late), 0);
  std::thread([&] {
    H2Item conn;
    conn.kind = H2Item::Kind::kConn;
    conn.fd = queued[0];
    box.Post(std::move(conn));
  }).join();
  box.Close();
  std::thread([&] {
    H2Item conn;
    conn.kind = H2Item::Kind::kConn;
    conn.fd = late[0];
    box.Post(std::move(conn));
    box.Post(Answer(9));  // no direct handling after Close
  }).join();
  EXPECT_TRUE(rec.seen.empty());
  // Both connections were closed by the mailbox: the peers read EOF.
  char c;
  EXPECT_EQ(read(queued[1], &c, 1), 0);
  EXPECT_EQ(read(late[1], &c, 1), 0);
  std::vector<H2Item> items;
  box.Drain(&items);
  EXPECT_TRUE(items.empty());
  close(queued[1]);
  close(late[1]);
}

}  // namespace
}  // namespace etcd::api
