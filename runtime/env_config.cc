#include "runtime/env_config.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace eventkit {
namespace {

bool parse_size(std::string_view s, size_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string EnvConfigError::message() const {
  std::string m;
  if (!missing.empty()) {
    m = "missing environment variable" + std::string(missing.size() > 1 ? "s" : "") + ": ";
    for (size_t i = 0; i < missing.size(); ++i) m += (i ? ", " : "") + missing[i];
  }
  for (const auto& inv : invalid) m += (m.empty() ? "" : "; ") + ("invalid " + inv);
  return m;
}

EnvConfigResult load_run_environment(const GetEnv& getenv) {
  EnvConfigError err;
  auto required = [&](const char* name) -> std::string {
    const char* v = getenv(name);
    if (v == nullptr || *v == '\0') {
      err.missing.emplace_back(name);
      return {};
    }
    return v;
  };
  RunEnvironment env;
  env.run_id = required("EVENTKIT_RUN_ID");
  env.node_id = required("EVENTKIT_NODE_ID");
  env.config = required("EVENTKIT_CONFIG");
  env.file_options.dir = required("EVENTKIT_EVENTS_DIR");

  auto optional = [&](const char* name) -> std::optional<std::string_view> {
    const char* v = getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string_view(v);
  };
  auto invalid = [&](const char* name, std::string_view value, const char* expected) {
    err.invalid.push_back(std::string(name) + "=\"" + std::string(value) + "\" (expected " +
                          expected + ")");
  };
  FileBackendOptions& o = env.file_options;
  if (auto v = optional("EVENTKIT_KEEP_FILES")) {
    if (!parse_size(*v, o.keep_files)) invalid("EVENTKIT_KEEP_FILES", *v, "an integer");
  }
  if (auto v = optional("EVENTKIT_QUEUE_CAPACITY")) {
    if (!parse_size(*v, o.queue_capacity) || o.queue_capacity == 0) {
      invalid("EVENTKIT_QUEUE_CAPACITY", *v, "a positive integer");
    }
  }
  if (auto v = optional("EVENTKIT_FULL_QUEUE")) {
    if (*v == "block") {
      o.full_queue = FullQueuePolicy::kBlock;
    } else if (*v == "drop") {
      o.full_queue = FullQueuePolicy::kDropAndCount;
    } else {
      invalid("EVENTKIT_FULL_QUEUE", *v, "block or drop");
    }
  }
  if (auto v = optional("EVENTKIT_FLUSH")) {
    size_t ms = 0;
    if (*v == "idle") {
      o.flush = FlushPolicy::kWhenIdle;
    } else if (*v == "every-event") {
      o.flush = FlushPolicy::kEveryEvent;
    } else if (v->starts_with("interval:") && parse_size(v->substr(9), ms) && ms > 0) {
      o.flush = FlushPolicy::kInterval;
      o.flush_interval = std::chrono::milliseconds(ms);
    } else {
      invalid("EVENTKIT_FLUSH", *v, "idle, every-event or interval:<ms>");
    }
  }
  if (auto v = optional("EVENTKIT_FSYNC")) {
    if (*v == "never") {
      o.fsync = FsyncPolicy::kNever;
    } else if (*v == "close") {
      o.fsync = FsyncPolicy::kOnClose;
    } else if (*v == "every-write") {
      o.fsync = FsyncPolicy::kEveryWrite;
    } else {
      invalid("EVENTKIT_FSYNC", *v, "never, close or every-write");
    }
  }
  if (!err.missing.empty() || !err.invalid.empty()) return {std::nullopt, std::move(err)};
  return {std::move(env), std::nullopt};
}

EnvConfigResult load_run_environment() {
  return load_run_environment([](const char* name) { return std::getenv(name); });
}

}  // namespace eventkit
