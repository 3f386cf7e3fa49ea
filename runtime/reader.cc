#include "runtime/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/framing.h"
#include "runtime/record_decoder.h"

namespace eventkit::detail {
namespace {

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
  // O_NONBLOCK: a FIFO put in the file's place must not block the open
  // (or the reads); anything but a regular file is refused below.
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (file.fd < 0) {
    const int err = errno;
    return make_read_error(err == ENOENT ? ReadError::Code::kNotFound : ReadError::Code::kIo, path,
                           std::strerror(err));
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return make_read_error(ReadError::Code::kIo, path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return make_read_error(ReadError::Code::kIo, path, "not a regular file");
  RecordDecoder decoder(path, schema_name, schema_fingerprint, stats);
  framing::FrameScanner scanner;
  std::vector<uint8_t> chunk(1 << 16);
  for (;;) {
    const ssize_t n = ::read(file.fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_read_error(ReadError::Code::kIo, path, std::strerror(errno));
    }
    if (n == 0) break;
    stats.file_bytes += static_cast<uint64_t>(n);
    scanner.append(std::span<const uint8_t>(chunk.data(), static_cast<size_t>(n)));
    while (auto item = scanner.next()) {
      if (auto error = decoder.consume(*item, on_event)) return error;
    }
  }
  if (!decoder.have_header()) return decoder.missing_header_error();
  decoder.finish(scanner);
  return std::nullopt;
}

}  // namespace eventkit::detail
