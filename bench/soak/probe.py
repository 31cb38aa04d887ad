"""What the soak test reads of the server each interval, from /proc and the
database's files: memory, file descriptors, threads, its TCP connections, the
SQLite file and WAL sizes, and the events by status (a read-only SQLite
connection, opened and closed per sample, its reads a few index lookups so
it never holds a WAL snapshot for long).

TCP: a socket is the server's when its inode is one of /proc/PID/fd's
`socket:[N]` links. Inbound sockets have the server's listen port as their
local port (the listening socket itself is left out); every other one of its
sockets is outbound (deliveries). TIME_WAIT sockets belong to no process any
more: those on the listen port (inbound) or towards the receiver's port
(outbound) are counted on their own, as a sign of connection churn.
Reads only; every function here is safe to call from one thread at a time.
"""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchlib as bl  # noqa: E402

TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
              "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
              "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}


def socket_inodes(pid):
    """(number of open fds, the inodes of its sockets)."""
    fds, inodes = 0, set()
    fd_dir = f"/proc/{pid}/fd"
    for name in os.listdir(fd_dir):
        fds += 1
        try:
            target = os.readlink(os.path.join(fd_dir, name))
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return fds, inodes


def _tcp_rows(pid):
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            local_port = int(cols[1].rsplit(":", 1)[1], 16)
            remote_port = int(cols[2].rsplit(":", 1)[1], 16)
            yield local_port, remote_port, TCP_STATES.get(cols[3], cols[3]), int(cols[9])


def tcp_connections(pid, inodes, listen_port, receiver_port):
    """Counts of the server's TCP sockets: in_established, in_other,
    out_established, out_other, timewait_in, timewait_out, and `states`, every
    (direction, state) seen, as text for the CSV."""
    out = dict.fromkeys(("in_established", "in_other", "out_established", "out_other",
                         "timewait_in", "timewait_out"), 0)
    states = {}
    for local_port, remote_port, state, inode in _tcp_rows(pid):
        if inode == 0 or inode not in inodes:
            if state == "TIME_WAIT" and local_port == listen_port:
                out["timewait_in"] += 1
            elif state == "TIME_WAIT" and remote_port == receiver_port:
                out["timewait_out"] += 1
            continue
        if state == "LISTEN":
            continue
        direction = "in" if local_port == listen_port else "out"
        kind = "established" if state == "ESTABLISHED" else "other"
        out[f"{direction}_{kind}"] += 1
        states[f"{direction}:{state}"] = states.get(f"{direction}:{state}", 0) + 1
    out["states"] = " ".join(f"{k}={v}" for k, v in sorted(states.items()))
    return out


def threads(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def file_bytes(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def event_counts(db_path, account):
    """Events by status and the attempts logged, read-only, in one read
    transaction that costs the same at the end of the run as at its start: the
    small statuses are counted on the events_by_account_status index (a range
    of their own rows), the totals are max(rowid) (nothing is deleted during a
    soak: no event is past its retention), DELIVERED is the rest. A count(*) of
    a growing table took up to a second per sample, holding a read snapshot
    that keeps checkpoints from emptying the WAL: it disturbed what it measured."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        con.execute("BEGIN")
        out = {}
        for status in ("QUEUED", "RETRYING", "FAILED", "EXPIRED"):
            out[status.lower()] = con.execute(
                "SELECT count(*) FROM events WHERE account_id = ? AND status = ?",
                (account, status)).fetchone()[0]
        total = con.execute("SELECT coalesce(max(rowid), 0) FROM events").fetchone()[0]
        out["delivered"] = total - sum(out.values())
        out["attempts"] = con.execute("SELECT coalesce(max(rowid), 0) FROM attempts").fetchone()[0]
        con.execute("COMMIT")
        return out
    finally:
        con.close()


def server_sample(pid, listen_port, receiver_port, db_path, account):
    """One row's worth of the server's own figures."""
    rss, hwm = bl.memory_kib(pid)
    fds, inodes = socket_inodes(pid)
    row = {"rss_kib": rss, "hwm_kib": hwm, "fds": fds, "threads": threads(pid),
           "cpu_s": round(bl.cpu_seconds(pid), 2),
           "db_bytes": file_bytes(db_path), "wal_bytes": file_bytes(db_path + "-wal")}
    row.update(tcp_connections(pid, inodes, listen_port, receiver_port))
    row.update(event_counts(db_path, account))
    return row
