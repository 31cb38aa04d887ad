// core/utf8: the one UTF-8 decoder (JSON error bodies, log lines, the tests'
// Prometheus parser) takes every well-formed sequence and nothing else.
#include "core/utf8.h"

#include <gtest/gtest.h>

namespace promptjang {
namespace {

TEST(Utf8Test, WellFormedSequencesOfEachLength) {
  for (std::string_view s :
       {"a", "\xC3\xA9", "\xE6\x9D\xB1", "\xF0\x9F\x9A\x80", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_EQ(utf8_sequence_length(s, 0), s.size()) << s;
    EXPECT_TRUE(is_valid_utf8(s)) << s;
  }
  EXPECT_TRUE(is_valid_utf8(""));
}

TEST(Utf8Test, IllFormedSequencesStartNothing) {
  for (std::string_view s : {
           "\x80",              // a stray continuation byte
           "\xC3",              // truncated
           "\xC3(",             // not followed by a continuation byte
           "\xC0\xAF",          // overlong '/'
           "\xE0\x80\xAF",      // overlong, three bytes
           "\xED\xA0\x80",      // a surrogate (U+D800)
           "\xF4\x90\x80\x80",  // past U+10FFFF
           "\xF8\x80\x80\x80",  // a five-byte lead
           "\xFF",
       }) {
    EXPECT_EQ(utf8_sequence_length(s, 0), 0u) << testing::PrintToString(s);
    EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(s);
  }
}

TEST(Utf8Test, EachBadByteBecomesOneReplacementCharacter) {
  EXPECT_EQ(to_valid_utf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(to_valid_utf8("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(to_valid_utf8("\xC3("), "\xEF\xBF\xBD(");
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(to_valid_utf8("\xF8\x80\x80\x80 \xC0\xAF \xE6\x9D")));
}

}  // namespace
}  // namespace promptjang
