-- Ingest speed (issue 18).
--
-- The definition digest of a test: a hash of the file, line, tags, owner,
-- feature and domain hints its last upload reported (NULL: not known, the
-- next upload refreshes the definition and records it).  An upload loads
-- the digests of the project's tests from test_stats_known (a few bytes a
-- test) and leaves the wide tests row alone when the report says what it
-- said before; a sidecar override resets the digest.
ALTER TABLE test_stats ADD COLUMN def_digest BIGINT;
CREATE INDEX test_stats_known ON test_stats(project_id, test, def_digest);

-- The dashboard counts the tests never run (pending) from a partial index
-- that holds only them; the index by status and last seen, which every
-- upload rewrote for every test it saw, goes (no query reads it now:
-- statuses are counted per branch from stream_stats since issue 13).
DROP INDEX test_stats_status;
CREATE INDEX test_stats_pending ON test_stats(project_id)
    WHERE last_status IS NULL;
