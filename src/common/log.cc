#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "nlohmann/json.hpp"

namespace etcd::log {
namespace {

std::string TrimPath(std::string_view file) {
  // Keep "module/file.cc" of ".../src/module/file.cc".
  auto pos = file.rfind("/src/");
  if (pos != std::string_view::npos) return std::string(file.substr(pos + 5));
  return std::string(file);
}

std::string NowTimestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return buf;
}

class DiscardSink final : public Sink {
 public:
  void Write(const Record&) override {}
};

std::mutex g_mu;
std::shared_ptr<Logger> g_default;  // guarded by g_mu

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kFatal:
      return "fatal";
  }
  return "info";
}

bool ParseLevel(std::string_view text, Level* out) {
  if (text == "debug")
    *out = Level::kDebug;
  else if (text == "info")
    *out = Level::kInfo;
  else if (text == "warn")
    *out = Level::kWarn;
  else if (text == "error")
    *out = Level::kError;
  else if (text == "panic" || text == "fatal" || text == "dpanic")
    *out = Level::kFatal;
  else
    return false;
  return true;
}

std::string JsonLinesSink::Format(const Record& record, std::string_view timestamp) {
  nlohmann::ordered_json j;
  j["level"] = LevelName(record.level);
  j["ts"] = timestamp;
  j["caller"] = TrimPath(record.where.file_name()) + ":" + std::to_string(record.where.line());
  j["msg"] = record.message;
  for (const Field& f : record.fields) {
    if (f.quoted) {
      j[f.key] = f.value;
    } else {
      j[f.key] = nlohmann::ordered_json::parse(f.value, nullptr, false);
      if (j[f.key].is_discarded()) j[f.key] = f.value;
    }
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

JsonLinesSink::~JsonLinesSink() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

void JsonLinesSink::Write(const Record& record) {
  std::string line = Format(record, NowTimestamp());
  // One write(2) per line keeps lines whole when several threads log at once.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void Logger::Log(Level level, std::string_view msg, std::vector<Field> fields,
                 std::source_location where) const {
  if (!Enabled(level)) return;
  sink_->Write(Record{level, msg, fields, where});
}

const Logger& Default() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_default) {
    g_default = std::make_shared<Logger>(std::make_shared<JsonLinesSink>(2), Level::kInfo);
  }
  return *g_default;
}

void SetDefault(std::shared_ptr<Logger> logger) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_default = std::move(logger);
}

std::shared_ptr<Logger> Discard() {
  return std::make_shared<Logger>(std::make_shared<DiscardSink>(), Level::kFatal);
}

}  // namespace etcd::log
