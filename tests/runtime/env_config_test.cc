#include "runtime/env_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace eventkit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct FakeEnv {
  std::map<std::string, std::string> vars;
  GetEnv fn() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

TEST(EnvConfig, NamesEveryMissingVariable) {
  FakeEnv env{{{"EVENTKIT_NODE_ID", "node-1"}, {"EVENTKIT_CONFIG", ""}}};
  auto r = load_run_environment(env.fn());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error->missing,
              ElementsAre("EVENTKIT_RUN_ID", "EVENTKIT_CONFIG", "EVENTKIT_EVENTS_DIR"));
  EXPECT_EQ(r.error->message(),
            "missing environment variables: EVENTKIT_RUN_ID, EVENTKIT_CONFIG, EVENTKIT_EVENTS_DIR");
}

TEST(EnvConfig, ReadsRequiredAndOptionalVariables) {
  FakeEnv env{{{"EVENTKIT_RUN_ID", "run"},
               {"EVENTKIT_NODE_ID", "node"},
               {"EVENTKIT_CONFIG", "cfg.toml"},
               {"EVENTKIT_EVENTS_DIR", "/data/events"},
               {"EVENTKIT_KEEP_FILES", "20"},
               {"EVENTKIT_FULL_QUEUE", "drop"},
               {"EVENTKIT_FLUSH", "interval:250"},
               {"EVENTKIT_FSYNC", "close"}}};
  auto r = load_run_environment(env.fn());
  ASSERT_TRUE(r.ok()) << r.error->message();
  EXPECT_EQ(r.config->run_id, "run");
  EXPECT_EQ(r.config->node_id, "node");
  EXPECT_EQ(r.config->config, "cfg.toml");
  const auto& o = r.config->file_options;
  EXPECT_EQ(o.dir, "/data/events");
  EXPECT_EQ(o.keep_files, 20u);
  EXPECT_EQ(o.full_queue, FullQueuePolicy::kDropAndCount);
  EXPECT_EQ(o.flush, FlushPolicy::kInterval);
  EXPECT_EQ(o.flush_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(o.fsync, FsyncPolicy::kOnClose);
}

TEST(EnvConfig, DefaultsApplyWhenOptionalVariablesAreUnset) {
  FakeEnv env{{{"EVENTKIT_RUN_ID", "r"}, {"EVENTKIT_NODE_ID", "n"}, {"EVENTKIT_CONFIG", "c"},
               {"EVENTKIT_EVENTS_DIR", "d"}}};
  auto r = load_run_environment(env.fn());
  ASSERT_TRUE(r.ok());
  const FileBackendOptions defaults;
  EXPECT_EQ(r.config->file_options.keep_files, defaults.keep_files);
  EXPECT_EQ(r.config->file_options.full_queue, FullQueuePolicy::kBlock);
  EXPECT_EQ(r.config->file_options.flush, FlushPolicy::kWhenIdle);
}

TEST(EnvConfig, ReportsMissingAndInvalidTogether) {
  FakeEnv env{{{"EVENTKIT_KEEP_FILES", "many"}, {"EVENTKIT_FLUSH", "sometimes"}}};
  auto r = load_run_environment(env.fn());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->missing.size(), 4u);
  ASSERT_EQ(r.error->invalid.size(), 2u);
  EXPECT_THAT(r.error->message(), HasSubstr("EVENTKIT_KEEP_FILES=\"many\""));
  EXPECT_THAT(r.error->message(), HasSubstr("EVENTKIT_FLUSH=\"sometimes\""));
}

}  // namespace
}  // namespace eventkit
