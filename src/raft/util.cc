#include "raft/util.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "raft/conf_change.h"

namespace etcd::raft {

using raftpb::MessageType;

bool IsLocalMsg(MessageType t) {
  return t == raftpb::MSG_HUP || t == raftpb::MSG_BEAT || t == raftpb::MSG_UNREACHABLE ||
         t == raftpb::MSG_SNAP_STATUS || t == raftpb::MSG_CHECK_QUORUM;
}

bool IsResponseMsg(MessageType t) {
  return t == raftpb::MSG_APP_RESP || t == raftpb::MSG_VOTE_RESP ||
         t == raftpb::MSG_HEARTBEAT_RESP || t == raftpb::MSG_UNREACHABLE ||
         t == raftpb::MSG_PRE_VOTE_RESP;
}

MessageType VoteRespType(MessageType t) {
  switch (t) {
    case raftpb::MSG_VOTE:
      return raftpb::MSG_VOTE_RESP;
    case raftpb::MSG_PRE_VOTE:
      return raftpb::MSG_PRE_VOTE_RESP;
    default:
      Panic(nullptr, absl::StrCat("not a vote message: ", std::string(MessageTypeName(t))));
  }
}

uint64_t EntrySize(const raftpb::Entry& e) { return e.ByteSizeLong(); }

uint64_t PayloadSize(const raftpb::Entry& e) { return e.data().size(); }

uint64_t PayloadSize(const std::vector<raftpb::Entry>& ents) {
  uint64_t s = 0;
  for (const auto& e : ents) s += PayloadSize(e);
  return s;
}

void LimitSize(std::vector<raftpb::Entry>* ents, uint64_t max_size) {
  if (ents->empty() || max_size == kNoLimit) return;
  uint64_t size = EntrySize((*ents)[0]);
  size_t keep = 1;
  for (; keep < ents->size(); ++keep) {
    size += EntrySize((*ents)[keep]);
    if (size > max_size) break;
  }
  ents->resize(keep);
}

bool IsEmptyHardState(const raftpb::HardState& hs) {
  return hs.term() == 0 && hs.vote() == 0 && hs.commit() == 0;
}

bool IsEmptySnapshot(const raftpb::Snapshot& s) { return s.metadata().index() == 0; }

bool HardStateEqual(const raftpb::HardState& a, const raftpb::HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}

const char* MessageTypeName(MessageType t) {
  switch (t) {
    case raftpb::MSG_HUP:
      return "MsgHup";
    case raftpb::MSG_BEAT:
      return "MsgBeat";
    case raftpb::MSG_PROP:
      return "MsgProp";
    case raftpb::MSG_APP:
      return "MsgApp";
    case raftpb::MSG_APP_RESP:
      return "MsgAppResp";
    case raftpb::MSG_VOTE:
      return "MsgVote";
    case raftpb::MSG_VOTE_RESP:
      return "MsgVoteResp";
    case raftpb::MSG_SNAP:
      return "MsgSnap";
    case raftpb::MSG_HEARTBEAT:
      return "MsgHeartbeat";
    case raftpb::MSG_HEARTBEAT_RESP:
      return "MsgHeartbeatResp";
    case raftpb::MSG_UNREACHABLE:
      return "MsgUnreachable";
    case raftpb::MSG_SNAP_STATUS:
      return "MsgSnapStatus";
    case raftpb::MSG_CHECK_QUORUM:
      return "MsgCheckQuorum";
    case raftpb::MSG_TRANSFER_LEADER:
      return "MsgTransferLeader";
    case raftpb::MSG_TIMEOUT_NOW:
      return "MsgTimeoutNow";
    case raftpb::MSG_READ_INDEX:
      return "MsgReadIndex";
    case raftpb::MSG_READ_INDEX_RESP:
      return "MsgReadIndexResp";
    case raftpb::MSG_PRE_VOTE:
      return "MsgPreVote";
    case raftpb::MSG_PRE_VOTE_RESP:
      return "MsgPreVoteResp";
    default:
      return "MsgUnknown";
  }
}

std::string DescribeEntry(const raftpb::Entry& e) {
  std::string s = absl::StrCat(e.term(), "/", e.index());
  if (e.type() == raftpb::ENTRY_CONF_CHANGE) {
    raftpb::ConfChange cc;
    if (cc.ParseFromString(e.data())) {
      absl::StrAppend(&s, " EntryConfChange ", DescribeConfChange(cc));
    } else {
      absl::StrAppend(&s, " EntryConfChange <bad>");
    }
  } else {
    absl::StrAppend(&s, " EntryNormal \"", e.data(), "\"");
  }
  return s;
}

std::string DescribeMessage(const raftpb::Message& m) {
  std::string s = absl::StrCat(m.from(), "->", m.to(), " ", std::string(MessageTypeName(m.type())),
                               " Term:", m.term(), " Log:", m.log_term(), "/", m.index());
  if (m.reject()) absl::StrAppend(&s, " Rejected (Hint: ", m.reject_hint(), ")");
  if (m.commit() != 0) absl::StrAppend(&s, " Commit:", m.commit());
  if (m.entries_size() > 0) {
    absl::StrAppend(&s, " Entries:[");
    for (int i = 0; i < m.entries_size(); ++i) {
      if (i > 0) absl::StrAppend(&s, ", ");
      absl::StrAppend(&s, DescribeEntry(m.entries(i)));
    }
    absl::StrAppend(&s, "]");
  }
  if (m.has_snapshot() && m.snapshot().metadata().index() != 0) {
    const auto& md = m.snapshot().metadata();
    absl::StrAppend(&s, " Snapshot: Index:", md.index(), " Term:", md.term(), " voters=(");
    for (int i = 0; i < md.conf_state().voters_size(); ++i) {
      absl::StrAppend(&s, i ? " " : "", md.conf_state().voters(i));
    }
    absl::StrAppend(&s, ")");
    if (md.conf_state().learners_size() > 0) {
      absl::StrAppend(&s, " learners=(");
      for (int i = 0; i < md.conf_state().learners_size(); ++i) {
        absl::StrAppend(&s, i ? " " : "", md.conf_state().learners(i));
      }
      absl::StrAppend(&s, ")");
    }
  }
  if (!m.context().empty()) absl::StrAppend(&s, " Context:\"", m.context(), "\"");
  return s;
}

void Panic(const log::Logger* logger, std::string_view msg, std::source_location where) {
  if (logger != nullptr) {
    logger->Log(log::Level::kFatal, msg, {}, where);
  } else {
    std::fprintf(stderr, "raft: %s:%u: %.*s\n", where.file_name(),
                 static_cast<unsigned>(where.line()), static_cast<int>(msg.size()), msg.data());
  }
  std::abort();
}

}  // namespace etcd::raft
