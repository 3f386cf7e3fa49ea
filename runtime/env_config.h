// Run configuration from environment variables, for containers that start
// one client per directory (docs/docker-compose.example.yml).
//
// Required: EVENTKIT_RUN_ID, EVENTKIT_NODE_ID, EVENTKIT_CONFIG, EVENTKIT_EVENTS_DIR.
// Optional: EVENTKIT_KEEP_FILES (integer, default 0 = keep all),
//           EVENTKIT_QUEUE_CAPACITY (integer, events),
//           EVENTKIT_FULL_QUEUE (block | drop),
//           EVENTKIT_FLUSH (idle | every-event | interval:<ms>),
//           EVENTKIT_FSYNC (never | close | every-write).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/file_backend_options.h"

namespace eventkit {

struct RunEnvironment {
  std::string run_id;
  std::string node_id;
  std::string config;
  FileBackendOptions file_options;  // dir and policies from the variables
};

struct EnvConfigError {
  std::vector<std::string> missing;  // every missing required variable, in the order above
  std::vector<std::string> invalid;  // "NAME: why" for every unparsable optional variable
  std::string message() const;       // one line naming all of them
};

struct EnvConfigResult {
  std::optional<RunEnvironment> config;
  std::optional<EnvConfigError> error;
  bool ok() const { return config.has_value(); }
};

// `getenv` is injectable for tests; it returns nullptr for unset variables.
// An empty value counts as missing.
using GetEnv = std::function<const char*(const char*)>;
EnvConfigResult load_run_environment(const GetEnv& getenv);
EnvConfigResult load_run_environment();  // uses ::getenv

}  // namespace eventkit
