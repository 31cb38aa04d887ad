// `promptjang listen`: a local webhook receiver, like `stripe listen` (SPEC §5, §10).
// It answers every request with the --status given and prints one readable block
// per request: time, method and path, the delivery headers, whether each of the
// two signatures verifies with --secret, and the body (pretty-printed when it is
// small JSON, cut at 4 KiB otherwise).
//
// Threads: the HttpServer runs one I/O thread, which calls ListenHandler::handle;
// the main thread only starts the server, prints the banner and waits in sigwait
// for SIGINT or SIGTERM (blocked before any thread starts, as in serve_command.cc).
// Invariants: blocks never interleave (Console's mutex), each is flushed whole,
// the banner comes before any block, and a request's block is on stdout before its
// answer is sent. Bytes from the network are never written raw to the terminal:
// control characters are escaped.
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "api/http_types.h"
#include "api/server.h"
#include "cli/commands.h"
#include "cli/stop_signals.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"
#include "core/time_format.h"
#include "crypto/signature.h"
#include "crypto/tokens.h"

namespace promptjang {
namespace {

constexpr size_t kBodyPreviewBytes = 4 * 1024;
constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;  // deliveries are at most 2 MB (FAQ)
constexpr int64_t kTimestampToleranceS = 5 * 60;    // what Standard Webhooks receivers allow
constexpr size_t kLabelWidth = 25;                  // the values of a block line up

struct ListenOptions {
  std::string host;
  uint16_t port = 0;
  std::string secret;
  int status = 200;
};

// A whole-string decimal integer in [lo, hi].
std::optional<int64_t> parse_int(std::string_view text, int64_t lo, int64_t hi) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < lo || value > hi) return std::nullopt;
  return value;
}

Result<ListenOptions> validate(const ListenFlags& flags) {
  ListenOptions o;
  o.host = flags.host;
  if (flags.port.empty()) return invalid_argument("--port is required (0 picks a free port)");
  auto port = parse_int(flags.port, 0, 65535);
  if (!port)
    return invalid_argument("--port must be a number from 0 to 65535, got '" + flags.port + "'");
  o.port = static_cast<uint16_t>(*port);
  if (flags.secret.empty()) {
    return invalid_argument("--secret is required (or set PROMPTJANG_LISTEN_SECRET)");
  }
  // Never echo the value: it is meant to be a secret, even when mistyped.
  if (!is_well_formed_endpoint_secret(flags.secret)) {
    return invalid_argument(
        "--secret must be an endpoint secret: whsec_ followed by the base64 of 32 bytes, "
        "as shown for the endpoint in the dashboard or the API");
  }
  o.secret = flags.secret;
  auto status = parse_int(flags.status, 100, 599);
  if (!status) {
    return invalid_argument("--status must be an HTTP status code from 100 to 599, got '" +
                            flags.status + "'");
  }
  o.status = static_cast<int>(*status);
  return o;
}

// `text` with control characters (ESC included) escaped, so untrusted bytes cannot
// drive the terminal; newlines and tabs are kept when `multiline`.
std::string printable(std::string_view text, bool multiline) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 0x20 && c != 0x7f) || (multiline && (c == '\n' || c == '\t'))) {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

// Re-indents JSON text that is known to be valid, two spaces a level. Works on
// the text, not on a parsed value, so numbers and strings stay exactly as sent.
std::string indent_json(std::string_view text) {
  std::string out;
  int depth = 0;
  bool in_string = false, escaped = false;
  auto newline = [&] {
    out += '\n';
    out.append(static_cast<size_t>(2 * depth), ' ');
  };
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (is_space(c)) continue;
    switch (c) {
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[': {
        out += c;
        size_t next = i + 1;
        while (next < text.size() && is_space(text[next])) ++next;
        if (next < text.size() && (text[next] == '}' || text[next] == ']')) {
          out += text[next];  // an empty container stays on one line
          i = next;
          break;
        }
        ++depth;
        newline();
        break;
      }
      case '}':
      case ']':
        --depth;
        newline();
        out += c;
        break;
      case ',':
        out += c;
        newline();
        break;
      case ':':
        out += ": ";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The body as shown: indented JSON when it is whole and valid JSON, else the first
// kBodyPreviewBytes as text and how much was left out. Every line gets `margin`.
std::string describe_body(std::string_view body, std::string_view margin) {
  if (body.empty()) return std::string(margin) + "(empty)\n";
  bool is_json = false;
  if (body.size() <= kBodyPreviewBytes) {
    boost::system::error_code ec;
    (void)boost::json::parse(body, ec);
    is_json = !ec;
  }
  std::string shown;
  size_t cut = 0;
  if (is_json) {
    shown = indent_json(body);
  } else {
    size_t keep = std::min(body.size(), kBodyPreviewBytes);
    // Do not split a UTF-8 sequence: back up to the start of the cut character.
    while (keep > 0 && keep < body.size() &&
           (static_cast<unsigned char>(body[keep]) & 0xc0) == 0x80) {
      --keep;
    }
    shown = std::string(body.substr(0, keep));
    cut = body.size() - keep;
  }
  std::string out(margin);
  for (char c : printable(shown, true)) {
    out += c;
    if (c == '\n') out += margin;
  }
  out += '\n';
  if (cut > 0) {
    out += std::string(margin) + "... " + std::to_string(cut) + " more bytes not shown (" +
           std::to_string(body.size()) + " in all)\n";
  }
  return out;
}

std::string_view header_or(const HttpRequest& r, std::string_view name, std::string_view none) {
  auto v = r.headers.get(name);
  return v ? *v : none;
}

std::string check_hex(const std::string& secret, const HttpRequest& r) {
  auto sig = r.headers.get("X-PromptJang-Signature");
  if (!sig) return "FAILED (no X-PromptJang-Signature header)";
  if (verify_hex(secret, r.body, *sig)) return "ok";
  return "FAILED (not the HMAC-SHA256 of this body with this secret)";
}

std::string check_standard(const std::string& secret, const HttpRequest& r) {
  auto sig = r.headers.get("webhook-signature");
  if (!sig) return "FAILED (no webhook-signature header)";
  auto id = r.headers.get("webhook-id");
  if (!id) return "FAILED (no webhook-id header)";
  auto ts_text = r.headers.get("webhook-timestamp");
  if (!ts_text) return "FAILED (no webhook-timestamp header)";
  auto ts = parse_int(*ts_text, INT64_MIN, INT64_MAX);
  if (!ts) return "FAILED (webhook-timestamp is not a unix time)";
  // Check one signature at a time, to say which one matched during a rotation.
  int count = 0, matched = 0;
  std::istringstream tokens{std::string(*sig)};
  for (std::string token; tokens >> token;) {
    ++count;
    if (matched == 0 && verify_standard(secret, *id, *ts, r.body, token)) matched = count;
  }
  if (matched > 0) {
    if (count == 1) return "ok";
    return "ok (signature " + std::to_string(matched) + " of " + std::to_string(count) + ")";
  }
  if (count == 0) return "FAILED (the header is empty)";
  return "FAILED (" + std::string(count == 1 ? "the signature does" : "none of the signatures do") +
         " not match this secret, webhook-id, webhook-timestamp and body)";
}

std::string describe_timestamp(const HttpRequest& r, TimePoint now) {
  auto text = r.headers.get("webhook-timestamp");
  if (!text) return "-";
  std::string out = printable(*text, false);
  auto ts = parse_int(*text, INT64_MIN / 2, INT64_MAX / 2);
  if (!ts) return out + " (not a unix time)";
  const int64_t age = to_unix_micros(now) / 1'000'000 - *ts;
  out +=
      age >= 0 ? " (" + std::to_string(age) + " s ago)" : " (" + std::to_string(-age) + " s ahead)";
  if (age > kTimestampToleranceS || -age > kTimestampToleranceS) {
    out += ", outside the 5-minute window receivers usually accept";
  }
  return out;
}

// stdout, shared by the banner and the I/O thread; each write is flushed whole.
class Console {
 public:
  explicit Console(std::ostream& out) : out_(out) {}
  void print(std::string_view text) {
    std::lock_guard lock(mu_);
    out_ << text << std::flush;
  }
  // While the returned lock lives, print() from other threads waits; write with
  // print_held() meanwhile.
  std::unique_lock<std::mutex> hold() { return std::unique_lock(mu_); }
  void print_held(const std::unique_lock<std::mutex>& /*held*/, std::string_view text) {
    out_ << text << std::flush;
  }

 private:
  std::mutex mu_;
  std::ostream& out_;
};

class ListenHandler final : public HttpHandler {
 public:
  ListenHandler(const ListenOptions& options, const Clock& clock, Console& console)
      : options_(options), clock_(clock), console_(console) {}

  std::variant<size_t, HttpResponse> preflight(HttpRequest& /*head*/) override {
    return kMaxBodyBytes;
  }

  void handle(HttpRequest request, Respond respond) override {
    console_.print(describe(request));
    HttpResponse response;
    response.status = options_.status;
    response.body = R"({"received":true,"status":)" + std::to_string(options_.status) + "}";
    if (options_.status < 200) response.headers.add("Connection", "close");
    respond(std::move(response));
  }

 private:
  std::string describe(const HttpRequest& r) const {
    const TimePoint now = clock_.now();
    std::string target = r.path + (r.query.empty() ? "" : "?" + r.query);
    std::ostringstream out;
    out << "--- " << format_rfc3339(now) << "  " << printable(r.method, false) << " "
        << printable(target, false) << "  from " << r.remote_address << "\n";
    auto field = [&](std::string_view label, std::string_view value) {
      const size_t pad = label.size() < kLabelWidth ? kLabelWidth - label.size() : 1;
      out << "  " << label << std::string(pad, ' ') << printable(value, false) << "\n";
    };
    field("X-PromptJang-Event-Id:", header_or(r, "X-PromptJang-Event-Id", "-"));
    field("X-PromptJang-Event:", header_or(r, "X-PromptJang-Event", "-"));
    field("X-PromptJang-Attempt:", header_or(r, "X-PromptJang-Attempt", "-"));
    field("webhook-id:", header_or(r, "webhook-id", "-"));
    field("webhook-timestamp:", describe_timestamp(r, now));
    field("X-PromptJang-Signature:", check_hex(options_.secret, r));
    field("webhook-signature:", check_standard(options_.secret, r));
    field("answered:", std::to_string(options_.status));
    out << "  body (" << r.body.size() << " bytes, "
        << printable(header_or(r, "Content-Type", "no Content-Type"), false) << "):\n"
        << describe_body(r.body, "    ") << "\n";
    return std::move(out).str();
  }

  const ListenOptions& options_;
  const Clock& clock_;
  Console& console_;
};

std::string url_host(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

}  // namespace

int run_listen(const ListenFlags& flags) {
  auto options = validate(flags);
  if (!options) {
    std::cerr << "error: " << options.status().message() << "\n";
    return 2;
  }
  StopSignals signals;  // before any thread starts

  auto logger = make_stderr_logger("listen", "warn");
  SystemClock clock;
  Console console(std::cout);
  ListenHandler handler(*options, clock, console);
  ServerOptions server_options;
  server_options.host = options->host;
  server_options.port = options->port;
  server_options.threads = 1;
  HttpServer server(server_options, handler, *logger);
  {
    auto held = console.hold();  // no request's block may come before the banner
    Status started = server.start();
    if (!started) {
      std::cerr << "error: cannot listen on " << options->host << ":" << options->port << ": "
                << started.message() << "\n";
      return started.code() == StatusCode::kInvalidArgument ? 2 : 1;
    }
    console.print_held(held, "listening on http://" + url_host(options->host) + ":" +
                                 std::to_string(server.port()) + "\n");
  }
  int sig = signals.wait();
  server.stop();
  std::cerr << "listen: stopped (" << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ")\n";
  return 0;
}

}  // namespace promptjang
