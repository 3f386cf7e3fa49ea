#include "runtime/file_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>

#include "runtime/framing.h"

namespace eventkit {
namespace {

// Suffixes tried when a name exists (-1, -2, ...); beyond this something
// else is wrong (a loop creating files), so give up with an error.
constexpr uint64_t kMaxSuffix = 10000;

// "YYYY-MM-DDTHH-MM-SSZ" (already shape-checked by parse_file_name).
std::optional<std::chrono::sys_seconds> parse_name_timestamp(const std::string& ts) {
  std::tm tm{};
  if (std::sscanf(ts.c_str(), "%4d-%2d-%2dT%2d-%2d-%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::sys_seconds(std::chrono::seconds(::timegm(&tm)));
}

}  // namespace

FileSink::FileSink(FileBackendOptions options, format::FileHeader header)
    : options_(std::move(options)), header_(std::move(header)) {}

FileSink::~FileSink() { close(); }

void FileSink::record_error(const std::string& what) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(text_mu_);
  last_error_ = what;
  if (!reported_) {
    reported_ = true;
    std::fprintf(stderr, "eventkit: %s (further errors are only counted; see FileBackend::status())\n",
                 what.c_str());
  }
}

bool FileSink::open(uint64_t epoch) {
  close();
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) {
    record_error("cannot create events directory " + options_.dir.string() + ": " + ec.message());
    return false;
  }
  const auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  const auto [second, first_suffix] =
      name_slot(epoch, std::chrono::floor<std::chrono::seconds>(now));
  std::filesystem::path path;
  int fd = -1;
  for (uint64_t suffix = first_suffix; suffix <= first_suffix + kMaxSuffix && fd < 0; ++suffix) {
    path = options_.dir / format::file_name(epoch, second, suffix);
    // O_EXCL: never overwrite or append to an existing file.
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) {
      record_error("cannot create event file " + path.string() + ": " + std::strerror(errno));
      return false;
    }
  }
  if (fd < 0) {
    record_error("cannot create event file in " + options_.dir.string() + ": too many files this second");
    return false;
  }
  fd_ = fd;
  needs_resync_ = false;
  epoch_.store(epoch, std::memory_order_relaxed);
  {
    std::lock_guard lock(text_mu_);
    current_path_ = path;
  }
  files_created_.fetch_add(1, std::memory_order_relaxed);

  header_.epoch = epoch;
  header_.created_unix_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  std::vector<uint8_t> frame;
  framing::append_frame(format::encode_header(header_), frame);
  if (!write(frame)) {
    close();  // without a header the file is unreadable; don't add events to it
    return false;
  }
  if (options_.fsync != FsyncPolicy::kNever) {
    // The new name must survive a power loss too, not just the file's data.
    const int dir_fd = ::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 || ::fsync(dir_fd) != 0) {
      record_error("fsync of directory " + options_.dir.string() + " failed: " + std::strerror(errno));
    }
    if (dir_fd >= 0) ::close(dir_fd);
  }
  apply_retention();
  return true;
}

bool FileSink::write(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return false;
  if (needs_resync_) {
    // A frame was cut short: end it so only it is lost (docs/format.md §6).
    const uint8_t zero = framing::kTerminator;
    if (::write(fd_, &zero, 1) != 1) {
      record_error("write to " + current_path_.string() + " failed: " + std::strerror(errno));
      return false;
    }
    needs_resync_ = false;
    bytes_written_.fetch_add(1, std::memory_order_relaxed);
  }
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      // Even with done == 0 a later retry could land mid-frame after an
      // earlier partial write by the kernel; resync is cheap, always do it.
      bytes_written_.fetch_add(done, std::memory_order_relaxed);
      needs_resync_ = true;
      record_error("write to " + current_path_.string() + " failed: " + std::strerror(err));
      return false;
    }
    done += static_cast<size_t>(n);
  }
  bytes_written_.fetch_add(done, std::memory_order_relaxed);
  if (options_.fsync == FsyncPolicy::kEveryWrite) sync();
  return true;
}

void FileSink::sync() {
  if (fd_ >= 0 && ::fsync(fd_) != 0) {
    record_error("fsync of " + current_path_.string() + " failed: " + std::strerror(errno));
  }
}

bool FileSink::current_file_unlinked() const {
  struct stat st {};
  return fd_ >= 0 && ::fstat(fd_, &st) == 0 && st.st_nlink == 0;
}

std::pair<std::chrono::sys_seconds, uint64_t> FileSink::name_slot(
    uint64_t epoch, std::chrono::sys_seconds now) const {
  std::error_code ec;
  std::chrono::sys_seconds second = now;
  std::optional<uint64_t> max_suffix;  // of existing files named with `second`
  for (const auto& path : format::list_event_files(options_.dir, ec)) {
    auto key = format::parse_file_name(path.filename().string());
    if (!key || key->epoch != epoch) continue;
    auto t = parse_name_timestamp(key->timestamp);
    if (!t || *t < second) continue;
    if (*t > second) {
      second = *t;
      max_suffix.reset();
    }
    max_suffix = std::max(max_suffix.value_or(0), key->suffix);
  }
  return {second, max_suffix ? *max_suffix + 1 : 0};
}

void FileSink::close() {
  if (fd_ < 0) return;
  if (options_.fsync != FsyncPolicy::kNever) sync();
  ::close(fd_);
  fd_ = -1;
  std::lock_guard lock(text_mu_);
  current_path_.clear();
}

void FileSink::apply_retention() {
  if (options_.keep_files == 0) return;
  std::error_code ec;
  auto files = format::list_event_files(options_.dir, ec);
  if (ec) {
    record_error("retention: cannot list " + options_.dir.string() + ": " + ec.message());
    return;
  }
  size_t excess = files.size() > options_.keep_files ? files.size() - options_.keep_files : 0;
  for (size_t i = 0; i < files.size() && excess > 0; ++i) {
    if (files[i] == current_path_) continue;  // never delete the file being written
    if (std::filesystem::remove(files[i], ec)) {
      files_deleted_.fetch_add(1, std::memory_order_relaxed);
      --excess;
    } else if (ec) {
      record_error("retention: cannot delete " + files[i].string() + ": " + ec.message());
    }
  }
}

void FileSink::fill_status(FileBackendStatus& status) const {
  status.files_created = files_created_.load(std::memory_order_relaxed);
  status.files_deleted = files_deleted_.load(std::memory_order_relaxed);
  status.bytes_written = bytes_written_.load(std::memory_order_relaxed);
  status.write_errors = write_errors_.load(std::memory_order_relaxed);
  status.current_epoch = epoch_.load(std::memory_order_relaxed);
  std::lock_guard lock(text_mu_);
  status.current_file = current_path_;
  status.last_error = last_error_;
}

}  // namespace eventkit
