// Applies the reading rules of docs/format.md §5 to the frames of one file,
// in order: header first, then event records, corrupt frames skipped and
// counted. Shared by the whole-file reader and the live follower, so both
// read a file the same way.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/framing.h"
#include "runtime/reader.h"

namespace eventkit::detail {

class RecordDecoder {
 public:
  RecordDecoder(std::filesystem::path path, std::string_view schema_name,
                uint64_t schema_fingerprint, FileStats& stats);

  // Handles one scanner item. Returns an error when the file cannot be read
  // as an event file of this schema (decided by its first frame); feed
  // nothing more after that.
  std::optional<ReadError> consume(framing::FrameScanner::Item& item, const EventBodySink& on_event);

  bool have_header() const { return have_header_; }

  // Records padding and the torn tail (bytes the scanner still holds).
  void finish(const framing::FrameScanner& scanner);

  // The error for a file that ended before a complete header record.
  ReadError missing_header_error() const;

 private:
  std::filesystem::path path_;
  std::string schema_name_;
  uint64_t schema_fingerprint_;
  FileStats& stats_;
  bool have_header_ = false;
  std::vector<uint8_t> aligned_;  // event body copy, aligned for Codec::decode
};

ReadError make_read_error(ReadError::Code code, const std::filesystem::path& path, std::string what);

}  // namespace eventkit::detail
