// libFuzzer target (b): the legacy line adapter (raw tracing JSON, Docker
// json-file entries with 16 KiB splits, `docker logs --timestamps` lines).
// The input is split at '\n' and fed line by line, then finish(); every
// mapped event is printed back as a marker line and re-read, which must map
// again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "schema/psyche_events.h"
#include "schema/psyche_events_legacy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace psyche::events;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  LegacyLineAdapter adapter;
  std::vector<Event> events;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    auto out = adapter.feed(text.substr(start, nl - start));
    if (out.event) events.push_back(std::move(*out.event));
    start = nl + 1;
  }
  adapter.finish(events);
  const auto& c = adapter.counters();
  if (c.lines != c.mapped + c.skipped + c.rejected + c.joined) {
    std::fprintf(stderr, "counters do not add up\n");
    std::abort();
  }
  for (const auto& e : events) {
    auto line = to_legacy_line(e);
    if (!line) continue;
    LegacyLineAdapter again;
    auto out = again.feed(*line);
    if (!out.event) {
      std::fprintf(stderr, "to_legacy_line output does not read back: %s\n", line->c_str());
      std::abort();
    }
  }
  return 0;
}
