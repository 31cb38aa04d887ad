// log_line: both formats render plain and structured entries as one line, and
// no value can break the line or forge a field.
#include "core/log_line.h"

#include <gtest/gtest.h>

namespace promptjang {
namespace {

const TimePoint kAt = from_unix_micros(1'796'000'000'123'000);  // 2026-11-30T...

TEST(LogLineTest, PlainMessageInLogfmt) {
  std::string line = render_log_line(LogFormat::kLogfmt, kAt, "info", "listening on port 8080");
  EXPECT_EQ(line, "ts=2026-11-30T00:53:20.123Z level=info msg=\"listening on port 8080\"");
}

TEST(LogLineTest, PlainMessageInJson) {
  std::string line = render_log_line(LogFormat::kJson, kAt, "warning", "disk \"full\"");
  EXPECT_EQ(line, R"({"ts":"2026-11-30T00:53:20.123Z","level":"warn","msg":"disk \"full\""})");
}

TEST(LogLineTest, StructuredEntryInBothFormats) {
  LogFields f("request");
  f.add("request_id", "req_1")
      .add("status", 202)
      .add_fixed("duration_ms", 1.5, 3)
      .add("path", "/a b");
  EXPECT_EQ(render_log_line(LogFormat::kLogfmt, kAt, "info", f.encoded()),
            "ts=2026-11-30T00:53:20.123Z level=info msg=request request_id=req_1 status=202 "
            "duration_ms=1.500 path=\"/a b\"");
  EXPECT_EQ(
      render_log_line(LogFormat::kJson, kAt, "info", f.encoded()),
      R"({"ts":"2026-11-30T00:53:20.123Z","level":"info","msg":"request","request_id":"req_1",)"
      R"("status":202,"duration_ms":1.500,"path":"/a b"})");
}

TEST(LogLineTest, HostileValuesStayInsideTheirField) {
  LogFields f("attempt");
  // A receiver's error text, say: newlines, quotes, an equals sign, the
  // encoding's own separators, control bytes and broken UTF-8.
  f.add("detail", std::string("a\nlevel=error msg=\"x\"\x1f"
                              "sforged\x1d"
                              "1\x01\xff\xc3(\xf8\x80\x80") +
                      "é");
  for (LogFormat format : {LogFormat::kLogfmt, LogFormat::kJson}) {
    std::string line = render_log_line(format, kAt, "info", f.encoded());
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(line.find('\x1f'), std::string::npos) << line;
    EXPECT_EQ(line.find('\x01'), std::string::npos) << line;
    EXPECT_EQ(line.find("forged="), std::string::npos) << line;
    EXPECT_EQ(line.find("\"forged\":"), std::string::npos) << line;
    EXPECT_NE(line.find("\\u0001"), std::string::npos) << line;
    EXPECT_NE(line.find("\xef\xbf\xbd"), std::string::npos) << line;  // U+FFFD for the bad bytes
    EXPECT_EQ(line.find('\xf8'), std::string::npos) << line;          // no lead byte of 5
    EXPECT_NE(line.find("é"), std::string::npos) << line;             // valid UTF-8 kept
  }
  EXPECT_NE(render_log_line(LogFormat::kLogfmt, kAt, "info", f.encoded())
                .find("detail=\"a\\nlevel=error msg=\\\"x\\\"?sforged?1\\u0001"),
            std::string::npos);
}

TEST(LogLineTest, EmptyAndNonFiniteValues) {
  LogFields f("x");
  f.add("empty", "").add_fixed("ratio", 0.0 / 0.0, 2);
  EXPECT_EQ(render_log_line(LogFormat::kLogfmt, kAt, "info", f.encoded()),
            "ts=2026-11-30T00:53:20.123Z level=info msg=x empty=\"\" ratio=NaN");
  EXPECT_EQ(
      render_log_line(LogFormat::kJson, kAt, "info", f.encoded()),
      R"({"ts":"2026-11-30T00:53:20.123Z","level":"info","msg":"x","empty":"","ratio":"NaN"})");
}

TEST(LogLineTest, ParsesTheSetting) {
  EXPECT_EQ(parse_log_format("logfmt"), LogFormat::kLogfmt);
  EXPECT_EQ(parse_log_format("json"), LogFormat::kJson);
  EXPECT_FALSE(parse_log_format("text"));
}

}  // namespace
}  // namespace promptjang
