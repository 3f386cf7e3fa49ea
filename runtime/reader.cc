#include "runtime/reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/framing.h"

namespace eventkit::detail {
namespace {

ReadError make_error(ReadError::Code code, const std::filesystem::path& path, std::string what) {
  ReadError e{code, path, std::move(what)};
  e.message = describe(e);
  return e;
}

// Closes the descriptor on every return path.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string describe(const ReadError& error) {
  return error.path.string() + ": " + error.message;
}

std::optional<ReadError> scan_file(const std::filesystem::path& path, std::string_view schema_name,
                                   uint64_t schema_fingerprint, FileStats& stats,
                                   const EventBodySink& on_event) {
  stats = FileStats{};
  stats.path = path;
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    const int err = errno;
    return make_error(err == ENOENT ? ReadError::Code::kNotFound : ReadError::Code::kIo, path,
                      std::strerror(err));
  }
  framing::FrameScanner scanner;
  bool have_header = false;
  std::vector<uint8_t> chunk(1 << 16);
  std::vector<uint8_t> aligned;  // event body, aligned for Codec::decode
  for (;;) {
    const ssize_t n = ::read(file.fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ReadError::Code::kIo, path, std::strerror(errno));
    }
    if (n == 0) break;
    stats.file_bytes += static_cast<uint64_t>(n);
    scanner.append(std::span<const uint8_t>(chunk.data(), static_cast<size_t>(n)));
    while (auto item = scanner.next()) {
      if (!have_header) {
        // The first frame decides whether this is an event file at all.
        if (item->kind != framing::FrameScanner::Item::Kind::kFrame) {
          return make_error(ReadError::Code::kNotAnEventFile, path,
                            "not an event file: first frame is invalid (" + item->reason + ")");
        }
        format::HeaderParse h = format::parse_header(item->payload);
        if (h.status == format::HeaderParse::Status::kUnsupportedVersion) {
          return make_error(ReadError::Code::kUnsupportedVersion, path, h.error);
        }
        if (h.status != format::HeaderParse::Status::kOk) {
          return make_error(ReadError::Code::kNotAnEventFile, path, "not an event file: " + h.error);
        }
        if (h.header.schema_name != schema_name) {
          return make_error(ReadError::Code::kSchemaMismatch, path,
                            "schema \"" + h.header.schema_name + "\", expected \"" +
                                std::string(schema_name) + "\"");
        }
        stats.header = std::move(h.header);
        stats.fingerprint_matches = stats.header.schema_fingerprint == schema_fingerprint;
        have_header = true;
        continue;
      }
      if (item->kind == framing::FrameScanner::Item::Kind::kCorrupt) {
        stats.corrupt.push_back({item->offset, item->length, std::move(item->reason)});
        continue;
      }
      const auto payload = item->payload;
      const uint8_t type = payload.empty() ? 0 : payload[0];
      if (type == static_cast<uint8_t>(format::RecordType::kEvent)) {
        // The body sits at payload offset 1; FlatBuffers needs it aligned,
        // so hand the codec a copy at the start of a heap buffer.
        aligned.assign(payload.begin() + 1, payload.end());
        if (auto why = on_event(aligned)) {
          stats.corrupt.push_back({item->offset, item->length, std::move(*why)});
        } else {
          ++stats.events;
        }
      } else if (type >= format::kFirstIgnorableRecordType) {
        ++stats.unknown_records;
      } else {
        stats.corrupt.push_back({item->offset, item->length,
                                 payload.empty() ? std::string("empty record")
                                                 : "unexpected record type " + std::to_string(type)});
      }
    }
  }
  if (!have_header) {
    return make_error(ReadError::Code::kNotAnEventFile, path,
                      stats.file_bytes == 0 ? "not an event file: empty"
                                            : "not an event file: no complete header record");
  }
  stats.padding_bytes = scanner.padding_bytes();
  stats.torn_tail_bytes = scanner.pending_bytes();
  stats.torn_tail = stats.torn_tail_bytes > 0;
  stats.torn_tail_offset = stats.torn_tail ? scanner.pending_offset() : 0;
  return std::nullopt;
}

}  // namespace eventkit::detail
