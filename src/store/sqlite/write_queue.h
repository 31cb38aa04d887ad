// WriteQueue: the one writer thread of a SqliteStore and its group commit
// (../group_commit.h), over SQLite's transactions: `BEGIN IMMEDIATE`, a
// savepoint per op, one COMMIT (one fsync) per batch. SQLite rolls the whole
// transaction back by itself after some errors (I/O error, disk full): the
// batch is then lost and every op of it gets Unavailable.
// Threads: see GroupCommit; the Transactions are used by the writer thread only.
#pragma once

#include <memory>

#include "core/log.h"
#include "sqlite_db.h"
#include "store/group_commit.h"

namespace promptjang::sqlite {

using WriteQueue = GroupCommit<Connection>;

// A WriteQueue that owns `db` and writes through it.
std::unique_ptr<WriteQueue> make_write_queue(std::unique_ptr<Connection> db, int max_batch,
                                             Logger& logger);

}  // namespace promptjang::sqlite
