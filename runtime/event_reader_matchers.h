// Lets EventReader::wait_for take gMock matchers (the generated ones, or
// gMock's own over Event): the description of the matcher appears in the
// timeout message. Test-only: pulls in gMock.
#pragma once

#include <gmock/gmock.h>

#include <string>

#include "runtime/event_reader.h"

namespace eventkit {

template <class M, class Event>
struct MatcherAdapter {
  static bool matches(const M& m, const Event& e) { return ::testing::Matcher<const Event&>(m).Matches(e); }
  static std::string describe(const M& m) {
    return "an event that " + ::testing::DescribeMatcher<const Event&>(m);
  }
};

}  // namespace eventkit
