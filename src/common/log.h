// Logging facade. Library code returns Status and does not log; the server and tools
// log once, with context, through a Logger. Sinks are pluggable (stderr JSON lines in
// etcd's zap shape by default; journald and capnslog text come with issue 4).
//
// Thread safety: Logger methods may be called from any thread; sinks serialize.
#pragma once

#include <initializer_list>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace etcd::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError, kFatal };

std::string_view LevelName(Level level);
// Parses etcd's --log-level values: debug, info, warn, error, panic, fatal.
bool ParseLevel(std::string_view text, Level* out);

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  Field(std::string_view k, T v) : key(k), value(ToString(v)), quoted(false) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}

  std::string key;
  std::string value;
  bool quoted = true;

 private:
  template <typename T>
  static std::string ToString(T v) {
    return std::to_string(v);
  }
};

struct Record {
  Level level;
  std::string_view message;
  const std::vector<Field>& fields;
  std::source_location where;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Write(const Record& record) = 0;
};

// Writes one JSON object per line, like etcd's zap logger:
// {"level":"info","ts":"2026-11-21T11:30:00.123Z","caller":"server/server.cc:88","msg":"...",...}
// With `owns_fd`, the descriptor is closed when the sink is destroyed (log files).
class JsonLinesSink final : public Sink {
 public:
  explicit JsonLinesSink(int fd, bool owns_fd = false) : fd_(fd), owns_fd_(owns_fd) {}
  ~JsonLinesSink() override;
  JsonLinesSink(const JsonLinesSink&) = delete;
  JsonLinesSink& operator=(const JsonLinesSink&) = delete;
  void Write(const Record& record) override;
  static std::string Format(const Record& record, std::string_view timestamp);

 private:
  int fd_;
  bool owns_fd_;
};

// Writes every record to each of several sinks (--log-outputs=stderr,/var/log/x.log).
class TeeSink final : public Sink {
 public:
  explicit TeeSink(std::vector<std::shared_ptr<Sink>> sinks) : sinks_(std::move(sinks)) {}
  void Write(const Record& record) override {
    for (const auto& s : sinks_) s->Write(record);
  }

 private:
  const std::vector<std::shared_ptr<Sink>> sinks_;
};

class Logger {
 public:
  Logger(std::shared_ptr<Sink> sink, Level min_level)
      : sink_(std::move(sink)), min_level_(min_level) {}

  bool Enabled(Level level) const { return level >= min_level_; }
  void Log(Level level, std::string_view msg, std::vector<Field> fields = {},
           std::source_location where = std::source_location::current()) const;

  void Debug(std::string_view msg, std::vector<Field> fields = {},
             std::source_location where = std::source_location::current()) const {
    Log(Level::kDebug, msg, std::move(fields), where);
  }
  void Info(std::string_view msg, std::vector<Field> fields = {},
            std::source_location where = std::source_location::current()) const {
    Log(Level::kInfo, msg, std::move(fields), where);
  }
  void Warn(std::string_view msg, std::vector<Field> fields = {},
            std::source_location where = std::source_location::current()) const {
    Log(Level::kWarn, msg, std::move(fields), where);
  }
  void Error(std::string_view msg, std::vector<Field> fields = {},
             std::source_location where = std::source_location::current()) const {
    Log(Level::kError, msg, std::move(fields), where);
  }

 private:
  std::shared_ptr<Sink> sink_;
  Level min_level_;
};

// The process-wide logger used by the server and tools. Defaults to JSON lines on
// stderr at info level; main() replaces it after reading the configuration.
const Logger& Default();
void SetDefault(std::shared_ptr<Logger> logger);

// A logger that drops everything (for tests and quiet tools).
std::shared_ptr<Logger> Discard();

}  // namespace etcd::log
