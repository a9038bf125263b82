#include "systemd/logging.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace etcd::systemd {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/logging-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string StreamId(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

TEST(LoggingTest, JournalStreamMatchesOnlyTheSameFile) {
  TempDir dir;
  int a = ::open((dir.path() + "/a").c_str(), O_WRONLY | O_CREAT, 0600);
  int b = ::open((dir.path() + "/b").c_str(), O_WRONLY | O_CREAT, 0600);
  EXPECT_TRUE(JournalStreamMatches(StreamId(a), a));
  EXPECT_FALSE(JournalStreamMatches(StreamId(a), b));
  EXPECT_FALSE(JournalStreamMatches("garbage", a));
  EXPECT_FALSE(JournalStreamMatches("1:2:3", a));
  ::close(a);
  ::close(b);
}

TEST(LoggingTest, FileOutputsGetJsonLines) {
  TempDir dir;
  LoggingOptions o;
  o.logger = "zap";
  o.outputs = {dir.path() + "/one.log", dir.path() + "/two.log"};
  o.level = "warn";
  auto l = SetUpLogging(o);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->journal, nullptr);
  l->logger->Info("dropped below warn");
  l->logger->Warn("kept", {{"k", "v"}});
  l->logger.reset();
  for (const char* f : {"/one.log", "/two.log"}) {
    std::string text = ReadFile(dir.path() + f);
    EXPECT_EQ(text.find("dropped"), std::string::npos);
    EXPECT_NE(text.find("\"msg\":\"kept\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"k\":\"v\""), std::string::npos);
  }
}

TEST(LoggingTest, EtcdMessagesForBadSettings) {
  LoggingOptions o;
  o.outputs = {"/nonexistent/dir/x.log"};
  o.logger = "zap";
  auto l = SetUpLogging(o);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().message(),
            "open sink \"/nonexistent/dir/x.log\": open /nonexistent/dir/x.log: no such file or "
            "directory");
  o.outputs = {"stderr"};
  o.level = "verbose";
  EXPECT_EQ(SetUpLogging(o).status().message(), "unknown level \"verbose\"");
  o.level = "info";
  o.logger = "foo";
  EXPECT_EQ(SetUpLogging(o).status().message(), "unknown logger option \"foo\"");
}

TEST(LoggingTest, ExplicitJournalWithoutJournaldIsEtcdsError) {
  LoggingOptions o;
  o.logger = "zap";
  o.outputs = {"systemd/journal"};
  o.journal_socket = "/nonexistent/journal/socket";
  auto l = SetUpLogging(o);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().message(),
            "can't find journal (dial unixgram /nonexistent/journal/socket: connect: no such "
            "file or directory)");
}

class JournalSocket {
 public:
  explicit JournalSocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  ~JournalSocket() { ::close(fd_); }
  std::vector<std::string> Receive() {
    std::string buf(1 << 16, '\0');
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
    std::vector<std::string> fields;
    if (n > 0) ParseNative(std::string_view(buf.data(), n), &fields);
    return fields;
  }

 private:
  std::string path_;
  int fd_;
};

TEST(LoggingTest, DefaultGoesToTheJournalWhenStderrIsTheJournalStream) {
  TempDir dir;
  JournalSocket journal(dir.path() + "/journal");
  int fake_stderr = ::open((dir.path() + "/stderr").c_str(), O_WRONLY | O_CREAT, 0600);
  LoggingOptions o;
  o.logger = "zap";
  o.outputs = {"default"};
  o.stderr_fd = fake_stderr;
  o.env = {{"JOURNAL_STREAM", StreamId(fake_stderr)},
           {kJournalSocketOverride, dir.path() + "/journal"}};
  auto l = SetUpLogging(o);
  ASSERT_TRUE(l.ok()) << l.status();
  ASSERT_NE(l->journal, nullptr);
  l->journal->SetIdentity("n1", "8e9e05c52164694d", "cdf818194e3a8c32");
  l->logger->Info("ready to serve client requests");
  auto fields = journal.Receive();
  EXPECT_NE(std::find(fields.begin(), fields.end(), "MESSAGE=ready to serve client requests"),
            fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "ETCD_MEMBER_ID=8e9e05c52164694d"),
            fields.end());
  EXPECT_EQ(ReadFile(dir.path() + "/stderr"), "") << "nothing duplicated on stderr";
  ::close(fake_stderr);
}

TEST(LoggingTest, DefaultIsStderrWhenJournalStreamIsSomeoneElses) {
  TempDir dir;
  int fake_stderr = ::open((dir.path() + "/stderr").c_str(), O_WRONLY | O_CREAT, 0600);
  int other = ::open((dir.path() + "/other").c_str(), O_WRONLY | O_CREAT, 0600);
  LoggingOptions o;
  o.stderr_fd = fake_stderr;
  // Inherited from a parent whose stderr was the journal; ours was redirected.
  o.env = {{"JOURNAL_STREAM", StreamId(other)}};
  auto l = SetUpLogging(o);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->journal, nullptr);
  l->logger->Info("hello");
  EXPECT_NE(ReadFile(dir.path() + "/stderr").find("\"msg\":\"hello\""), std::string::npos);
  ::close(fake_stderr);
  ::close(other);
}

}  // namespace
}  // namespace etcd::systemd
