-- 0007: who holds a lease (issue 7: a node renews the leases of the events it
-- still holds, so a slow attempt is never sent twice while its node lives).
--
-- lease_owner names the node that claimed (or ingested and kept) the event; it
-- is set with lease_until and cleared with it when the attempt is recorded or
-- the event released. A node renews only the leases it owns: once its lease
-- ran out and another node claimed the event, the owner is the other node and
-- the first node's renewal no longer touches it.
ALTER TABLE events ADD COLUMN lease_owner TEXT;
