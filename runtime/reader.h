// Reading event files and directories into events (docs/format.md §5).
// Never throws or aborts on bad input: problems come back as values.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/codec.h"
#include "runtime/file_format.h"

namespace eventkit {

struct CorruptRecord {
  uint64_t offset = 0;  // byte offset of the frame in its file
  uint64_t length = 0;  // bytes skipped, terminator included
  std::string reason;
};

struct ReadError {
  enum class Code { kNotFound, kIo, kNotAnEventFile, kUnsupportedVersion, kSchemaMismatch };
  Code code;
  std::filesystem::path path;
  std::string message;  // one line, names the path
};

struct FileStats {
  std::filesystem::path path;
  uint64_t file_bytes = 0;
  uint64_t events = 0;                 // event records decoded
  std::vector<CorruptRecord> corrupt;  // skipped frames, in file order
  bool torn_tail = false;              // writer stopped mid-frame (not corruption)
  uint64_t torn_tail_offset = 0;
  uint64_t torn_tail_bytes = 0;
  uint64_t padding_bytes = 0;    // empty frames (resync / zero fill)
  uint64_t unknown_records = 0;  // ignorable record types (>= 0x80)
  format::FileHeader header;
  bool fingerprint_matches = true;
  std::string run_context_error;  // set when the header's run context did not decode
};

namespace detail {
// Schema-independent scan of one file. Calls `on_event` with each event
// record body; a returned string marks that record corrupt.
using EventBodySink = std::function<std::optional<std::string>(std::span<const uint8_t>)>;
std::optional<ReadError> scan_file(const std::filesystem::path& path, std::string_view schema_name,
                                   uint64_t schema_fingerprint, FileStats& stats,
                                   const EventBodySink& on_event);
std::string describe(const ReadError& error);
}  // namespace detail

template <class Event>
struct FileRead {
  std::optional<ReadError> error;  // set: the file could not be read as an event file
  FileStats stats;
  std::optional<Event> run_context;
  std::vector<Event> events;
};

template <class Event>
struct DirectoryRead {
  std::optional<ReadError> error;        // set: the directory itself failed
  std::vector<FileStats> files;          // files read, in directory order
  std::vector<ReadError> file_errors;    // matching files that were not event files etc.
  std::vector<Event> events;             // all files' events, in file order
};

template <Codec C>
FileRead<typename C::Event> read_file(const std::filesystem::path& path) {
  using Event = typename C::Event;
  FileRead<Event> out;
  out.error = detail::scan_file(path, C::kSchemaName, C::kSchemaFingerprint, out.stats,
                                [&](std::span<const uint8_t> body) -> std::optional<std::string> {
                                  auto r = C::decode(body);
                                  if (!r.event) return "decode: " + r.error;
                                  out.events.push_back(std::move(*r.event));
                                  return std::nullopt;
                                });
  if (!out.error && !out.stats.header.run_context.empty()) {
    auto r = C::decode(out.stats.header.run_context);
    if (r.event) {
      out.run_context = std::move(r.event);
    } else {
      out.stats.run_context_error = r.error;
    }
  }
  return out;
}

// Reads every event file of `dir` (epoch order, then name order).
template <Codec C>
DirectoryRead<typename C::Event> read_directory(const std::filesystem::path& dir) {
  using Event = typename C::Event;
  DirectoryRead<Event> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    const bool missing = !std::filesystem::exists(dir, ec);
    out.error = ReadError{missing ? ReadError::Code::kNotFound : ReadError::Code::kIo, dir,
                          missing ? "events directory does not exist" : "not a directory"};
    out.error->message = detail::describe(*out.error);
    return out;
  }
  auto files = format::list_event_files(dir, ec);
  if (ec) {
    out.error = ReadError{ReadError::Code::kIo, dir, ec.message()};
    out.error->message = detail::describe(*out.error);
    return out;
  }
  for (const auto& path : files) {
    FileRead<Event> f = read_file<C>(path);
    if (f.error) {
      out.file_errors.push_back(std::move(*f.error));
      continue;
    }
    out.files.push_back(std::move(f.stats));
    if (out.events.empty()) {
      out.events = std::move(f.events);  // no per-event move (each is a nested variant)
    } else {
      out.events.reserve(out.events.size() + f.events.size());
      for (auto& e : f.events) out.events.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace eventkit
