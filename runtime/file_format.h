// Record types, the file header record and file naming of event files
// (docs/format.md §3, §4, §6). Schema-independent.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace eventkit::format {

enum class RecordType : uint8_t { kHeader = 0x01, kEvent = 0x02 };
// Types in [0x80, 0xff] may be ignored by readers that do not know them.
inline constexpr uint8_t kFirstIgnorableRecordType = 0x80;

inline constexpr std::string_view kMagic = "EVENTKIT";
inline constexpr uint16_t kFormatVersion = 1;
inline constexpr std::string_view kFileExtension = ".evk";

struct FileHeader {
  uint16_t format_version = kFormatVersion;
  std::string schema_name;
  uint64_t schema_fingerprint = 0;
  uint64_t epoch = 0;
  int64_t created_unix_ns = 0;
  std::vector<uint8_t> run_context;  // Codec::encode(run context event), may be empty
  bool operator==(const FileHeader&) const = default;
};

// The full header record payload, type byte included.
std::vector<uint8_t> encode_header(const FileHeader& header);

struct HeaderParse {
  enum class Status { kOk, kNotAHeader, kUnsupportedVersion };
  Status status = Status::kNotAHeader;
  FileHeader header;  // valid when kOk (format_version also when kUnsupportedVersion)
  std::string error;
};
HeaderParse parse_header(std::span<const uint8_t> payload);

// Event record payload = type byte + codec bytes.
void append_event_record_prefix(std::vector<uint8_t>& payload);

// ---- naming ----

// Orders files of a directory: epoch, then creation second, then suffix.
struct FileNameKey {
  uint64_t epoch = 0;
  std::string timestamp;  // YYYY-MM-DDTHH-MM-SSZ, sorts chronologically
  uint64_t suffix = 0;    // 0 when absent
  auto operator<=>(const FileNameKey&) const = default;
};

// events-epoch-{epoch}-{YYYY-MM-DDTHH-MM-SSZ}[-{suffix}].evk (suffix 0 = none).
std::string file_name(uint64_t epoch, std::chrono::sys_seconds created, uint64_t suffix);
std::optional<FileNameKey> parse_file_name(std::string_view name);

// Regular files in `dir` whose names parse, in FileNameKey order.
std::vector<std::filesystem::path> list_event_files(const std::filesystem::path& dir,
                                                    std::error_code& ec);

}  // namespace eventkit::format
