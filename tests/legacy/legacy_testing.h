// Test helpers: fixture files (Bazel data dependency, tests/legacy/testdata)
// and the ground-truth manifest expected.jsonl.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace legacy_testing {

inline std::string testdata_path(const std::string& name) { return "tests/legacy/testdata/" + name; }

inline std::string read_file(const std::string& name) {
  std::ifstream in(testdata_path(name), std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + testdata_path(name));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The lines of a file (split at '\n'; no trailing empty line).
inline std::vector<std::string> read_lines(const std::string& name) {
  std::vector<std::string> out;
  std::string text = read_file(name);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// Rows of the ground-truth manifest (one per marker line and ERROR line).
inline std::vector<nlohmann::json> expected_rows() {
  std::vector<nlohmann::json> rows;
  for (const auto& line : read_lines("expected.jsonl")) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

}  // namespace legacy_testing
