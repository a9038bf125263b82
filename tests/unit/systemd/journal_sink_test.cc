#include "systemd/journal_sink.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace etcd::systemd {
namespace {

// A journald stand-in: a unix datagram socket in a fresh temporary directory.
class FakeJournal {
 public:
  FakeJournal() {
    char tmpl[] = "/tmp/journal-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/socket";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  ~FakeJournal() {
    ::close(fd_);
    std::filesystem::remove_all(dir_);
  }
  const std::string& path() const { return path_; }
  // The next datagram (already queued: sends are synchronous), parsed.
  std::vector<std::string> Receive() {
    std::string buf(1 << 16, '\0');
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
    EXPECT_GT(n, 0);
    std::vector<std::string> fields;
    EXPECT_TRUE(ParseNative(std::string_view(buf.data(), n > 0 ? n : 0), &fields));
    return fields;
  }

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

bool Has(const std::vector<std::string>& fields, const std::string& f) {
  return std::find(fields.begin(), fields.end(), f) != fields.end();
}

TEST(JournalSinkTest, FieldNames) {
  EXPECT_EQ(JournalFieldName("local-member-id"), "LOCAL_MEMBER_ID");
  EXPECT_EQ(JournalFieldName("took"), "TOOK");
  EXPECT_EQ(JournalFieldName("remote-peer.id"), "REMOTE_PEER_ID");
  EXPECT_EQ(JournalFieldName("msg"), "MSG");
  // Clashes with fields the sink or journald own, and invalid names, get a prefix.
  EXPECT_EQ(JournalFieldName("message"), "ETCD_F_MESSAGE");
  EXPECT_EQ(JournalFieldName("priority"), "ETCD_F_PRIORITY");
  EXPECT_EQ(JournalFieldName("etcd-member-id"), "ETCD_F_ETCD_MEMBER_ID");
  EXPECT_EQ(JournalFieldName("_pid"), "ETCD_F__PID");
  EXPECT_EQ(JournalFieldName("2nd"), "ETCD_F_2ND");
  EXPECT_EQ(JournalFieldName(""), "ETCD_F_");
  EXPECT_EQ(JournalFieldName(std::string(100, 'a')).size(), 64u);
}

TEST(JournalSinkTest, Priorities) {
  EXPECT_EQ(JournalPriority(log::Level::kDebug), 7);
  EXPECT_EQ(JournalPriority(log::Level::kInfo), 6);
  EXPECT_EQ(JournalPriority(log::Level::kWarn), 4);
  EXPECT_EQ(JournalPriority(log::Level::kError), 3);
  EXPECT_EQ(JournalPriority(log::Level::kFatal), 2);
}

TEST(JournalSinkTest, NativeProtocolRoundTrip) {
  std::vector<std::string> fields{"MESSAGE=hello", "MULTI=line one\nline two", "EMPTY="};
  std::string wire = SerializeNative(fields);
  EXPECT_EQ(wire.substr(0, 14), "MESSAGE=hello\n");
  // The binary-safe form for a value with a newline: name, newline, 64-bit LE length.
  EXPECT_NE(wire.find(std::string("MULTI\n\x11\0\0\0\0\0\0\0line one\nline two\n", 32)),
            std::string::npos);
  std::vector<std::string> back;
  ASSERT_TRUE(ParseNative(wire, &back));
  EXPECT_EQ(back, fields);
  EXPECT_FALSE(ParseNative("NOEQUALS\n\x05", &back));
  EXPECT_FALSE(ParseNative("A=b", &back));
}

TEST(JournalSinkTest, EntryFields) {
  JournalSink sink(NewSocketJournalWriter("/nonexistent/socket"));
  std::vector<log::Field> f{
      {"local-member-id", "8e9e05c52164694d"}, {"took", "1.2ms"}, {"address", "127.0.0.1 :2379"}};
  log::Record rec{log::Level::kWarn, "slow apply", f, std::source_location::current()};
  auto before = sink.Fields(rec);
  EXPECT_TRUE(Has(before,
                  "MESSAGE=slow apply local-member-id=8e9e05c52164694d took=1.2ms "
                  "address=\"127.0.0.1 :2379\""));
  EXPECT_TRUE(Has(before, "PRIORITY=4"));
  EXPECT_TRUE(Has(before, "SYSLOG_IDENTIFIER=etcd"));
  EXPECT_TRUE(Has(before, "LOCAL_MEMBER_ID=8e9e05c52164694d"));
  EXPECT_TRUE(Has(before, "TOOK=1.2ms"));
  EXPECT_TRUE(Has(before, "ADDRESS=127.0.0.1 :2379"));
  bool code_file = false;
  for (const auto& x : before)
    code_file |=
        x.rfind("CODE_FILE=", 0) == 0 && x.find("journal_sink_test.cc") != std::string::npos;
  EXPECT_TRUE(code_file);
  for (const auto& x : before)
    EXPECT_NE(x.rfind("ETCD_MEMBER_ID=", 0), 0u) << "identity unknown yet";

  sink.SetIdentity("n1", "8e9e05c52164694d", "cdf818194e3a8c32");
  auto after = sink.Fields(rec);
  EXPECT_TRUE(Has(after, "ETCD_NAME=n1"));
  EXPECT_TRUE(Has(after, "ETCD_MEMBER_ID=8e9e05c52164694d"));
  EXPECT_TRUE(Has(after, "ETCD_CLUSTER_ID=cdf818194e3a8c32"));
}

TEST(JournalSinkTest, SendsToASocketAndTheFieldsReadBack) {
  FakeJournal journal;
  JournalSink sink(NewSocketJournalWriter(journal.path()));
  sink.SetIdentity("n1", "8e9e05c52164694d", "cdf818194e3a8c32");
  std::vector<log::Field> f{{"error", "line1\nline2"}, {"count", 3}};
  sink.Write(log::Record{log::Level::kError, "apply failed", f, std::source_location::current()});
  ASSERT_TRUE(sink.LastError().ok()) << sink.LastError();
  auto got = journal.Receive();
  EXPECT_TRUE(Has(got, "PRIORITY=3"));
  EXPECT_TRUE(Has(got, "SYSLOG_IDENTIFIER=etcd"));
  EXPECT_TRUE(Has(got, "ETCD_NAME=n1"));
  EXPECT_TRUE(Has(got, "ETCD_MEMBER_ID=8e9e05c52164694d"));
  EXPECT_TRUE(Has(got, "ETCD_CLUSTER_ID=cdf818194e3a8c32"));
  EXPECT_TRUE(Has(got, "ERROR=line1\nline2"));
  EXPECT_TRUE(Has(got, "COUNT=3"));
  EXPECT_TRUE(Has(got, "MESSAGE=apply failed error=\"line1\\nline2\" count=3"));
}

TEST(JournalSinkTest, SendFailureIsRecordedNotFatal) {
  JournalSink sink(NewSocketJournalWriter("/nonexistent/dir/socket"));
  std::vector<log::Field> f;
  sink.Write(log::Record{log::Level::kInfo, "x", f, std::source_location::current()});
  EXPECT_FALSE(sink.LastError().ok());
}

}  // namespace
}  // namespace etcd::systemd
