// gzip and accepts_gzip: the compressed bytes inflate back to the input (with
// zlib's own inflate, gzip header auto-detected), and Accept-Encoding parsing.
#include "dashboard/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace promptjang::dashboard {
namespace {

std::string gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 32), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

TEST(GzipTest, RoundTripsAndShrinksText) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "export function row" + std::to_string(i % 7) + "() {}\n";
  auto gz = gzip(text);
  ASSERT_TRUE(gz);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);  // the gzip magic
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  EXPECT_LT(gz->size(), text.size() / 4);
  EXPECT_EQ(gunzip(*gz), text);
  auto empty = gzip("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(gunzip(*empty), "");
}

TEST(GzipTest, AcceptEncoding) {
  for (const char* yes : {"gzip", "gzip, deflate, br", "br, GZIP", "deflate, gzip;q=0.5", "*",
                          "gzip;q=1.0", " gzip ", "identity, *;q=0.1"})
    EXPECT_TRUE(accepts_gzip(yes)) << yes;
  for (const char* no :
       {"", "identity", "br", "deflate, br", "gzip;q=0", "gzip;q=0.0", "gzip; q=0.000", "gzipx"})
    EXPECT_FALSE(accepts_gzip(no)) << no;
}

}  // namespace
}  // namespace promptjang::dashboard
