// Checks that the system libraries wired in WORKSPACE link and behave, and
// that the compiler really is in C++20 mode.
#include <flatbuffers/flatbuffers.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <compare>
#include <string>

namespace {

TEST(Toolchain, CompilesAsCxx20) { EXPECT_GE(__cplusplus, 202002L); }

TEST(Toolchain, FlatBuffersBuildsAndVerifiesAString) {
  flatbuffers::FlatBufferBuilder builder;
  auto s = builder.CreateString("hello");
  builder.Finish(s);
  flatbuffers::Verifier verifier(builder.GetBufferPointer(), builder.GetSize());
  auto root = flatbuffers::GetRoot<flatbuffers::String>(builder.GetBufferPointer());
  EXPECT_TRUE(verifier.VerifyString(root));
  EXPECT_EQ(root->str(), "hello");
}

TEST(Toolchain, GMockMatchersAreAvailable) {
  EXPECT_THAT(std::string("event sourcing"), ::testing::HasSubstr("sourcing"));
}

}  // namespace
