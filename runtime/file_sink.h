// The file side of FileBackend, used only by its writer thread (and its
// constructor): creating files without ever overwriting, appending bytes,
// fsync, retention and error bookkeeping. Schema-independent.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <string>
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

  // Thread-safe readers for status().
  void fill_status(FileBackendStatus& status) const;

 private:
  void record_error(const std::string& what);
  void apply_retention();

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
