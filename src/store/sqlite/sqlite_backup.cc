// Backup and restore with SQLite's online backup API; see sqlite_backup.h.
#include "sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "sqlite_db.h"

namespace promptjang::sqlite {
namespace {

namespace fs = std::filesystem;

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Handle = std::unique_ptr<sqlite3, Closer>;

Result<Handle> open_file(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_EXRESCODE, nullptr);
  Handle h(db);
  if (rc != SQLITE_OK)
    return unavailable("cannot open '" + path +
                       "': " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(db, 5000);
  return h;
}

// The first column of the first row of `sql`, as text ("" if none).
Result<std::string> scalar(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  if (rc != SQLITE_OK) return to_status(db, rc, sql);
  std::string out;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(st, 0);
    if (text != nullptr) out = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return to_status(db, rc, sql);
  return out;
}

// integrity_check says "ok", and the file has PromptJang's schema; its version.
Result<int> check_sound(sqlite3* db, const std::string& path) {
  auto ok = scalar(db, "PRAGMA integrity_check");
  if (!ok)
    return invalid_argument("'" + path +
                            "' is not a SQLite database: " + std::string(ok.status().message()));
  if (*ok != "ok")
    return invalid_argument("'" + path + "' is damaged: integrity_check says " + *ok);
  auto version = scalar(db, "SELECT max(version) FROM schema_migrations");
  if (!version || version->empty())
    return invalid_argument("'" + path + "' is not a PromptJang database (no schema_migrations)");
  return std::stoi(*version);
}

// Copies every page of `src` into `dst` in one step (one read transaction).
Result<CopyReport> copy_all(sqlite3* src, sqlite3* dst) {
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (b == nullptr) return to_status(dst, sqlite3_errcode(dst), "backup");
  int rc = SQLITE_OK;
  for (int tries = 0; tries < 100; ++tries) {  // busy or locked: the busy timeout already waited
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(100);
  }
  CopyReport report;
  report.pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return to_status(dst, rc, "copying the database");
  auto page_size = scalar(dst, "PRAGMA page_size");
  report.bytes = report.pages * (page_size && !page_size->empty() ? std::stoll(*page_size) : 4096);
  return report;
}

Status sync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unavailable("cannot open '" + path + "' to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::ok() : unavailable("cannot sync '" + path + "'");
}

Status refuse_existing(const std::string& to) {
  std::error_code ec;
  if (fs::exists(to, ec))
    return already_exists("'" + to + "' exists; give a new file (nothing was overwritten)");
  return Status::ok();
}

}  // namespace

Result<CopyReport> backup_database(const std::string& from, const std::string& to) {
  PJ_RETURN_IF_ERROR(refuse_existing(to));
  std::error_code ec;
  if (!fs::exists(from, ec)) return not_found("no database at '" + from + "'");
  auto src = open_file(from, SQLITE_OPEN_READWRITE);
  PJ_RETURN_IF_ERROR(src);
  const std::string tmp = to + ".partial";
  fs::remove(tmp, ec);
  Result<CopyReport> report = [&]() -> Result<CopyReport> {
    auto dst = open_file(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    PJ_RETURN_IF_ERROR(dst);
    auto r = copy_all(src->get(), dst->get());
    PJ_RETURN_IF_ERROR(r);
    // One self-contained file: the copy keeps the source's WAL mode, so fold
    // its WAL in and leave no -wal/-shm beside it.
    PJ_RETURN_IF_ERROR(scalar(dst->get(), "PRAGMA journal_mode = DELETE"));
    auto version = check_sound(dst->get(), to);
    PJ_RETURN_IF_ERROR(version);
    r->schema_version = *version;
    return r;
  }();
  if (report) {
    Status synced = sync_file(tmp);
    if (!synced) report = synced;
  }
  if (report) {
    fs::rename(tmp, to, ec);
    if (ec) report = unavailable("cannot rename '" + tmp + "' to '" + to + "': " + ec.message());
  }
  if (!report) fs::remove(tmp, ec);
  return report;
}

Result<CopyReport> restore_database(const std::string& from, const std::string& to) {
  PJ_RETURN_IF_ERROR(refuse_existing(to));
  std::error_code ec;
  if (!fs::exists(from, ec)) return not_found("no backup at '" + from + "'");
  auto src = open_file(from, SQLITE_OPEN_READONLY);
  PJ_RETURN_IF_ERROR(src);
  auto version = check_sound(src->get(), from);
  PJ_RETURN_IF_ERROR(version);
  auto dst = open_file(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  PJ_RETURN_IF_ERROR(dst);
  Result<CopyReport> report = copy_all(src->get(), dst->get());
  if (report) {
    auto wal = scalar(dst->get(), "PRAGMA journal_mode = WAL");
    if (!wal) report = wal.status();
  }
  if (report) report->schema_version = *version;
  dst->reset();
  if (!report) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(to + suffix, ec);
  }
  return report;
}

}  // namespace promptjang::sqlite
