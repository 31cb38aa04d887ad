// Writer: the one writer connection of a PgStore and its group commit
// (../group_commit.h), over PostgreSQL's transactions: BEGIN, a savepoint per
// op, one COMMIT (one WAL flush: synchronous_commit is on) per batch. A failed
// statement aborts the transaction until its savepoint is rolled back; a lost
// connection loses the batch (every op gets Unavailable) and is reconnected at
// the next one.
// Threads: see GroupCommit; the Transactions are used by the writer thread only.
#pragma once

#include <memory>

#include "core/log.h"
#include "pg_conn.h"
#include "store/group_commit.h"

namespace promptjang::pg {

using Writer = GroupCommit<Connection>;

// A Writer that owns `db` and writes through it.
std::unique_ptr<Writer> make_writer(std::unique_ptr<Connection> db, int max_batch, Logger& logger);

}  // namespace promptjang::pg
