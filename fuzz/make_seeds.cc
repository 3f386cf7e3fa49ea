// Writes the small seed corpora under fuzz/corpus/ (run by
// `fuzz/run.sh --seeds`; the output is checked in, so this only needs to
// run again when the schema changes a lot).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "runtime/file_format.h"
#include "runtime/framing.h"
#include "schema/psyche_events.h"
#include "schema/psyche_events_legacy.h"
#include "schema/psyche_events_random.h"

namespace fs = std::filesystem;
using namespace psyche::events;
using Bytes = std::vector<uint8_t>;

static void put(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

static Bytes encode(const Event& e) {
  flatbuffers::FlatBufferBuilder fbb;
  auto s = Codec::encode(e, fbb);
  return Bytes(s.begin(), s.end());
}

static Bytes event_file(const std::vector<Event>& events, const std::string& schema) {
  eventkit::format::FileHeader h;
  h.schema_name = schema;
  h.schema_fingerprint = Codec::kSchemaFingerprint;
  h.created_unix_ns = 1'700'000'000'000'000'000;
  Bytes file;
  eventkit::framing::append_frame(eventkit::format::encode_header(h), file);
  for (const auto& e : events) {
    Bytes payload{0x02};
    auto b = encode(e);
    payload.insert(payload.end(), b.begin(), b.end());
    eventkit::framing::append_frame(payload, file);
  }
  return file;
}

int main(int argc, char** argv) {
  const fs::path root = argc > 1 ? argv[1] : "fuzz/corpus";
  testing::RandomFill fill(42);
  const size_t n = all_variants().size();
  std::vector<Event> events;
  for (size_t i = 0; i < n; ++i) events.push_back(fill.event(i));

  // (a) record decoder: a whole file, and codec bytes of groups of variants
  // joined by the fuzzer's separator "\xff\xfe".
  const fs::path rd = root / "record_decoder_fuzzer";
  fs::create_directories(rd);
  put(rd / "file-8-events", event_file({events.begin(), events.begin() + std::min<size_t>(8, n)}, "psyche"));
  for (size_t g = 0; g < n; g += 6) {
    Bytes joined;
    for (size_t i = g; i < std::min(n, g + 6); ++i) {
      if (!joined.empty()) joined.insert(joined.end(), {0xff, 0xfe});
      auto b = encode(events[i]);
      joined.insert(joined.end(), b.begin(), b.end());
    }
    put(rd / ("variants-" + std::to_string(g)), joined);
  }

  // (b) legacy lines: every marker variant as a raw line, one as a Docker
  // json-file entry and one with a `docker logs --timestamps` prefix.
  const fs::path ll = root / "legacy_line_fuzzer";
  fs::create_directories(ll);
  std::string raw;
  for (const auto& e : events) {
    if (auto line = to_legacy_line(e)) raw += *line + "\n";
  }
  put(ll / "raw-markers", Bytes(raw.begin(), raw.end()));
  std::string first = raw.substr(0, raw.find('\n'));
  std::string escaped;
  for (char c : first) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  std::string docker = "{\"log\":\"" + escaped + "\\n\",\"stream\":\"stdout\",\"time\":\"2024-05-01T10:00:00.123456789Z\"}\n";
  put(ll / "docker-json-file", Bytes(docker.begin(), docker.end()));
  std::string ts = "2024-05-01T10:00:00.123456789Z " + first + "\n";
  put(ll / "docker-timestamps", Bytes(ts.begin(), ts.end()));

  // (c) directories: entries [kind][name byte][len LE16][content].
  const fs::path dd = root / "read_directory_fuzzer";
  fs::create_directories(dd);
  auto entry = [](Bytes& out, uint8_t kind, uint8_t name, const Bytes& content) {
    out.push_back(kind);
    out.push_back(name);
    out.push_back(static_cast<uint8_t>(content.size()));
    out.push_back(static_cast<uint8_t>(content.size() >> 8));
    out.insert(out.end(), content.begin(), content.end());
  };
  Bytes dir;
  entry(dir, 0, 0x00, event_file({events.begin(), events.begin() + 2}, "psyche"));
  entry(dir, 0, 0x10, event_file({events.begin() + 2, events.begin() + 4}, "psyche"));
  entry(dir, 1 | 0x40, 0x14, encode(events[4]));
  entry(dir, 2, 0x20, Bytes{1, 2, 3});
  entry(dir, 3, 0, Bytes{'n', 'o', 't', 'e', 's', '.', 't', 'x', 't'});
  entry(dir, 4, 0x30, {});
  entry(dir, 5 | 0x80, 0x01, {});
  put(dd / "mixed-dir", dir);
  std::printf("seeds written under %s\n", root.c_str());
  return 0;
}
