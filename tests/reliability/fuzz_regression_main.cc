// Replays fuzz inputs through a libFuzzer target's LLVMFuzzerTestOneInput
// (linked in from fuzz/<target>.cc, built by GCC here): the seed corpus and
// every input that once crashed (tests/reliability/fuzz_regressions/).
// Arguments: directories of inputs. Under --config=asan this catches the
// same memory errors and undefined behaviour the fuzzer reported.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> g_dirs;

TEST(FuzzRegression, EveryCheckedInInputRunsClean) {
  size_t inputs = 0;
  for (const auto& dir : g_dirs) {
    ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().filename() == "README.md") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
      SCOPED_TRACE(entry.path().string());
      std::fprintf(stderr, "replaying %s (%zu bytes)\n", entry.path().c_str(), bytes.size());
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++inputs;
    }
  }
  EXPECT_GT(inputs, 0u);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) g_dirs.emplace_back(argv[i]);
  return RUN_ALL_TESTS();
}
