// The file side of FileBackend, used only by its writer thread (and its
// constructor): creating files without ever overwriting, appending bytes,
// fsync, retention and error bookkeeping. Schema-independent.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "runtime/file_backend_options.h"
#include "runtime/file_format.h"

namespace eventkit {

class FileSink {
 public:
  // `header` is the template for every file's header; its epoch and time are
  // filled in per file.
  FileSink(FileBackendOptions options, format::FileHeader header);
  ~FileSink();
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  // Closes the current file (fsync per policy) and starts a new one for
  // `epoch`, then applies retention. Returns false (error recorded) on failure.
  bool open(uint64_t epoch);
  bool is_open() const { return fd_ >= 0; }
  uint64_t epoch() const { return epoch_.load(std::memory_order_relaxed); }

  // Appends `bytes` (whole frames). False when not all bytes were written.
  bool write(std::span<const uint8_t> bytes);
  void sync();
  void close();

  // True when the current file no longer has a name (its directory was
  // removed or replaced under the writer): later writes would go nowhere.
  // Checks with fstat(2).
  bool current_file_unlinked() const;

  // Counts an error and records it as last_error (first one also on stderr).
  void record_error(const std::string& what);

  // Thread-safe readers for status().
  void fill_status(FileBackendStatus& status) const;

 private:
  void apply_retention();
  // The creation second and first suffix to try for a new file of `epoch`,
  // so that it sorts after every existing file of that epoch: `now` and
  // suffix 0, unless a file of the epoch carries `now` or a later second in
  // its name (two files in one second, or the wall clock went back); then
  // the latest such second and one more than its highest suffix.
  std::pair<std::chrono::sys_seconds, uint64_t> name_slot(uint64_t epoch,
                                                          std::chrono::sys_seconds now) const;

  const FileBackendOptions options_;
  format::FileHeader header_;
  int fd_ = -1;
  bool needs_resync_ = false;  // last write failed part-way: next write starts with 0x00
  std::atomic<uint64_t> epoch_{0};
  std::atomic<uint64_t> files_created_{0};
  std::atomic<uint64_t> files_deleted_{0};
  std::atomic<uint64_t> bytes_written_{0};
  std::atomic<uint64_t> write_errors_{0};
  mutable std::mutex text_mu_;  // guards the two strings below
  std::filesystem::path current_path_;
  std::string last_error_;
  bool reported_ = false;  // one stderr line per sink, ever
};

}  // namespace eventkit
