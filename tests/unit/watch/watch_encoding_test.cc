#include "watch/watch_encoding.h"

#include <string>

#include "gtest/gtest.h"

namespace etcd::mvcc::wire {
namespace {

using etcdserverpb::ResponseHeader;
using etcdserverpb::WatchResponse;

mvccpb::Event MakeEvent(mvccpb::Event::EventType type, const std::string& key,
                        const std::string& value, int64_t rev, bool with_prev) {
  mvccpb::Event ev;
  ev.set_type(type);
  mvccpb::KeyValue* kv = ev.mutable_kv();
  kv->set_key(key);
  kv->set_value(value);
  kv->set_create_revision(type == mvccpb::Event::DELETE ? 0 : 2);
  kv->set_mod_revision(rev);
  kv->set_version(type == mvccpb::Event::DELETE ? 0 : rev - 1);
  kv->set_lease(rev % 3 == 0 ? 0x1234567890LL : 0);
  if (with_prev) {
    mvccpb::KeyValue* p = ev.mutable_prev_kv();
    p->set_key(key);
    p->set_value(std::string(300, 'p'));  // a multi-byte length
    p->set_create_revision(2);
    p->set_mod_revision(rev - 1);
    p->set_version(rev - 2);
  }
  return ev;
}

// The bytes built by hand equal protobuf's own encoding of the same response.
TEST(WatchEncodingTest, EventsMatchProtobuf) {
  const mvccpb::Event events[] = {
      MakeEvent(mvccpb::Event::PUT, "k", "v", 5, false),
      MakeEvent(mvccpb::Event::PUT, "key", std::string(200, 'x'), 6, true),
      MakeEvent(mvccpb::Event::DELETE, "key", "", 7, true),
      MakeEvent(mvccpb::Event::DELETE, "", "", 8, false),
  };
  for (int64_t id : {0LL, 1LL, 300LL, -1LL}) {
    for (bool keep_prev : {false, true}) {
      SCOPED_TRACE(testing::Message() << "id " << id << " keep_prev " << keep_prev);
      WatchResponse want;
      want.set_watch_id(id);
      std::string got;
      AppendWatchId(id, &got);
      for (const auto& ev : events) {
        mvccpb::Event* e = want.add_events();
        *e = ev;
        if (!keep_prev) e->clear_prev_kv();
        AppendEventEntry(ev, keep_prev, &got);
      }
      EXPECT_EQ(got, want.SerializeAsString());
    }
  }
}

// Encode drops the header (its revision kept aside); WriteMessage puts a full header
// back; Decode restores the response with the revision.
TEST(WatchEncodingTest, MessageRoundTrip) {
  WatchResponse resp;
  resp.mutable_header()->set_revision(42);
  resp.set_watch_id(7);
  resp.set_created(true);
  resp.set_canceled(true);
  resp.set_compact_revision(3);
  resp.set_cancel_reason("mvcc: required revision has been compacted");
  resp.set_fragment(true);
  *resp.add_events() = MakeEvent(mvccpb::Event::PUT, "a", "b", 42, true);

  EncodedResponse enc = Encode(resp);
  EXPECT_EQ(enc.revision, 42);
  WatchResponse no_header = resp;
  no_header.clear_header();
  EXPECT_EQ(enc.body, no_header.SerializeAsString());

  ResponseHeader h;
  h.set_cluster_id(0xdeadbeefcafe1234ULL);
  h.set_member_id(0x8e9e05c52164694dULL);
  h.set_raft_term(9);
  h.set_revision(1000);  // replaced by enc.revision
  std::string msg(MessageSize(h, enc), '\0');
  WriteMessage(h, enc, msg.data());
  WatchResponse want = resp;
  *want.mutable_header() = h;
  want.mutable_header()->set_revision(42);
  EXPECT_EQ(msg, want.SerializeAsString());

  WatchResponse back;
  ASSERT_TRUE(Decode(enc, &back));
  EXPECT_EQ(back.SerializeAsString(), resp.SerializeAsString());
}

// A compacted cancel has revision 0 and an otherwise empty header still present.
TEST(WatchEncodingTest, EmptyHeaderStillPresent) {
  EncodedResponse enc;
  enc.revision = 0;
  AppendWatchId(3, &enc.body);
  ResponseHeader h;
  std::string msg(MessageSize(h, enc), '\0');
  WriteMessage(h, enc, msg.data());
  WatchResponse want;
  want.mutable_header();
  want.set_watch_id(3);
  EXPECT_EQ(msg, want.SerializeAsString());
  WatchResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(msg));
  EXPECT_TRUE(parsed.has_header());
}

}  // namespace
}  // namespace etcd::mvcc::wire
