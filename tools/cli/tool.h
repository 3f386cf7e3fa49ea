// The eventkit command-line tool, independent of any one schema: every
// subcommand is written against a Schema adapter (see psyche_schema.h for
// the members it needs). docs/cli.md is the user documentation.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "codegen/support/legacy_lines.h"
#include "runtime/event_reader.h"
#include "runtime/file_backend.h"
#include "runtime/file_format.h"
#include "runtime/reader.h"
#include "tools/cli/cli_support.h"

namespace eventkit::cli {

struct TypeName {
  std::string category;
  std::string name;
};

// Options shared by the reading subcommands (cat, tail, stats).
struct FilterOptions {
  std::vector<std::string> types;
  std::vector<std::string> sources;
  std::string since_text;
  std::string until_text;
  std::optional<Timestamp> since;  // inclusive
  std::optional<Timestamp> until;  // exclusive
};

// " (its subdirectories a, b hold event files)" when `dir` has none but
// its subdirectories do: pointing the tool at a run directory instead of
// the per-client directories is the natural mistake.
inline std::string subdirectory_hint(const std::filesystem::path& dir) {
  std::vector<std::string> with_events;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_directory(ec)) continue;
    if (!format::list_event_files(entry.path(), ec).empty()) with_events.push_back(entry.path().filename().string());
  }
  if (with_events.empty()) return "";
  std::sort(with_events.begin(), with_events.end());
  std::string names;
  for (size_t i = 0; i < with_events.size() && i < 4; ++i) names += (i ? ", " : "") + with_events[i];
  if (with_events.size() > 4) names += ", ...";
  return "; its subdirectories " + names + " hold event files (try " + (dir / "*").string() + ")";
}

template <class Schema>
class Tool {
 public:
  using Codec = typename Schema::Codec;
  using Event = typename Schema::Event;

  struct Item {
    std::string source;
    Event event;
  };

  int run(int argc, char** argv) {
    // Under `bazel run`, resolve relative paths where the user is.
    if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY"); wd != nullptr && wd[0] != '\0') {
      std::error_code ec;
      std::filesystem::current_path(wd, ec);
    }
    CLI::App app{"eventkit: print, filter, follow, summarise, verify and convert event files.\n"
                 "Exit codes: 0 ok, 1 damage or disagreement, 2 usage error, 3 I/O error "
                 "(missing path, unreadable or unwritable).",
                 "eventkit"};
    app.require_subcommand(1, 1);
    app.fallthrough(false);

    // ---- cat ----
    auto* cat = app.add_subcommand("cat", "Print events, one line each: TIMESTAMP SOURCE TYPE DISPLAY");
    cat->add_option("PATH", paths_, "event files or event directories")->required();
    add_filter_options(*cat);
    cat->add_flag("--json", json_, "one JSON object per line (the schema's JSON plus \"source\")");
    cat->add_flag("--merge", merge_, "merge all inputs by timestamp (default: argument and file order)");
    add_color_option(*cat);

    // ---- tail ----
    auto* tail = app.add_subcommand(
        "tail", "Print the events of event directories; with -f keep following them (like tail -F)");
    tail->add_option("DIR", paths_, "event directories (with -f they may not exist yet)")->required();
    tail->add_flag("-f,--follow", follow_, "follow new events across rotation until SIGINT/SIGTERM");
    tail->add_option("-n,--lines", last_n_, "print only the last N existing events first (default: all)")
        ->check(CLI::Range(0, 1000000000));
    add_filter_options(*tail);
    tail->add_flag("--json", json_, "one JSON object per line");
    tail->add_option("--poll-ms", poll_ms_, "sweep interval of the follower in milliseconds")
        ->check(CLI::Range(10, 60000))
        ->capture_default_str();
    add_color_option(*tail);

    // ---- stats ----
    auto* stats = app.add_subcommand(
        "stats", "Summarise: events per variant, files, bytes, time span, events/s, corrupt records, torn tails");
    stats->add_option("PATH", paths_, "event files or event directories")->required();
    add_filter_options(*stats);
    stats->add_flag("--json", json_, "one JSON object");

    // ---- verify ----
    auto* verify = app.add_subcommand(
        "verify", "Check event files: report every damaged record (file:offset: reason); exit 1 on damage");
    verify->add_option("PATH", paths_, "event files or event directories")->required();
    verify->add_flag("--strict", strict_, "a torn tail (crashed writer) also counts as damage");
    verify->add_flag("-q,--quiet", quiet_, "print only problems and the summary line");

    // ---- import-legacy ----
    auto* import = app.add_subcommand("import-legacy", "Convert legacy marker logs into event files");
    import->add_option("LOG", paths_, "legacy log files (raw JSON, Docker json-file, docker logs --timestamps)")
        ->required();
    import->add_option("-o,--out", out_, "output event directory (created; must hold no event files)")
        ->required();
    import->add_flag("--strict", strict_, "exit 1 when any line was rejected");
    import->add_option("--progress-delay", progress_delay_ms_,
                       "milliseconds before the progress line appears (only when stderr is a terminal)")
        ->check(CLI::Range(0, 3600000))
        ->capture_default_str();
    Schema::add_run_context_options(*import, run_context_);

    // ---- compare ----
    auto* compare = app.add_subcommand(
        "compare", "Dual-mode check: legacy log markers vs. event files; exit 0 when they agree, 1 when not");
    compare->add_option("--legacy", legacy_paths_, "legacy log files")->required();
    compare->add_option("--events", paths_, "event files or event directories")->required();

    // ---- types ----
    auto* types = app.add_subcommand("types", "List the event types of the schema (category::Variant)");

    auto known_subcommand = [&](const std::string& name) {
      for (const CLI::App* s : app.get_subcommands({})) {
        if (s->get_name() == name) return true;
      }
      return false;
    };
    if (argc > 1 && argv[1][0] != '-' && !known_subcommand(argv[1])) {
      return usage_error(app, std::string("unknown subcommand '") + argv[1] + "'");
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        return app.exit(e);  // --help
      }
      return usage_error(app, e.what());
    }

    if (cat->parsed() || tail->parsed() || stats->parsed()) {
      if (int rc = prepare_filters(); rc != kOk) return usage_error(app, last_usage_error_);
    }
    if (cat->parsed()) return cmd_cat();
    if (tail->parsed()) return cmd_tail();
    if (stats->parsed()) return cmd_stats();
    if (verify->parsed()) return cmd_verify();
    if (import->parsed()) return cmd_import();
    if (compare->parsed()) return cmd_compare();
    if (types->parsed()) return cmd_types();
    return kUsage;
  }

 private:
  // ---------------------------------------------------------------- options
  void add_filter_options(CLI::App& sub) {
    sub.add_option("-t,--type", filter_.types,
                   "keep events of this category, variant or category::Variant (case-insensitive; repeatable)")
        ->delimiter(',')
        ->allow_extra_args(false);
    sub.add_option("-s,--source", filter_.sources, "keep events of this source (repeatable)")
        ->delimiter(',')
        ->allow_extra_args(false);
    sub.add_option("--since", filter_.since_text, "keep events at or after this RFC 3339 time");
    sub.add_option("--until", filter_.until_text, "keep events before this RFC 3339 time");
  }
  void add_color_option(CLI::App& sub) {
    sub.add_option("--color", color_text_, "colour: auto (only on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
  }

  int usage_error(CLI::App& app, const std::string& what) {
    error(what);
    const CLI::App* sub = &app;
    for (const CLI::App* s : app.get_subcommands()) sub = s;
    auto formatter = std::dynamic_pointer_cast<CLI::Formatter>(app.get_formatter());
    std::string name = sub == &app ? "eventkit" : "eventkit " + sub->get_name();
    if (formatter) {
      std::string usage = formatter->make_usage(sub, name);
      while (!usage.empty() && usage.back() == '\n') usage.pop_back();
      // CLI11 prints "Usage: ..." on its own line after a blank line.
      while (!usage.empty() && usage.front() == '\n') usage.erase(0, 1);
      std::fprintf(stderr, "%s\n", usage.c_str());
    }
    std::fprintf(stderr, "Run '%s --help' for more information.\n", name.c_str());
    return kUsage;
  }

  int prepare_filters() {
    if (!filter_.since_text.empty()) {
      filter_.since = parse_rfc3339(filter_.since_text);
      if (!filter_.since) {
        last_usage_error_ = "--since: '" + filter_.since_text +
                            "' is not an RFC 3339 timestamp (e.g. 2026-12-03T16:37:09Z)";
        return kUsage;
      }
    }
    if (!filter_.until_text.empty()) {
      filter_.until = parse_rfc3339(filter_.until_text);
      if (!filter_.until) {
        last_usage_error_ = "--until: '" + filter_.until_text +
                            "' is not an RFC 3339 timestamp (e.g. 2026-12-03T16:37:09Z)";
        return kUsage;
      }
    }
    const auto known = Schema::types();
    for (const auto& t : filter_.types) {
      bool ok = false;
      for (const auto& k : known) {
        ok = ok || iequals(t, k.category) || iequals(t, k.name) || iequals(t, k.category + "::" + k.name);
      }
      if (!ok) {
        last_usage_error_ = "--type: unknown event type '" + t + "' (see 'eventkit types')";
        return kUsage;
      }
    }
    color_ = color_text_ == "always" ? ColorMode::kAlways
             : color_text_ == "never" ? ColorMode::kNever
                                      : ColorMode::kAuto;
    style_.on = use_color(color_, json_);
    return kOk;
  }

  bool matches(const Item& item) const {
    if (!filter_.sources.empty() &&
        std::find(filter_.sources.begin(), filter_.sources.end(), item.source) == filter_.sources.end()) {
      return false;
    }
    if (filter_.since && item.event.timestamp < *filter_.since) return false;
    if (filter_.until && item.event.timestamp >= *filter_.until) return false;
    if (!filter_.types.empty()) {
      const std::string category = Schema::category(item.event);
      const std::string variant = Schema::variant(item.event);
      const std::string qualified = category + "::" + variant;
      const std::string q2 = Schema::qualified(item.event);
      bool any = false;
      for (const auto& t : filter_.types) {
        any = any || iequals(t, category) || iequals(t, variant) || iequals(t, qualified) || iequals(t, q2);
      }
      if (!any) return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- output
  std::string format_item(const Item& item) const {
    if (json_) {
      std::string j = Schema::to_json(item.event);
      // {"source":"...", + the schema's object without its '{'.
      std::string out = "{\"source\":" + json_string(item.source);
      if (j.size() > 2) out += ",";
      out.append(j, 1, std::string::npos);
      return out;
    }
    std::string out = style_.dim(format_rfc3339(item.event.timestamp));
    out += ' ';
    out += style_.cyan(one_line(item.source));
    out += ' ';
    out += style_.bold(Schema::qualified(item.event));
    out += ' ';
    out += one_line(Schema::display(item.event));
    return out;
  }
  void print_item(const Item& item) const {
    const std::string line = format_item(item);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }

  // ---------------------------------------------------------------- reading
  struct FileResult {
    std::filesystem::path path;
    std::optional<ReadError> error;
    FileStats stats;
  };

  // Reads PATH arguments (files or directories) in order; calls on_item for
  // every item (run context when it changes per source, then events) and
  // on_file for every file. Returns the exit code of path-level problems.
  template <class OnItem, class OnFile>
  int read_inputs(const std::vector<std::string>& paths, OnItem&& on_item, OnFile&& on_file) {
    int rc = kOk;
    const auto sources = source_names(paths);
    for (const auto& arg : paths) {
      const std::filesystem::path path(arg);
      std::error_code ec;
      const auto st = std::filesystem::status(path, ec);
      std::vector<std::filesystem::path> files;
      if (!std::filesystem::exists(st)) {
        error(arg + ": no such file or directory");
        rc = worse(rc, kIo);
        continue;
      }
      if (std::filesystem::is_directory(st)) {
        files = format::list_event_files(path, ec);
        if (ec) {
          error(arg + ": cannot list directory: " + ec.message());
          rc = worse(rc, kIo);
          continue;
        }
        if (files.empty()) {
          note("note: " + arg + ": no event files (events-epoch-*.evk) in this directory" + subdirectory_hint(path));
        }
      } else if (std::filesystem::is_regular_file(st)) {
        files.push_back(path);
      } else {
        error(arg + ": not a regular file or directory");
        rc = worse(rc, kIo);
        continue;
      }
      const std::string source = sources.at(arg);
      std::optional<Event> last_context;
      for (const auto& file : files) {
        FileRead<Event> f = read_file<Codec>(file);
        FileResult r{file, f.error, f.stats};
        if (f.error) {
          rc = worse(rc, exit_code_for(*f.error));
        } else {
          if (f.run_context && (!last_context || !(*last_context == *f.run_context))) {
            last_context = f.run_context;
            on_item(Item{source, std::move(*f.run_context)});
          }
          for (auto& e : f.events) on_item(Item{source, std::move(e)});
        }
        on_file(r);
      }
    }
    return rc;
  }

  // Source name of each PATH argument: its last component ("runs/client-1"
  // -> "client-1"); when two arguments share it, the arguments as given.
  static std::map<std::string, std::string> source_names(const std::vector<std::string>& paths) {
    std::map<std::string, int> uses;
    for (const auto& p : paths) ++uses[source_name(p)];
    std::map<std::string, std::string> out;
    for (const auto& p : paths) out[p] = uses[source_name(p)] > 1 ? p : source_name(p);
    return out;
  }

  // Reports file-level problems of the reading commands on stderr.
  static int report_file_problems(const FileResult& r) {
    if (r.error) {
      error(describe(*r.error));
      return exit_code_for(*r.error);
    }
    if (!r.stats.corrupt.empty()) {
      warning(r.path.string() + ": " + std::to_string(r.stats.corrupt.size()) +
              " corrupt record(s) skipped (see 'eventkit verify')");
    }
    return kOk;
  }

  // ---------------------------------------------------------------- cat
  int cmd_cat() {
    std::vector<Item> merged;
    int rc = read_inputs(
        paths_,
        [&](Item&& item) {
          if (!matches(item)) return;
          if (merge_) {
            merged.push_back(std::move(item));
          } else {
            print_item(item);
          }
        },
        [&](const FileResult& r) { report_file_problems(r); });
    if (merge_) {
      std::stable_sort(merged.begin(), merged.end(),
                       [](const Item& a, const Item& b) { return a.event.timestamp < b.event.timestamp; });
      for (const auto& item : merged) print_item(item);
    }
    std::fflush(stdout);
    return rc;
  }

  // ---------------------------------------------------------------- tail
  int cmd_tail() {
    for (const auto& arg : paths_) {
      std::error_code ec;
      const auto st = std::filesystem::status(arg, ec);
      if (std::filesystem::exists(st) && !std::filesystem::is_directory(st)) {
        error(arg + ": not a directory (tail reads event directories; use 'eventkit cat' for files)");
        return kUsage;
      }
      if (!std::filesystem::exists(st)) {
        if (!follow_) {
          error(arg + ": no such file or directory");
          return kIo;
        }
        warning(arg + ": no such directory yet; following it until it appears");
      }
    }
    if (!follow_) {
      // Existing events of all directories, merged by timestamp.
      merge_ = true;
      std::vector<Item> items;
      int rc = read_inputs(
          paths_, [&](Item&& item) { if (matches(item)) items.push_back(std::move(item)); },
          [&](const FileResult& r) { report_file_problems(r); });
      std::stable_sort(items.begin(), items.end(),
                       [](const Item& a, const Item& b) { return a.event.timestamp < b.event.timestamp; });
      size_t first = 0;
      if (last_n_ && *last_n_ < items.size()) first = items.size() - *last_n_;
      for (size_t i = first; i < items.size(); ++i) print_item(items[i]);
      std::fflush(stdout);
      return rc;
    }

    install_stop_signals();  // before the reader's thread starts: it inherits the mask
    EventReaderOptions options;
    options.poll_interval = std::chrono::milliseconds(poll_ms_);
    EventReader<Codec> reader(options);
    const auto sources = source_names(paths_);
    for (const auto& arg : paths_) reader.watch(sources.at(arg), arg);
    const auto step = std::chrono::milliseconds(100);
    // -n N: buffer what arrives until the first quiet moment (the existing
    // events), print the last N of it, then print live.
    std::deque<Item> backlog;
    bool initial = last_n_.has_value();
    const auto initial_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    size_t reported_errors = 0;
    uint64_t reported_corrupt = 0;
    auto last_status = std::chrono::steady_clock::now();
    while (!stop_requested()) {
      auto got = reader.recv(initial ? std::chrono::milliseconds(std::max(3 * poll_ms_, 300)) : step);
      if (got) {
        Item item{std::move(got->source), std::move(got->event)};
        if (!matches(item)) continue;
        if (initial) {
          backlog.push_back(std::move(item));
          if (backlog.size() > *last_n_) backlog.pop_front();
          if (std::chrono::steady_clock::now() < initial_deadline) continue;
        } else {
          print_item(item);
          std::fflush(stdout);
          continue;
        }
      }
      if (initial) {
        initial = false;
        for (const auto& i : backlog) print_item(i);
        backlog.clear();
      }
      std::fflush(stdout);
      if (std::chrono::steady_clock::now() - last_status > std::chrono::seconds(1)) {
        last_status = std::chrono::steady_clock::now();
        report_tail_status(reader, reported_errors, reported_corrupt);
      }
    }
    reader.stop();
    std::fflush(stdout);
    report_tail_status(reader, reported_errors, reported_corrupt);
    return kOk;
  }

  void report_tail_status(EventReader<Codec>& reader, size_t& reported_errors, uint64_t& reported_corrupt) {
    size_t errors = 0;
    uint64_t corrupt = 0;
    for (const auto& s : reader.status()) {
      for (const auto& e : s.stats.file_errors) {
        if (errors++ >= reported_errors) error("source " + s.source + ": " + describe(e));
      }
      corrupt += s.stats.corrupt_records + s.decode_errors;
    }
    reported_errors = std::max(reported_errors, errors);
    if (corrupt > reported_corrupt) {
      warning(std::to_string(corrupt - reported_corrupt) + " corrupt record(s) skipped (see 'eventkit verify')");
      reported_corrupt = corrupt;
    }
  }

  // ---------------------------------------------------------------- stats
  int cmd_stats() {
    std::map<std::string, uint64_t> per_type;
    std::map<std::string, uint64_t> per_source;
    uint64_t events = 0, files = 0, bytes = 0, corrupt = 0, torn = 0, torn_bytes = 0, bad_files = 0;
    std::optional<Timestamp> first, last;
    int rc = read_inputs(
        paths_,
        [&](Item&& item) {
          if (!matches(item)) return;
          ++events;
          ++per_type[Schema::qualified(item.event)];
          ++per_source[item.source];
          if (!first || item.event.timestamp < *first) first = item.event.timestamp;
          if (!last || item.event.timestamp > *last) last = item.event.timestamp;
        },
        [&](const FileResult& r) {
          if (r.error) {
            report_file_problems(r);
            ++bad_files;
            return;
          }
          ++files;
          bytes += r.stats.file_bytes;
          corrupt += r.stats.corrupt.size();
          if (r.stats.torn_tail) {
            ++torn;
            torn_bytes += r.stats.torn_tail_bytes;
          }
        });
    const double span_s =
        first ? std::chrono::duration<double>(*last - *first).count() : 0.0;
    const double rate = span_s > 0 ? static_cast<double>(events) / span_s : 0.0;
    std::vector<std::pair<std::string, uint64_t>> sorted(per_type.begin(), per_type.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (json_) {
      std::string out = "{\"files\":" + std::to_string(files) + ",\"bytes\":" + std::to_string(bytes) +
                        ",\"events\":" + std::to_string(events);
      out += ",\"first\":" + (first ? json_string(format_rfc3339(*first)) : std::string("null"));
      out += ",\"last\":" + (last ? json_string(format_rfc3339(*last)) : std::string("null"));
      char num[64];
      std::snprintf(num, sizeof num, "%.9f", span_s);
      out += ",\"span_seconds\":" + std::string(num);
      std::snprintf(num, sizeof num, "%.3f", rate);
      out += ",\"events_per_second\":" + std::string(num);
      out += ",\"corrupt_records\":" + std::to_string(corrupt) + ",\"torn_tails\":" + std::to_string(torn) +
             ",\"torn_tail_bytes\":" + std::to_string(torn_bytes) + ",\"unreadable_files\":" +
             std::to_string(bad_files);
      out += ",\"types\":{";
      bool comma = false;
      for (const auto& [name, n] : per_type) {
        out += (comma ? "," : "") + json_string(name) + ":" + std::to_string(n);
        comma = true;
      }
      out += "},\"sources\":{";
      comma = false;
      for (const auto& [name, n] : per_source) {
        out += (comma ? "," : "") + json_string(name) + ":" + std::to_string(n);
        comma = true;
      }
      out += "}}\n";
      std::fputs(out.c_str(), stdout);
    } else {
      std::printf("files:           %llu\n", static_cast<unsigned long long>(files));
      std::printf("bytes:           %llu\n", static_cast<unsigned long long>(bytes));
      std::printf("events:          %llu\n", static_cast<unsigned long long>(events));
      std::printf("first:           %s\n", first ? format_rfc3339(*first).c_str() : "-");
      std::printf("last:            %s\n", last ? format_rfc3339(*last).c_str() : "-");
      std::printf("span:            %.3f s\n", span_s);
      std::printf("events/s:        %.3f\n", rate);
      std::printf("corrupt records: %llu\n", static_cast<unsigned long long>(corrupt));
      std::printf("torn tails:      %llu (%llu bytes)\n", static_cast<unsigned long long>(torn),
                  static_cast<unsigned long long>(torn_bytes));
      if (bad_files) std::printf("unreadable files: %llu\n", static_cast<unsigned long long>(bad_files));
      std::printf("per source:\n");
      for (const auto& [name, n] : per_source) {
        std::printf("  %-40s %llu\n", name.c_str(), static_cast<unsigned long long>(n));
      }
      std::printf("per type:\n");
      for (const auto& [name, n] : sorted) {
        std::printf("  %-40s %llu\n", name.c_str(), static_cast<unsigned long long>(n));
      }
    }
    std::fflush(stdout);
    return rc;
  }

  // ---------------------------------------------------------------- verify
  int cmd_verify() {
    uint64_t files = 0, events = 0, corrupt = 0, torn = 0, bad_files = 0, damaged_files = 0;
    int rc = kOk;
    for (const auto& arg : paths_) {
      const std::filesystem::path path(arg);
      std::error_code ec;
      const auto st = std::filesystem::status(path, ec);
      std::vector<std::filesystem::path> list;
      if (!std::filesystem::exists(st)) {
        std::printf("%s: missing: no such file or directory\n", arg.c_str());
        error(arg + ": no such file or directory");
        rc = worse(rc, kIo);
        continue;
      }
      if (std::filesystem::is_directory(st)) {
        list = format::list_event_files(path, ec);
        if (ec) {
          error(arg + ": cannot list directory: " + ec.message());
          rc = worse(rc, kIo);
          continue;
        }
        if (list.empty()) {
          std::printf("%s: note: no event files in this directory%s\n", arg.c_str(), subdirectory_hint(path).c_str());
        }
      } else {
        list.push_back(path);
      }
      for (const auto& file : list) {
        ++files;
        FileStats s;
        auto err = detail::scan_file(file, Codec::kSchemaName, Codec::kSchemaFingerprint, s,
                                     [](std::span<const uint8_t> body) -> std::optional<std::string> {
                                       auto r = Codec::decode(body);
                                       if (!r.event) return "decode: " + r.error;
                                       return std::nullopt;
                                     });
        const std::string name = file.string();
        if (err) {
          ++bad_files;
          ++damaged_files;
          std::printf("%s\n", describe(*err).c_str());
          rc = worse(rc, exit_code_for(*err));
          continue;
        }
        events += s.events;
        bool damaged = false;
        for (const auto& c : s.corrupt) {
          std::printf("%s:%llu: corrupt record (%llu bytes): %s\n", name.c_str(),
                      static_cast<unsigned long long>(c.offset), static_cast<unsigned long long>(c.length),
                      c.reason.c_str());
          ++corrupt;
          damaged = true;
        }
        if (!s.header.run_context.empty()) {
          auto r = Codec::decode(s.header.run_context);
          if (!r.event) {
            std::printf("%s:0: corrupt run context in header: %s\n", name.c_str(), r.error.c_str());
            ++corrupt;
            damaged = true;
          }
        }
        if (s.torn_tail) {
          ++torn;
          std::printf("%s:%llu: torn tail (%llu bytes): the writer stopped mid-record%s\n", name.c_str(),
                      static_cast<unsigned long long>(s.torn_tail_offset),
                      static_cast<unsigned long long>(s.torn_tail_bytes),
                      strict_ ? "" : " (not damage without --strict)");
          damaged = damaged || strict_;
        }
        if (!s.fingerprint_matches && !quiet_) {
          std::printf("%s: note: written by another version of schema \"%s\" (fingerprint differs)\n",
                      name.c_str(), s.header.schema_name.c_str());
        }
        if (s.unknown_records && !quiet_) {
          std::printf("%s: note: %llu ignorable record(s) of unknown type skipped\n", name.c_str(),
                      static_cast<unsigned long long>(s.unknown_records));
        }
        if (damaged) {
          ++damaged_files;
          rc = worse(rc, kDamage);
        } else if (!quiet_) {
          std::printf("%s: ok (%llu events, %llu bytes)\n", name.c_str(),
                      static_cast<unsigned long long>(s.events), static_cast<unsigned long long>(s.file_bytes));
        }
      }
    }
    if (files == 0 && rc == kOk) {
      // Verifying nothing must not pass: a wrong path in a CI check would.
      std::printf("verify: no event files found: nothing was checked\n");
      return kDamage;
    }
    const bool ok = rc == kOk;
    std::printf("verify: %llu file(s), %llu event(s), %llu corrupt record(s), %llu unreadable file(s), "
                "%llu torn tail(s): %s\n",
                static_cast<unsigned long long>(files), static_cast<unsigned long long>(events),
                static_cast<unsigned long long>(corrupt), static_cast<unsigned long long>(bad_files),
                static_cast<unsigned long long>(torn), ok ? "OK" : "DAMAGED");
    std::fflush(stdout);
    return rc;
  }

  // ---------------------------------------------------------------- legacy
  struct LegacyRead {
    std::string path;
    legacy::Counters counters;
    std::vector<legacy::Rejection> rejections;
  };

  // Feeds one log through a fresh adapter; events go to on_event. Returns
  // false (after printing an error) when the file cannot be read.
  template <class OnEvent>
  bool read_legacy(const std::string& path, OnEvent&& on_event, LegacyRead& out) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      error(path + ": no such file or directory");
      return false;
    }
    if (std::filesystem::is_directory(path, ec)) {
      error(path + ": is a directory, expected a legacy log file");
      return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      error(path + ": cannot open for reading");
      return false;
    }
    const uint64_t total = std::filesystem::file_size(path, ec);
    typename Schema::LegacyAdapter adapter;
    std::string line;
    uint64_t done = 0;
    const bool tty = stderr_is_terminal();
    const auto start = std::chrono::steady_clock::now();
    auto last_progress = start;
    bool progress_shown = false;
    while (std::getline(in, line)) {
      done += line.size() + 1;
      auto outcome = adapter.feed(line);
      if (outcome.event) on_event(std::move(*outcome.event));
      if (tty && (adapter.counters().lines & 255) == 0) {
        const auto now = std::chrono::steady_clock::now();
        if (now - start >= std::chrono::milliseconds(progress_delay_ms_) &&
            (!progress_shown || now - last_progress > std::chrono::milliseconds(200))) {
          last_progress = now;
          progress_shown = true;
          std::fprintf(stderr, "\r\x1b[Keventkit: %s: %llu lines, %.0f%%", path.c_str(),
                       static_cast<unsigned long long>(adapter.counters().lines),
                       total ? 100.0 * static_cast<double>(std::min(done, total)) / static_cast<double>(total)
                             : 0.0);
        }
      }
    }
    if (in.bad()) {
      error(path + ": read error");
      return false;
    }
    if (progress_shown) std::fprintf(stderr, "\r\x1b[K");
    std::vector<Event> tail;
    adapter.finish(tail);
    for (auto& e : tail) on_event(std::move(e));
    out.path = path;
    out.counters = adapter.counters();
    out.rejections = adapter.rejections();
    for (const auto& r : out.rejections) {
      std::fprintf(stderr, "%s:%llu: rejected: %s\n", path.c_str(), static_cast<unsigned long long>(r.line_no),
                   r.reason.c_str());
    }
    return true;
  }

  static void print_counters(const std::string& label, const legacy::Counters& c) {
    std::printf("%s: lines %llu, mapped %llu, skipped %llu, rejected %llu, joined %llu\n", label.c_str(),
                static_cast<unsigned long long>(c.lines), static_cast<unsigned long long>(c.mapped),
                static_cast<unsigned long long>(c.skipped), static_cast<unsigned long long>(c.rejected),
                static_cast<unsigned long long>(c.joined));
  }

  // The timestamp of the first line that maps to an event, in LOG order.
  std::optional<Timestamp> first_legacy_timestamp() const {
    for (const auto& p : paths_) {
      std::ifstream in(p, std::ios::binary);
      typename Schema::LegacyAdapter adapter;
      std::string line;
      while (std::getline(in, line)) {
        auto outcome = adapter.feed(line);
        if (outcome.event) return outcome.event->timestamp;
      }
      std::vector<Event> rest;
      adapter.finish(rest);
      if (!rest.empty()) return rest.front().timestamp;
    }
    return std::nullopt;
  }

  int cmd_import() {
    // Check every input before creating anything.
    for (const auto& p : paths_) {
      std::error_code ec;
      if (!std::filesystem::exists(p, ec)) {
        error(p + ": no such file or directory");
        return kIo;
      }
    }
    {
      std::error_code ec;
      if (std::filesystem::exists(out_, ec)) {
        if (!std::filesystem::is_directory(out_, ec)) {
          error(out_ + ": --out exists and is not a directory");
          return kIo;
        }
        if (!format::list_event_files(out_, ec).empty()) {
          error(out_ + ": --out already holds event files; import into a new or empty directory");
          return kUsage;
        }
      }
    }
    {
      std::error_code ec;
      std::filesystem::create_directories(out_, ec);
      if (ec) {
        error(out_ + ": cannot create directory: " + ec.message());
        return kIo;
      }
    }
    std::string default_node = std::filesystem::path(paths_.front()).filename().string();
    default_node = default_node.substr(0, default_node.find('.'));
    FileBackendOptions options;
    options.dir = out_;
    options.fsync = FsyncPolicy::kOnClose;
    // The run context is stamped with the first imported event's time, so
    // that the run's time span is the logs' (now when nothing maps).
    const Timestamp at = first_legacy_timestamp().value_or(
        std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now()));
    auto backend = std::make_unique<FileBackend<Codec>>(
        options, Schema::make_run_context(run_context_, default_node, at));
    if (!backend->status().healthy()) {
      error(out_ + ": cannot create event files: " + backend->status().last_error);
      backend->close();
      return kIo;
    }
    legacy::Counters total;
    uint64_t emitted = 0;
    int rc = kOk;
    for (const auto& p : paths_) {
      LegacyRead r;
      if (!read_legacy(p, [&](Event&& e) { backend->emit(std::move(e)); ++emitted; }, r)) {
        rc = worse(rc, kIo);
        continue;
      }
      print_counters(p, r.counters);
      total.lines += r.counters.lines;
      total.mapped += r.counters.mapped;
      total.skipped += r.counters.skipped;
      total.rejected += r.counters.rejected;
      total.joined += r.counters.joined;
    }
    backend->close();
    const auto st = backend->status();
    if (paths_.size() > 1) print_counters("total", total);
    std::printf("wrote %llu event(s) to %s (%llu file(s))\n", static_cast<unsigned long long>(st.events_written),
                out_.c_str(), static_cast<unsigned long long>(st.files_created));
    std::fflush(stdout);
    if (!st.healthy() || st.events_written != emitted) {
      error(out_ + ": " + std::to_string(emitted - std::min(emitted, st.events_written)) +
            " event(s) not written: " + st.last_error);
      rc = worse(rc, kIo);
    }
    if (strict_ && total.rejected > 0) rc = worse(rc, kDamage);
    return rc;
  }

  int cmd_compare() {
    std::vector<Event> legacy_events;
    int rc = kOk;
    for (const auto& p : legacy_paths_) {
      LegacyRead r;
      if (!read_legacy(p, [&](Event&& e) { legacy_events.push_back(std::move(e)); }, r)) {
        rc = worse(rc, kIo);
      }
    }
    std::vector<Event> file_events;
    rc = worse(rc, read_inputs(
                       paths_, [&](Item&& item) { file_events.push_back(std::move(item.event)); },
                       [&](const FileResult& r) { report_file_problems(r); }));
    if (rc == kIo) return rc;
    const legacy::Comparison c = Schema::compare(legacy_events, file_events);
    std::string report = c.report();
    if (!report.empty() && report.back() != '\n') report += '\n';
    std::fputs(report.c_str(), stdout);
    std::fflush(stdout);
    return worse(rc, c.agree ? kOk : kDamage);
  }

  int cmd_types() {
    for (const auto& t : Schema::types()) {
      if (t.category == t.name) {
        std::printf("%s\n", t.name.c_str());
      } else {
        std::printf("%s::%s\n", t.category.c_str(), t.name.c_str());
      }
    }
    return kOk;
  }

  // ---------------------------------------------------------------- state
  std::vector<std::string> paths_;
  std::vector<std::string> legacy_paths_;
  std::string out_;
  FilterOptions filter_;
  bool json_ = false;
  bool merge_ = false;
  bool follow_ = false;
  bool strict_ = false;
  bool quiet_ = false;
  std::optional<size_t> last_n_;
  int poll_ms_ = 100;
  int progress_delay_ms_ = 1000;
  std::string color_text_ = "auto";
  ColorMode color_ = ColorMode::kAuto;
  Style style_;
  std::string last_usage_error_;
  typename Schema::RunContext run_context_;
};

template <class Schema>
int run_tool(int argc, char** argv) {
  Tool<Schema> tool;
  return tool.run(argc, argv);
}

}  // namespace eventkit::cli
