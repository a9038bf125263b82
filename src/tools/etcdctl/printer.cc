#include "tools/etcdctl/printer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/etcdctl/exit.h"
#include "tools/etcdctl/go_format.h"
#include "tools/etcdctl/printers.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

void Printer::Unsupported() const {
  ExitWithError(kExitBadFeature, format_ + " not supported as output format");
}

std::unique_ptr<Printer> NewPrinter(const std::string& format, bool hex, std::ostream& out,
                                    std::ostream& err) {
  if (format == "simple") return NewSimplePrinter(hex, out, err);
  if (format == "fields") return NewFieldsPrinter(out, err);
  if (format == "json") return NewJsonPrinter(out, err);
  if (format == "protobuf") return NewProtobufPrinter(out, err);
  if (format == "table") return NewTablePrinter(out, err);
  return nullptr;
}

Table MemberListRows(const MemberListResponse& r) {
  Table rows;
  for (const Member& m : r.members()) {
    rows.push_back({absl::StrFormat("%x", m.id()), m.name().empty() ? "unstarted" : "started",
                    m.name(), absl::StrJoin(m.peerurls(), ","), absl::StrJoin(m.clienturls(), ","),
                    m.islearner() ? "true" : "false"});
  }
  return rows;
}

Table EndpointHealthRows(const std::vector<EpHealth>& hs) {
  Table rows;
  for (const EpHealth& h : hs) {
    rows.push_back({h.ep, h.health ? "true" : "false", h.took, h.error});
  }
  return rows;
}

Table EndpointStatusRows(const std::vector<EpStatus>& ss) {
  Table rows;
  for (const EpStatus& s : ss) {
    const StatusResponse& r = s.resp;
    rows.push_back({s.ep, absl::StrFormat("%x", r.header().member_id()), r.version(),
                    HumanizeBytes(static_cast<uint64_t>(r.dbsize())),
                    r.leader() == r.header().member_id() ? "true" : "false",
                    r.islearner() ? "true" : "false", std::to_string(r.raftterm()),
                    std::to_string(r.raftindex()), std::to_string(r.raftappliedindex()),
                    absl::StrJoin(r.errors(), ", ")});
  }
  return rows;
}

Table EndpointHashKVRows(const std::vector<EpHashKV>& hs) {
  Table rows;
  for (const EpHashKV& h : hs) rows.push_back({h.ep, std::to_string(h.resp.hash())});
  return rows;
}

Table DBStatusRows(const SnapshotStatus& s) {
  return {{absl::StrFormat("%x", s.hash), std::to_string(s.revision), std::to_string(s.total_key),
           HumanizeBytes(static_cast<uint64_t>(s.total_size))}};
}

std::string RenderTable(const std::vector<std::string>& header, const Table& rows) {
  std::vector<std::string> head;
  for (const auto& h : header) head.push_back(absl::AsciiStrToUpper(h));
  std::vector<size_t> width(head.size(), 0);
  for (size_t c = 0; c < head.size(); ++c) width[c] = head[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  std::string line = "+";
  for (size_t w : width) line += std::string(w + 2, '-') + "+";
  line += "\n";
  std::string out = line + "|";
  for (size_t c = 0; c < head.size(); ++c) {
    const size_t gap = width[c] - head[c].size();
    const size_t left = gap / 2;
    out += " " + std::string(left, ' ') + head[c] + std::string(gap - left, ' ') + " |";
  }
  out += "\n" + line;
  for (const auto& row : rows) {
    out += "|";
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      out += " " + std::string(width[c] - cell.size(), ' ') + cell + " |";
    }
    out += "\n";
  }
  out += line;
  return out;
}

std::string PrefixRangeEnd(const std::string& key) {
  std::string end = key;
  for (int i = static_cast<int>(end.size()) - 1; i >= 0; --i) {
    if (static_cast<unsigned char>(end[i]) < 0xff) {
      end[i] = static_cast<char>(static_cast<unsigned char>(end[i]) + 1);
      return end.substr(0, i + 1);
    }
  }
  return std::string(1, '\0');
}

}  // namespace etcd::etcdctl
