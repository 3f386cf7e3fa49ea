// The one psyche-specific part of the eventkit tool: how to name, print and
// compare psyche events, and how to build the run context (RunStarted) for
// imported legacy logs. A tool for another schema copies this file, points
// it at that schema's generated library and instantiates run_tool<> with it.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "schema/psyche_events.h"
#include "schema/psyche_events_legacy.h"
#include "tools/cli/tool.h"

namespace eventkit::cli {

struct PsycheSchema {
  using Codec = psyche::events::Codec;
  using Event = psyche::events::Event;
  using LegacyAdapter = psyche::events::LegacyLineAdapter;

  static std::vector<TypeName> types() {
    std::vector<TypeName> out;
    for (const auto& v : psyche::events::all_variants()) {
      out.push_back(TypeName{std::string(v.category), std::string(v.name)});
    }
    return out;
  }
  static std::string category(const Event& e) { return std::string(psyche::events::category_name(e.data)); }
  static std::string variant(const Event& e) { return std::string(psyche::events::variant_name(e.data)); }
  static std::string qualified(const Event& e) { return psyche::events::qualified_name(e.data); }
  static std::string display(const Event& e) { return psyche::events::display(e.data); }
  static std::string to_json(const Event& e) { return psyche::events::to_json(e); }

  static legacy::Comparison compare(std::span<const Event> legacy, std::span<const Event> file) {
    return psyche::events::compare_legacy(legacy, file);
  }

  // Run context of imported logs: RunStarted, stored in every file header.
  struct RunContext {
    std::string run_id = "legacy-import";
    std::string node_id;  // default: the first log's name up to its first '.'
    std::string config;
    std::string psyche_version;
  };
  static void add_run_context_options(CLI::App& app, RunContext& rc) {
    app.add_option("--run-id", rc.run_id, "RunStarted.run_id of the imported files")
        ->capture_default_str();
    app.add_option("--node-id", rc.node_id,
                   "RunStarted.node_id (default: the first LOG's name up to its first '.')");
    app.add_option("--config", rc.config, "RunStarted.config");
    app.add_option("--psyche-version", rc.psyche_version, "RunStarted.psyche_version");
  }
  static Event make_run_context(const RunContext& rc, const std::string& default_node, Timestamp at) {
    return Event{at, psyche::events::RunStarted{.run_id = rc.run_id,
                                                .node_id = rc.node_id.empty() ? default_node : rc.node_id,
                                                .config = rc.config,
                                                .psyche_version = rc.psyche_version}};
  }
};

}  // namespace eventkit::cli
