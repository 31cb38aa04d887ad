// ResponseParser: Beast's HTTP/1.1 response parser writing straight into an
// OutboundResult, with no header container or body buffer of its own: fields go
// to response_headers (cleared at each status line, so an interim 1xx answer's
// are dropped), the first kMaxKeptResponseBody body bytes to response_body, and
// up to kMaxDiscardedResponseBody more are counted and dropped; past those it
// stops with cut() set. Trailers are ignored. One parser reads one message
// (Beast's parsers cannot be reset): the connection re-emplaces it in place.
// Threads: used on the client thread only, like its Conn.
#pragma once

#include <algorithm>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <string>

#include "delivery/http_client.h"  // kMaxDiscardedResponseBody, kMaxResponseHeaderBytes
#include "delivery/http_client.h"

namespace promptjang::beast_detail {

class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  // `header_budget`: header bytes this message may still take.
  ResponseParser(OutboundResult& result, size_t header_budget) : result_(result) {
    header_limit(static_cast<std::uint32_t>(header_budget));
    body_limit(boost::none);  // the body is cut by on_body(), not refused up front
    eager(true);
  }

  int status() const { return status_; }
  bool cut() const { return cut_; }

 private:
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code& ec) override {
    ec = boost::beast::http::error::bad_version;  // never called: this parses responses
  }
  void on_response_impl(int code, string_view, int, error_code&) override {
    status_ = code;
    result_.response_headers.clear();
  }
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override {
    if (is_header_done()) return;  // a trailer
    result_.response_headers.emplace_back(std::string(name), std::string(value));
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length)
      result_.response_body.reserve(
          static_cast<size_t>(std::min<std::uint64_t>(*length, kMaxKeptResponseBody)));
  }
  size_t on_body_impl(string_view body, error_code& ec) override { return take(body, ec); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    return take(body, ec);
  }
  void on_finish_impl(error_code&) override {}

  size_t take(string_view piece, error_code& ec) {
    std::string& body = result_.response_body;
    const size_t keep = std::min(piece.size(), kMaxKeptResponseBody - body.size());
    body.append(piece.data(), keep);
    if (keep < piece.size()) {
      result_.response_truncated = true;
      discarded_ += piece.size() - keep;
      if (discarded_ > kMaxDiscardedResponseBody) {
        cut_ = true;
        ec = boost::beast::http::error::body_limit;
      }
    }
    return piece.size();
  }

  OutboundResult& result_;
  int status_ = 0;
  size_t discarded_ = 0;
  bool cut_ = false;
};

}  // namespace promptjang::beast_detail
