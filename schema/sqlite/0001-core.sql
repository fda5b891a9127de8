-- Projects, API tokens and batch bookkeeping: what every program needs
-- before any test result exists.  Times are integer ms since the epoch (I-5).

CREATE TABLE projects (
	id		INTEGER PRIMARY KEY,
	slug		TEXT NOT NULL UNIQUE,
	name		TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	-- rollups maintained by ingest so /api/projects never counts rows
	run_count	INTEGER NOT NULL DEFAULT 0,
	test_count	INTEGER NOT NULL DEFAULT 0,
	last_run_at	INTEGER
);

-- SEC-1: a token is "tv_<id>_<secret>"; only the SHA-256 of the whole
-- token is kept.  id is public (listing, revoking), secret never stored.
CREATE TABLE tokens (
	id		TEXT PRIMARY KEY,
	hash		TEXT NOT NULL,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	scope		TEXT NOT NULL CHECK (scope IN ('read', 'ingest', 'admin')),
	name		TEXT NOT NULL DEFAULT '',
	created_at	INTEGER NOT NULL,
	revoked_at	INTEGER
);
CREATE INDEX tokens_project ON tokens(project_id);

-- One row per batch pass (spool, mapping, flaky ...): when it last ran,
-- how it ended, and the watermark it resumes from.  /api/health reads it.
CREATE TABLE batch_passes (
	name		TEXT PRIMARY KEY,
	last_started_at	INTEGER,
	last_finished_at INTEGER,
	last_status	TEXT,
	last_summary	TEXT,
	watermark	INTEGER NOT NULL DEFAULT 0
);
