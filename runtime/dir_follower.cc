#include "runtime/dir_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace eventkit::tail {

struct DirectoryFollower::Current {
  Current(std::filesystem::path p, int descriptor, const std::string& schema, uint64_t fingerprint)
      : path(std::move(p)), fd(descriptor), decoder(path, schema, fingerprint, stats) {}
  ~Current() {
    if (fd >= 0) ::close(fd);
  }
  std::filesystem::path path;
  int fd;
  uint64_t offset = 0;
  FileStats stats;
  framing::FrameScanner scanner;
  detail::RecordDecoder decoder;
  bool header_delivered = false;
};

DirectoryFollower::DirectoryFollower(std::filesystem::path dir, std::string schema_name,
                                     uint64_t schema_fingerprint)
    : dir_(std::move(dir)), schema_name_(std::move(schema_name)),
      schema_fingerprint_(schema_fingerprint), chunk_(1 << 16) {}

DirectoryFollower::~DirectoryFollower() = default;

void DirectoryFollower::note_created(const std::string& name) {
  if (format::parse_file_name(name) && !opened_.count(name)) listed_unopened_.insert(name);
}

bool DirectoryFollower::directory_exists() const {
  std::error_code ec;
  return std::filesystem::is_directory(dir_, ec);
}

bool DirectoryFollower::poll(const detail::EventBodySink& on_event, const HeaderSink& on_header) {
  std::error_code ec;
  const auto files = format::list_event_files(dir_, ec);
  bool progressed = false;
  if (ec) {
    // The directory is missing (not created yet, or removed): keep reading
    // the file already open, which stays readable through its descriptor.
    if (cur_) progressed = read_available(on_event, on_header);
    return progressed;
  }
  std::set<std::string> listed;
  for (const auto& f : files) listed.insert(f.filename().string());
  // Seen before, gone before we opened it: retention deleted it unread.
  for (auto it = listed_unopened_.begin(); it != listed_unopened_.end();) {
    if (!listed.count(*it)) {
      ++stats_.files_missed;
      stats_.missed.push_back(dir_ / *it);
      it = listed_unopened_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& name : listed) {
    if (!opened_.count(name)) listed_unopened_.insert(name);
  }

  for (;;) {
    if (!cur_ && !open_next(files)) break;
    progressed |= read_available(on_event, on_header);
    if (!cur_) continue;  // the file turned out not to be an event file
    // A file the writer had not created when we listed the directory cannot
    // be newer than the current one; one we listed but have not opened is
    // newer, so the writer finished the current file before creating it:
    // everything it wrote is read by now, and any rest is a torn tail.
    if (listed_unopened_.empty()) break;
    finish_current();
  }
  return progressed;
}

bool DirectoryFollower::open_next(const std::vector<std::filesystem::path>& files) {
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    if (opened_.count(name)) continue;
    opened_.insert(name);
    listed_unopened_.erase(name);
    // O_NONBLOCK + S_ISREG: a FIFO swapped in after listing must not block.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st {};
    if (fd >= 0 && (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
      ::close(fd);
      stats_.file_errors.push_back(detail::make_read_error(ReadError::Code::kIo, path, "not a regular file"));
      continue;
    }
    if (fd < 0) {
      if (errno == ENOENT) {
        ++stats_.files_missed;
        stats_.missed.push_back(path);
      } else {
        stats_.file_errors.push_back(
            detail::make_read_error(ReadError::Code::kIo, path, std::strerror(errno)));
      }
      continue;
    }
    cur_ = std::make_unique<Current>(path, fd, schema_name_, schema_fingerprint_);
    ++stats_.files_opened;
    return true;
  }
  return false;
}

bool DirectoryFollower::read_available(const detail::EventBodySink& on_event, const HeaderSink& on_header) {
  bool progressed = false;
  auto count_event = [&](std::span<const uint8_t> body) -> std::optional<std::string> {
    auto why = on_event(body);
    if (!why) ++stats_.events;
    return why;
  };
  for (;;) {
    const ssize_t n = ::pread(cur_->fd, chunk_.data(), chunk_.size(), static_cast<off_t>(cur_->offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      stats_.file_errors.push_back(detail::make_read_error(ReadError::Code::kIo, cur_->path, std::strerror(errno)));
      cur_.reset();
      return progressed;
    }
    if (n == 0) return progressed;
    progressed = true;
    cur_->offset += static_cast<uint64_t>(n);
    cur_->stats.file_bytes += static_cast<uint64_t>(n);
    stats_.bytes += static_cast<uint64_t>(n);
    cur_->scanner.append(std::span<const uint8_t>(chunk_.data(), static_cast<size_t>(n)));
    while (auto item = cur_->scanner.next()) {
      if (auto error = cur_->decoder.consume(*item, count_event)) {
        stats_.file_errors.push_back(std::move(*error));
        cur_.reset();
        return progressed;
      }
      if (cur_->decoder.have_header() && !cur_->header_delivered) {
        cur_->header_delivered = true;
        on_header(cur_->stats.header, cur_->path);
      }
    }
  }
}

void DirectoryFollower::finish_current() {
  if (!cur_->decoder.have_header()) {
    stats_.file_errors.push_back(cur_->decoder.missing_header_error());
  } else {
    cur_->decoder.finish(cur_->scanner);
    stats_.corrupt_records += cur_->stats.corrupt.size();
    if (cur_->stats.torn_tail) ++stats_.torn_tails;
    stats_.finished.push_back(cur_->stats);
  }
  cur_.reset();
}

}  // namespace eventkit::tail
