#include "tools/cli/cli_support.h"

#include "codegen/support/event_support.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <csignal>
#include <pthread.h>
#include <signal.h>
#include <cstdio>
#include <cstdlib>

namespace eventkit::cli {

int worse(int a, int b) {
  auto rank = [](int c) { return c == kIo ? 3 : c == kUsage ? 2 : c == kDamage ? 1 : 0; };
  return rank(a) >= rank(b) ? a : b;
}

std::optional<Timestamp> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  auto num = [&](size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
    std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' ||
      !num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) ||
      !num(17, 2, se)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t digits = 0;
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits >= 9) return std::nullopt;
      frac = frac * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 9; ++i) frac *= 10;
  }
  int64_t offset_min = 0;
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    // UTC
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!num(pos + 1, 2, oh) || !num(pos + 4, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
  return Timestamp{sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + seconds{se} +
                   nanoseconds{frac} - minutes{offset_min}};
}

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<nanoseconds> tod{t - day};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%09lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()), static_cast<long long>(tod.subseconds().count()));
  return buf;
}

bool use_color(ColorMode mode, bool json) {
  if (json) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  if (mode == ColorMode::kAlways) return true;
  if (mode == ColorMode::kNever) return false;
  return stdout_is_terminal();
}

std::string Style::wrap(std::string_view code, std::string_view s) const {
  if (!on) return std::string(s);
  std::string out = "\x1b[";
  out += code;
  out += 'm';
  out += s;
  out += "\x1b[0m";
  return out;
}

void error(std::string_view what) {
  std::fflush(stdout);
  std::fprintf(stderr, "eventkit: error: %.*s\n", static_cast<int>(what.size()), what.data());
}
void warning(std::string_view what) {
  std::fflush(stdout);
  std::fprintf(stderr, "eventkit: warning: %.*s\n", static_cast<int>(what.size()), what.data());
}
void note(std::string_view what) {
  std::fflush(stdout);
  std::fprintf(stderr, "eventkit: %.*s\n", static_cast<int>(what.size()), what.data());
}

int exit_code_for(const ReadError& e) {
  switch (e.code) {
    case ReadError::Code::kNotFound:
    case ReadError::Code::kIo:
      return kIo;
    case ReadError::Code::kNotAnEventFile:
    case ReadError::Code::kUnsupportedVersion:
    case ReadError::Code::kSchemaMismatch:
      return kDamage;
  }
  return kIo;
}

std::string describe(const ReadError& e) {
  // The reader's messages usually start with the path already.
  const std::string prefix = e.path.string() + ": ";
  std::string what = e.message;
  if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
  switch (e.code) {
    case ReadError::Code::kNotFound:
      return prefix + "no such file or directory";
    case ReadError::Code::kSchemaMismatch:
      return prefix + "unknown schema: written with " + what;
    case ReadError::Code::kUnsupportedVersion:
      return prefix + "unsupported format version: " + what;
    case ReadError::Code::kNotAnEventFile:
    case ReadError::Code::kIo:
      break;
  }
  return prefix + what;
}

std::string source_name(const std::filesystem::path& p) {
  std::filesystem::path q = p;
  while (!q.empty() && q.filename().empty() && q != q.root_path()) q = q.parent_path();
  std::string name = q.filename().string();
  if (name.empty() || name == ".") {
    std::error_code ec;
    auto abs = std::filesystem::absolute(p, ec).lexically_normal();
    while (!abs.empty() && abs.filename().empty() && abs != abs.root_path()) abs = abs.parent_path();
    name = abs.filename().string();
  }
  return name.empty() ? p.string() : name;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string one_line(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string json_string(std::string_view s) {
  std::string out;
  gen::append_json_string(out, s);
  return out;
}

namespace {
std::atomic<bool> g_stopped{false};
sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

// SIGINT/SIGTERM are blocked (in this thread and every thread started
// later) and collected synchronously by stop_requested(): no handler runs,
// and no system call of a reading thread is interrupted.
void install_stop_signals() {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

bool stop_requested() {
  if (g_stopped.load()) return true;
  const sigset_t set = stop_set();
  const timespec zero{0, 0};
  if (sigtimedwait(&set, nullptr, &zero) > 0) g_stopped.store(true);
  return g_stopped.load();
}

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace eventkit::cli
