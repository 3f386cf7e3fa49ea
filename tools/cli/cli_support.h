// Schema-independent helpers of the eventkit command-line tool
// (docs/cli.md): exit codes, timestamps, colour, error text, signals.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/reader.h"

namespace eventkit::cli {

// Documented in docs/cli.md; stable.
enum ExitCode : int {
  kOk = 0,
  kDamage = 1,  // damage found (verify), disagreement (compare), unreadable event file
  kUsage = 2,   // bad arguments
  kIo = 3,      // missing path, I/O error, cannot write output
};

// The worse of two exit codes: I/O > damage > ok (usage errors stop early).
int worse(int a, int b);

using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

// RFC 3339: "2026-12-03T16:37:09Z", optional fraction (1-9 digits), "Z" or
// "+hh:mm"/"-hh:mm"; 't'/'z' and a space instead of 'T' accepted.
std::optional<Timestamp> parse_rfc3339(std::string_view text);
// "2026-12-03T16:37:09.123456789Z" (always 9 digits, UTC).
std::string format_rfc3339(Timestamp t);

// Colour decision: --color=always|never|auto; never with NO_COLOR or --json.
enum class ColorMode { kAuto, kAlways, kNever };
bool use_color(ColorMode mode, bool json);

struct Style {
  bool on = false;
  std::string dim(std::string_view s) const { return wrap("2", s); }
  std::string cyan(std::string_view s) const { return wrap("36", s); }
  std::string bold(std::string_view s) const { return wrap("1", s); }
  std::string red(std::string_view s) const { return wrap("31", s); }
  std::string yellow(std::string_view s) const { return wrap("33", s); }
  std::string green(std::string_view s) const { return wrap("32", s); }

 private:
  std::string wrap(std::string_view code, std::string_view s) const;
};

// Error lines on stderr: "eventkit: error: <what>" / "eventkit: warning: ...".
void error(std::string_view what);
void warning(std::string_view what);
void note(std::string_view what);

// Exit code for a read error: a missing/unreadable path is I/O (3), a file
// that is not an event file of this schema is damage (1).
int exit_code_for(const ReadError& e);
std::string describe(const ReadError& e);  // one line, names the path

// The name a path is shown under as an event source: the last component
// ("data/client-1/" -> "client-1").
std::string source_name(const std::filesystem::path& p);

// Case-insensitive ASCII equality.
bool iequals(std::string_view a, std::string_view b);

// Text-mode field: control characters (newline, ESC, ...) escaped as \n,
// \r, \t, \xNN, so one event stays one line and cannot drive the terminal.
std::string one_line(std::string_view s);

// Quoted JSON string.
std::string json_string(std::string_view s);

// SIGINT/SIGTERM set a flag instead of killing the process.
void install_stop_signals();
bool stop_requested();

bool stdout_is_terminal();
bool stderr_is_terminal();

}  // namespace eventkit::cli
