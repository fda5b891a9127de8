-- Runs, their shards, test definitions with rollups, results, incidents
-- and events (SPEC §2, ING-7).  Times are integer ms since the epoch.
-- results and result_texts carry no foreign keys on purpose: ingest is
-- their only writer (it checks the parents), and retention deletes them
-- explicitly; skipping two parent probes per row keeps bulk ingest fast.

CREATE TABLE runs (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	run_id		TEXT NOT NULL,
	started_at	INTEGER NOT NULL,
	finished_at	INTEGER,
	duration_ms	INTEGER,
	git_sha		TEXT,
	branch		TEXT,
	session_id	TEXT,
	env_fingerprint	TEXT,
	triggered_by	TEXT,
	ci_url		TEXT,
	tags		TEXT,			-- JSON array or NULL
	status		TEXT NOT NULL DEFAULT 'passed',	-- passed|failed|empty
	tests		INTEGER NOT NULL DEFAULT 0,
	passed		INTEGER NOT NULL DEFAULT 0,
	failed		INTEGER NOT NULL DEFAULT 0,
	errors		INTEGER NOT NULL DEFAULT 0,
	skipped		INTEGER NOT NULL DEFAULT 0,
	flaky		INTEGER NOT NULL DEFAULT 0,
	new_tests	INTEGER NOT NULL DEFAULT 0,
	shards		INTEGER NOT NULL DEFAULT 0,
	ingested_at	INTEGER NOT NULL,
	UNIQUE (project_id, run_id)
);
-- API-4 (newest first, filters), API-3 recent runs, API-5 previous run
-- on the same branch, API-20 correlation by sha or session.
CREATE INDEX runs_time ON runs(project_id, started_at, id);
CREATE INDEX runs_branch ON runs(project_id, branch, started_at, id);
CREATE INDEX runs_sha ON runs(project_id, git_sha);
CREATE INDEX runs_session ON runs(project_id, session_id);

-- One upload into a run (ING-4); (run, shard) is the idempotency key.
CREATE TABLE run_shards (
	id		INTEGER PRIMARY KEY,
	run		INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	shard		TEXT NOT NULL,		-- '' when not sharded
	content_sha256	TEXT NOT NULL,
	source		TEXT NOT NULL,		-- http|cli|spool
	received_at	INTEGER NOT NULL,
	tests		INTEGER NOT NULL DEFAULT 0,
	passed		INTEGER NOT NULL DEFAULT 0,
	failed		INTEGER NOT NULL DEFAULT 0,
	errors		INTEGER NOT NULL DEFAULT 0,
	skipped		INTEGER NOT NULL DEFAULT 0,
	flaky		INTEGER NOT NULL DEFAULT 0,
	new_tests	INTEGER NOT NULL DEFAULT 0,
	warnings	TEXT NOT NULL DEFAULT '[]',	-- JSON array
	diff		TEXT,			-- unified diff for INT-2
	changed_files	TEXT,			-- JSON array
	UNIQUE (run, shard)
);

-- Test definitions; id is the integer form of test_id (ident_test_key),
-- so ingest writes results without looking definitions up first.
CREATE TABLE tests (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	test_id		TEXT NOT NULL,
	identity_path	TEXT NOT NULL,
	name		TEXT NOT NULL,
	base_name	TEXT NOT NULL,
	params		TEXT NOT NULL DEFAULT '',
	classname	TEXT NOT NULL DEFAULT '',
	file		TEXT NOT NULL DEFAULT '',
	line		INTEGER,
	suite_path	TEXT NOT NULL DEFAULT '',
	tags		TEXT,			-- comma-separated
	owner		TEXT,
	feature_hint	TEXT,			-- property/sidecar "feature"
	domain_hint	TEXT,
	state		TEXT NOT NULL DEFAULT 'active',
	first_seen_at	INTEGER NOT NULL,
	first_run	INTEGER
);
-- The rollups ingest keeps in the same transaction (ING-7), one narrow row
-- per test: every ingest rewrites the rows of all its tests, so they stay
-- apart from the wide definitions above.
CREATE TABLE test_stats (
	test		INTEGER PRIMARY KEY,	-- tests.id
	project_id	INTEGER NOT NULL,	-- views scan this table alone
	last_seen_at	INTEGER NOT NULL,
	last_status	TEXT,
	last_run	INTEGER,
	last_result_at	INTEGER,
	last_passed_at	INTEGER,
	last_failed_at	INTEGER,
	runs_count	INTEGER NOT NULL DEFAULT 0,
	passed_count	INTEGER NOT NULL DEFAULT 0,
	failed_count	INTEGER NOT NULL DEFAULT 0,
	error_count	INTEGER NOT NULL DEFAULT 0,
	skipped_count	INTEGER NOT NULL DEFAULT 0,
	flaky_count	INTEGER NOT NULL DEFAULT 0,
	recent		TEXT NOT NULL DEFAULT '',	-- last 50: P F E S
	recent_ms	BLOB NOT NULL DEFAULT X'',	-- last 50 durations, int32 LE
	p50_ms		INTEGER,
	p95_ms		INTEGER,
	-- of the recent window: failures / runs that ran (NULL: none ran),
	-- and pass<->fail changes per pair of runs (the flaky score)
	fail_rate	REAL,
	flip_rate	REAL NOT NULL DEFAULT 0,
	open_incident	INTEGER,
	-- flaky evidence (API-21): runs of one git sha that disagreed, and
	-- when any evidence (that, or a pass after a retry) was seen
	same_sha_flakes	INTEGER NOT NULL DEFAULT 0,
	flaky_first_at	INTEGER,
	flaky_last_at	INTEGER
);
CREATE INDEX tests_name ON tests(project_id, name);

-- One result per (run, test): status 0 passed, 1 failed, 2 error,
-- 3 skipped.  started_at is the run's, copied for per-test history.
CREATE TABLE results (
	run		INTEGER NOT NULL,
	test		INTEGER NOT NULL,
	shard		INTEGER NOT NULL,	-- run_shards.id of the last writer
	started_at	INTEGER NOT NULL,
	status		INTEGER NOT NULL,
	duration_ms	INTEGER,
	attempts	INTEGER NOT NULL DEFAULT 1,
	flaky_in_run	INTEGER NOT NULL DEFAULT 0,
	fingerprint	TEXT,
	assertions	INTEGER,
	PRIMARY KEY (run, test)
) WITHOUT ROWID;
-- API-9..13 (history, results, timing, uptime) read this index alone.
CREATE INDEX results_test ON results(test, started_at, status, duration_ms);

-- The texts of a result, only for results that have any.
CREATE TABLE result_texts (
	id		INTEGER PRIMARY KEY,
	run		INTEGER NOT NULL,
	test		INTEGER NOT NULL,
	message		TEXT,
	error_type	TEXT,
	details		TEXT,
	stdout		TEXT,
	stderr		TEXT,
	UNIQUE (run, test)
);

-- A failure episode of one test on one branch.
CREATE TABLE incidents (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	test		INTEGER NOT NULL,
	branch		TEXT NOT NULL,		-- '' for runs without one
	opened_run	INTEGER NOT NULL,
	opened_at	INTEGER NOT NULL,
	closed_run	INTEGER,
	closed_at	INTEGER,
	last_run	INTEGER NOT NULL,
	last_failed_at	INTEGER NOT NULL,
	failure_count	INTEGER NOT NULL DEFAULT 1,
	fingerprint	TEXT,
	message		TEXT,
	alert_sent	INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_test ON incidents(test, opened_at);
CREATE UNIQUE INDEX incidents_open ON incidents(test, branch)
    WHERE closed_at IS NULL;
CREATE INDEX incidents_project_open ON incidents(project_id)
    WHERE closed_at IS NULL;

-- Failure groups across tests by fingerprint (API-23), kept by ingest.
CREATE TABLE failure_groups (
	project_id	INTEGER NOT NULL,
	fingerprint	TEXT NOT NULL,
	occurrences	INTEGER NOT NULL,
	first_seen_at	INTEGER NOT NULL,
	last_seen_at	INTEGER NOT NULL,
	message		TEXT,
	error_type	TEXT,
	PRIMARY KEY (project_id, fingerprint)
) WITHOUT ROWID;
CREATE INDEX failure_groups_recent ON failure_groups(project_id,
    last_seen_at);
CREATE TABLE failure_tests (
	project_id	INTEGER NOT NULL,
	fingerprint	TEXT NOT NULL,
	test		INTEGER NOT NULL,
	occurrences	INTEGER NOT NULL,
	last_seen_at	INTEGER NOT NULL,
	PRIMARY KEY (project_id, fingerprint, test)
) WITHOUT ROWID;
CREATE TABLE failure_branches (
	project_id	INTEGER NOT NULL,
	fingerprint	TEXT NOT NULL,
	branch		TEXT NOT NULL,
	PRIMARY KEY (project_id, fingerprint, branch)
) WITHOUT ROWID;

-- Append-only log feeding live updates.
CREATE TABLE events (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL,
	at		INTEGER NOT NULL,
	kind		TEXT NOT NULL,
	subject		TEXT,
	payload		TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_project ON events(project_id, id);
