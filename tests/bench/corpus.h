// The psyche-like corpus for the reading and size benchmarks: the marker
// lines of the shared legacy fixtures (real psyche client logs), each with
// the typed event the legacy adapter maps it to. Repeated to the size asked.
#pragma once

#include <string>
#include <vector>

#include "schema/psyche_events.h"
#include "schema/psyche_events_legacy.h"
#include "tests/legacy/legacy_testing.h"

namespace eventkit::bench {

struct Corpus {
  std::vector<psyche::events::Event> events;
  std::vector<std::string> legacy_lines;  // legacy_lines[i] is what events[i] was in the log
  size_t legacy_bytes = 0;                // including one '\n' per line
  size_t distinct = 0;                    // marker lines in one pass over the fixtures
};

inline Corpus fixture_corpus(size_t min_events) {
  Corpus one;
  for (const char* f : {"client-1.jsonl", "client-3.jsonl"}) {
    psyche::events::LegacyLineAdapter adapter;
    for (const auto& line : legacy_testing::read_lines(f)) {
      auto out = adapter.feed(line);
      if (!out.event) continue;
      one.events.push_back(std::move(*out.event));
      one.legacy_lines.push_back(line);
    }
  }
  Corpus c;
  c.distinct = one.events.size();
  while (c.events.size() < min_events && !one.events.empty()) {
    for (size_t i = 0; i < one.events.size(); ++i) {
      c.events.push_back(one.events[i]);
      c.legacy_lines.push_back(one.legacy_lines[i]);
      c.legacy_bytes += one.legacy_lines[i].size() + 1;
    }
  }
  return c;
}

}  // namespace eventkit::bench
