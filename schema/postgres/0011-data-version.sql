-- The data version the response caches compare (README "Reading"): SQLite
-- has PRAGMA data_version, which moves when another connection commits;
-- on PostgreSQL the adapter (lib/db/db_pg.c) advances this sequence after
-- every commit that wrote and reads it before each read transaction.  A
-- sequence is outside transactions (no row to lock, nothing to vacuum) and
-- belongs to this database alone, so writes to other databases on the
-- same server do not empty the caches.
CREATE SEQUENCE IF NOT EXISTS data_version;
