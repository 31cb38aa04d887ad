// LISTEN/NOTIFY between nodes; see pg_notifier.h.
#include "pg_notifier.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <utility>

namespace promptjang::pg {
namespace {

constexpr int kFirstBackoffMs = 500;
constexpr int kMaxBackoffMs = 10000;

// The connection's last error, without its trailing newline; never empty.
std::string last_error(PGconn* pg) {
  std::string error = pg != nullptr ? PQerrorMessage(pg) : "out of memory";
  while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
  return error.empty() ? "connection failed" : error;
}

// Runs a statement without results; its error, empty when it succeeded.
std::string run_statement(PGconn* pg, const char* sql) {
  PGresult* res = PQexec(pg, sql);
  std::string error;
  if (PQresultStatus(res) != PGRES_COMMAND_OK) error = last_error(pg);
  PQclear(res);
  return error;
}

}  // namespace

struct Notifier::Conn {
  explicit Conn(PGconn* c) : pg(c) {}
  ~Conn() { PQfinish(pg); }  // null-safe
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  PGconn* pg;
};

Notifier::Notifier(std::string conninfo, Logger& logger)
    : conninfo_(std::move(conninfo)),
      logger_(logger),
      event_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Notifier::~Notifier() {
  stop();
  if (event_fd_ >= 0) close(event_fd_);
}

void Notifier::start(std::function<void()> on_work) {
  if (thread_.joinable()) return;
  on_work_ = std::move(on_work);
  thread_ = std::thread([this] { run(); });
}

void Notifier::announce() {
  pending_.store(true);
  wake();
}

void Notifier::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  wake();
  thread_.join();
}

void Notifier::wake() {
  uint64_t one = 1;
  // A full counter (never, in practice) already wakes the thread.
  [[maybe_unused]] ssize_t n = write(event_fd_, &one, sizeof one);
}

bool Notifier::sleep(int ms) {
  pollfd fd{event_fd_, POLLIN, 0};
  if (poll(&fd, 1, ms) > 0) {
    uint64_t count;
    [[maybe_unused]] ssize_t n = read(event_fd_, &count, sizeof count);
  }
  return !stopping_.load();
}

std::unique_ptr<Notifier::Conn> Notifier::connect() {
  // connect_timeout after the URL overrides the URL's own: stop() must not
  // wait on an unreachable server for minutes.
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {conninfo_.c_str(), "5", "promptjang-notifier", nullptr};
  auto conn = std::make_unique<Conn>(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  std::string error;
  if (conn->pg == nullptr || PQstatus(conn->pg) != CONNECTION_OK) {
    error = last_error(conn->pg);
  } else {
    // Server notices (a termination's FATAL among them) go to the log, not stderr.
    PQsetNoticeProcessor(
        conn->pg,
        [](void* logger, const char* message) {
          static_cast<Logger*>(logger)->debug("postgres: work signal: {}", message);
        },
        &logger_);
    error = run_statement(conn->pg, "SET synchronous_commit = off");
    if (error.empty() && on_work_) error = run_statement(conn->pg, "LISTEN promptjang_work");
  }
  if (error.empty()) return conn;
  logger_.warn("postgres: work signal cannot connect (retrying): {}", error);
  return nullptr;
}

void Notifier::run() {
  std::unique_ptr<Conn> conn;
  int backoff = kFirstBackoffMs;
  // Notifications already read by libpq (PQexec reads them too), from other
  // nodes: the callback runs once for all of them.
  auto drain = [&] {
    bool heard = false;
    while (PGnotify* n = PQnotifies(conn->pg)) {
      if (n->be_pid != PQbackendPID(conn->pg)) heard = true;
      PQfreemem(n);
    }
    if (heard && on_work_) {
      heard_.fetch_add(1);
      on_work_();
    }
  };
  for (;;) {
    if (!conn) {
      // Stopping with an announcement pending: one try at sending it.
      if (stopping_.load() && !pending_.load()) return;
      conn = connect();
      if (!conn) {
        if (stopping_.load() || !sleep(backoff)) return;
        backoff = std::min(backoff * 2, kMaxBackoffMs);
        continue;
      }
      if (backoff != kFirstBackoffMs) logger_.info("postgres: work signal reconnected");
      backoff = kFirstBackoffMs;
      // Announcements made while this node was not listening are lost:
      // look for work once, as if one had arrived.
      if (on_work_) on_work_();
    }
    if (pending_.exchange(false)) {
      std::string error = run_statement(conn->pg, "NOTIFY promptjang_work");
      if (!error.empty()) {
        pending_.store(true);  // sent after the reconnection
        logger_.warn("postgres: work signal lost its connection: {}", error);
        conn.reset();
        continue;
      }
      sent_.fetch_add(1);
    }
    if (stopping_.load()) return;  // after the last announcement went out
    drain();
    pollfd fds[2] = {{PQsocket(conn->pg), POLLIN, 0}, {event_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) {
      logger_.error("postgres: work signal cannot wait: errno {}", errno);
      if (!sleep(kFirstBackoffMs)) return;
      continue;
    }
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      [[maybe_unused]] ssize_t n = read(event_fd_, &count, sizeof count);
    }
    if (fds[0].revents != 0) {
      if (PQconsumeInput(conn->pg) == 0 || PQstatus(conn->pg) != CONNECTION_OK) {
        logger_.warn("postgres: work signal lost its connection: {}", last_error(conn->pg));
        conn.reset();
        continue;
      }
      drain();
    }
  }
}

}  // namespace promptjang::pg
