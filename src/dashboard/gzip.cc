// gzip; see gzip.h.
#include "dashboard/gzip.h"

#include <zlib.h>

#include <cctype>

namespace promptjang::dashboard {

std::optional<std::string> gzip(std::string_view data) {
  z_stream z{};
  // 15 window bits + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

bool accepts_gzip(std::string_view accept_encoding) {
  size_t i = 0;
  while (i <= accept_encoding.size()) {
    size_t j = accept_encoding.find(',', i);
    if (j == std::string_view::npos) j = accept_encoding.size();
    auto item = accept_encoding.substr(i, j - i);
    i = j + 1;
    auto semi = item.find(';');
    auto coding = item.substr(0, semi);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    std::string lower;
    for (char c : coding) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "gzip" && lower != "*") continue;
    if (semi == std::string_view::npos) return true;
    // A q of zero refuses it: "q=0", "q=0.0", "q=0.000".
    auto params = item.substr(semi + 1);
    auto q = params.find("q=");
    if (q == std::string_view::npos) return true;
    auto value = params.substr(q + 2);
    bool zero = !value.empty() && value.front() == '0';
    for (size_t k = 1; zero && k < value.size() && value[k] != ' ' && value[k] != ';'; ++k)
      zero = value[k] == '.' || value[k] == '0';
    return !zero;
  }
  return false;
}

}  // namespace promptjang::dashboard
