#include "watch/watch_fragment.h"

#include <utility>

#include "google/protobuf/io/coded_stream.h"

namespace etcd::mvcc {
namespace {

// Encoded size of `events` field entry: tag (1 byte for field 11) + length + payload.
size_t EventFieldSize(const mvccpb::Event& ev) {
  size_t n = ev.ByteSizeLong();
  return 1 + google::protobuf::io::CodedOutputStream::VarintSize64(n) + n;
}

}  // namespace

std::vector<etcdserverpb::WatchResponse> FragmentWatchResponse(etcdserverpb::WatchResponse resp,
                                                               size_t threshold) {
  std::vector<etcdserverpb::WatchResponse> out;
  if (resp.events_size() < 2 || resp.ByteSizeLong() < threshold) {
    out.push_back(std::move(resp));
    return out;
  }
  etcdserverpb::WatchResponse shell = resp;
  shell.clear_events();
  shell.set_fragment(false);
  // fragment=true (field 7, 2 bytes) is added to all but the last piece.
  const size_t base = shell.ByteSizeLong() + 2;

  auto* events = resp.mutable_events();
  etcdserverpb::WatchResponse cur = shell;
  size_t cur_size = base;
  for (int i = 0; i < events->size(); ++i) {
    size_t ev_size = EventFieldSize(events->Get(i));
    if (cur.events_size() > 0 && cur_size + ev_size >= threshold) {
      cur.set_fragment(true);
      out.push_back(std::move(cur));
      cur = shell;
      cur_size = base;
    }
    cur.add_events()->Swap(events->Mutable(i));
    cur_size += ev_size;
  }
  cur.set_fragment(false);
  out.push_back(std::move(cur));
  return out;
}

}  // namespace etcd::mvcc
