#include "tools/etcdutl/printer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace etcd::etcdutl {

std::string HumanizeBytes(uint64_t n) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (n < 10) return absl::StrCat(n, " B");
  double e = std::floor(std::log(static_cast<double>(n)) / std::log(1000.0));
  double val = std::floor(static_cast<double>(n) / std::pow(1000.0, e) * 10 + 0.5) / 10;
  char buf[64];
  std::snprintf(buf, sizeof(buf), val < 10 ? "%.1f %s" : "%.0f %s", val,
                kUnits[static_cast<int>(e)]);
  return buf;
}

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    w[i] = header[i].size();
    for (const auto& r : rows) w[i] = std::max(w[i], r[i].size());
  }
  std::string line = "+";
  for (size_t x : w) line += std::string(x + 2, '-') + "+";
  line += "\n";
  std::string out = line + "|";
  for (size_t i = 0; i < header.size(); ++i) {
    std::string h = header[i];
    for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    size_t gap = w[i] - h.size(), left = gap / 2;
    out += " " + std::string(left, ' ') + h + std::string(gap - left, ' ') + " |";
  }
  out += "\n" + line;
  for (const auto& r : rows) {
    out += "|";
    for (size_t i = 0; i < r.size(); ++i) {
      out += " " + std::string(w[i] - r[i].size(), ' ') + r[i] + " |";
    }
    out += "\n";
  }
  out += line;
  return out;
}

absl::StatusOr<std::string> FormatStatus(const snapshot::ImageStatus& st, const std::string& format,
                                         bool with_version) {
  char hash[16];
  std::snprintf(hash, sizeof(hash), "%x", st.hash);
  std::vector<std::string> header = {"hash", "revision", "total keys", "total size"};
  std::vector<std::string> row = {hash, absl::StrCat(st.revision), absl::StrCat(st.total_keys),
                                  HumanizeBytes(static_cast<uint64_t>(st.total_size))};
  if (with_version) {
    header.push_back("version");
    row.push_back(st.version);
  }
  if (format == "simple") return absl::StrJoin(row, ", ") + "\n";
  if (format == "table") return RenderTable(header, {row});
  if (format == "json") {
    std::string j = absl::StrCat("{\"hash\":", st.hash, ",\"revision\":", st.revision,
                                 ",\"totalKey\":", st.total_keys, ",\"totalSize\":", st.total_size);
    if (with_version) absl::StrAppend(&j, ",\"version\":\"", st.version, "\"");
    return j + "}\n";
  }
  if (format == "fields") {
    std::string f =
        absl::StrCat("\"Hash\" : ", st.hash, "\n\"Revision\" : ", st.revision,
                     "\n\"Keys\" : ", st.total_keys, "\n\"Size\" : ", st.total_size, "\n");
    if (with_version) absl::StrAppend(&f, "\"Version\" : ", st.version, "\n");
    return f;
  }
  if (format == "protobuf") {
    return absl::UnimplementedError("protobuf not supported as output format");
  }
  return absl::InvalidArgumentError("unsupported output format");
}

}  // namespace etcd::etcdutl
