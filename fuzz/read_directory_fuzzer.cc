// libFuzzer target (c): read_directory on an arbitrary directory of
// arbitrary files built from the input. The input is a list of entries
//   [kind byte][name byte][2-byte length][content]
// kind selects a regular file with a valid event-file name (several epochs,
// seconds and suffixes), one with a valid header followed by the content,
// a file with an arbitrary (sanitised) name, a subdirectory or a symlink
// named like an event file. Then read_directory<psyche Codec> reads it.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/file_format.h"
#include "runtime/framing.h"
#include "runtime/reader.h"
#include "schema/psyche_events.h"

namespace {

namespace fs = std::filesystem;
using Codec = psyche::events::Codec;

const fs::path& scratch() {
  static const fs::path dir = [] {
    const char* base = std::getenv("FUZZ_SCRATCH");
    if (!base) base = std::getenv("TEST_TMPDIR");  // regression test under Bazel
    fs::path d = fs::path(base ? base : "/dev/shm") / ("evk-dir-fuzz-" + std::to_string(::getpid()));
    return d;
  }();
  return dir;
}

void write(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path& dir = scratch();
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  size_t pos = 0;
  for (int entry = 0; entry < 16 && pos + 4 <= size; ++entry) {
    const uint8_t kind = data[pos], name_byte = data[pos + 1];
    const size_t len = std::min<size_t>(data[pos + 2] | data[pos + 3] << 8, size - pos - 4);
    std::vector<uint8_t> content(data + pos + 4, data + pos + 4 + len);
    pos += 4 + len;
    const auto second = std::chrono::sys_seconds(std::chrono::seconds(1'700'000'000 + (name_byte & 3)));
    std::string name = eventkit::format::file_name(name_byte >> 4, second, (name_byte >> 2) & 3);
    switch (kind % 6) {
      case 0:  // raw content under a valid name
        write(dir / name, content);
        break;
      case 1:
      case 2: {  // valid header (psyche, or another schema name), then content
        eventkit::format::FileHeader h;
        h.schema_name = kind % 6 == 1 ? std::string(Codec::kSchemaName) : "mini";
        h.schema_fingerprint = Codec::kSchemaFingerprint ^ (kind >> 7);
        h.epoch = name_byte >> 4;
        std::vector<uint8_t> file;
        eventkit::framing::append_frame(eventkit::format::encode_header(h), file);
        if (kind & 0x40) {  // content as one framed event record
          std::vector<uint8_t> payload{0x02};
          payload.insert(payload.end(), content.begin(), content.end());
          eventkit::framing::append_frame(payload, file);
        } else {
          file.insert(file.end(), content.begin(), content.end());
        }
        write(dir / name, file);
        break;
      }
      case 3: {  // arbitrary name (no '/', no NUL)
        std::string arbitrary;
        for (uint8_t c : content) {
          if (arbitrary.size() >= 64) break;
          if (c != '/' && c != 0) arbitrary.push_back(static_cast<char>(c));
        }
        if (arbitrary.empty() || arbitrary == "." || arbitrary == "..") arbitrary = "x";
        write(dir / arbitrary, content);
        break;
      }
      case 4:  // a directory named like an event file
        fs::create_directories(dir / name / "inner", ec);
        break;
      case 5:  // a symlink named like an event file (maybe dangling, maybe a loop)
        fs::create_symlink(kind & 0x80 ? fs::path(name) : fs::path("missing"), dir / name, ec);
        break;
    }
  }
  auto r = eventkit::read_directory<Codec>(dir);
  if (r.error) std::abort();  // the directory exists: it must be readable
  size_t events = 0;
  for (const auto& f : r.files) events += f.events;
  if (events != r.events.size()) {
    std::fprintf(stderr, "per-file event counts do not add up\n");
    std::abort();
  }
  return 0;
}
