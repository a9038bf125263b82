#include "api/client_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace etcd::api {
namespace {

// Records classified connections; reads what the client sent to prove nothing was
// consumed by the sniffing.
class RecordingSink : public ConnectionSink {
 public:
  void ServeHttp2(int fd) override { Add("h2", fd); }
  void ServeHttp1(int fd, const sockaddr* addr, socklen_t) override {
    EXPECT_EQ(addr->sa_family, AF_INET);
    Add("h1", fd);
  }
  // Waits until `n` connections were handed off; returns them as "kind:first bytes".
  std::vector<std::string> WaitFor(size_t n) {
    absl::MutexLock l(&mu_);
    auto enough = [&] { return got_.size() >= n; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
    return got_;
  }
  ~RecordingSink() override {
    for (int fd : fds_) close(fd);
  }

 private:
  void Add(const std::string& kind, int fd) {
    char buf[64];
    ssize_t n = recv(fd, buf, sizeof buf, 0);  // non-blocking: already there
    absl::MutexLock l(&mu_);
    got_.push_back(kind + ":" + std::string(buf, n > 0 ? static_cast<size_t>(n) : 0));
    fds_.push_back(fd);
  }
  absl::Mutex mu_;
  std::vector<std::string> got_ ABSL_GUARDED_BY(mu_);
  std::vector<int> fds_ ABSL_GUARDED_BY(mu_);
};

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

void Send(int fd, std::string_view s) {
  ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

// True when the server closed `fd` (recv returns 0) within the socket timeout.
bool ClosedByServer(int fd) {
  timeval tv{.tv_sec = 10, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c;
  return recv(fd, &c, 1, 0) == 0;
}

std::unique_ptr<ClientListener> StartOn0(RecordingSink* sink, ClientListenerOptions o = {}) {
  auto l = ClientListener::Start({ListenAddress{.host = "127.0.0.1", .port = 0}}, sink, o);
  EXPECT_TRUE(l.ok()) << l.status();
  EXPECT_GT((*l)->ports()[0], 0);
  return std::move(*l);
}

TEST(ClientListenerTest, RoutesByFirstBytesWithoutConsumingThem) {
  RecordingSink sink;
  auto l = StartOn0(&sink);
  int h2 = Connect(l->ports()[0]);
  Send(h2, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  ASSERT_EQ(sink.WaitFor(1).size(), 1u);
  int h1 = Connect(l->ports()[0]);
  Send(h1, "GET /health HTTP/1.1\r\n\r\n");
  auto got = sink.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  // The preface may arrive in one recv or more; what the sink read starts with it.
  EXPECT_TRUE(got[0].starts_with("h2:PRI * HTTP/2.0")) << got[0];
  EXPECT_EQ(got[1], "h1:GET /health HTTP/1.1\r\n\r\n");
  close(h2);
  close(h1);
}

TEST(ClientListenerTest, SlowFirstBytesAndSilentClientsDoNotBlockOthers) {
  RecordingSink sink;
  auto l = StartOn0(&sink);
  const int port = l->ports()[0];
  int silent = Connect(port);  // connects and says nothing
  int slow = Connect(port);
  Send(slow, "P");  // a prefix of both "POST" and "PRI": undecided
  int quick = Connect(port);
  Send(quick, "POST /v3/kv/range HTTP/1.1\r\n\r\n");
  // The quick client is served while the other two are pending.
  auto got = sink.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].starts_with("h1:POST")) << got[0];
  // The slow client finishes its preface late.
  Send(slow, "RI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  got = sink.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[1].starts_with("h2:PRI")) << got[1];
  close(silent);
  close(slow);
  close(quick);
}

TEST(ClientListenerTest, SilentConnectionIsClosedAfterTheSniffTimeout) {
  RecordingSink sink;
  auto l = StartOn0(&sink, ClientListenerOptions{.sniff_timeout = std::chrono::milliseconds(100)});
  int silent = Connect(l->ports()[0]);
  EXPECT_TRUE(ClosedByServer(silent));
  EXPECT_TRUE(sink.WaitFor(0).empty());
  close(silent);
}

TEST(ClientListenerTest, ClientClosingBeforeSpeakingIsDropped) {
  RecordingSink sink;
  auto l = StartOn0(&sink);
  close(Connect(l->ports()[0]));
  int h1 = Connect(l->ports()[0]);
  Send(h1, "GET / HTTP/1.1\r\n\r\n");
  auto got = sink.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].starts_with("h1:GET")) << got[0];
  close(h1);
}

TEST(ClientListenerTest, TooManyPendingClosesTheOldest) {
  RecordingSink sink;
  auto l = StartOn0(&sink, ClientListenerOptions{.max_pending = 2});
  int a = Connect(l->ports()[0]);
  int b = Connect(l->ports()[0]);
  int c = Connect(l->ports()[0]);
  EXPECT_TRUE(ClosedByServer(a));
  Send(c, "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(sink.WaitFor(1).size(), 1u);
  close(a);
  close(b);
  close(c);
}

TEST(ClientListenerTest, BindErrorNamesTheAddressAsGoDoes) {
  RecordingSink sink;
  auto first = StartOn0(&sink);
  const int port = first->ports()[0];
  auto second = ClientListener::Start({ListenAddress{.host = "127.0.0.1", .port = port}}, &sink);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            "listen tcp 127.0.0.1:" + std::to_string(port) + ": bind: address already in use");
}

TEST(ClientListenerTest, StopClosesTheListeningSocket) {
  RecordingSink sink;
  auto l = StartOn0(&sink);
  const int port = l->ports()[0];
  l->Stop();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  close(fd);
}

}  // namespace
}  // namespace etcd::api
