-- What the batch passes (SPEC §6) keep: per-project watermarks, the
-- domain/feature tree and mappings (MAP-1), per-day feature rollups
-- (API-17), aliases (API-25), flaky states (FLK-1), integrity signals
-- (INT-*), test states (API-26) and retention marks (RET-1).

-- Where each pass resumes, per project; state is pass-specific (the
-- mapping pass keeps the hash of the rules file it last applied).
CREATE TABLE batch_marks (
	pass		TEXT NOT NULL,
	project_id	INTEGER NOT NULL,
	watermark	INTEGER NOT NULL DEFAULT 0,
	state		TEXT,
	PRIMARY KEY (pass, project_id)
) WITHOUT ROWID;

-- The product tree: a domain path "checkout/payments" and its parent.
CREATE TABLE domains (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	path		TEXT NOT NULL,
	name		TEXT NOT NULL,
	parent		INTEGER REFERENCES domains(id),
	UNIQUE (project_id, path)
);
-- A feature "checkout/payments/refunds": its last segment, in a domain.
CREATE TABLE features (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	path		TEXT NOT NULL,
	name		TEXT NOT NULL,
	domain		INTEGER NOT NULL REFERENCES domains(id),
	UNIQUE (project_id, path)
);
CREATE INDEX features_domain ON features(domain);

-- Every candidate mapping of a test.  manual and import rows are inputs
-- (API-24); explicit, rule and heuristic rows are derived by the mapping
-- pass, which also picks the primary and copies it to tests.feature.
CREATE TABLE mappings (
	test		INTEGER NOT NULL,
	provider	TEXT NOT NULL CHECK (provider IN ('manual', 'explicit',
			    'rule', 'import', 'heuristic')),
	feature		INTEGER NOT NULL REFERENCES features(id),
	confidence	REAL NOT NULL,
	is_primary	INTEGER NOT NULL DEFAULT 0,
	updated_at	INTEGER NOT NULL,
	PRIMARY KEY (test, provider, feature)
) WITHOUT ROWID;

ALTER TABLE tests ADD COLUMN feature INTEGER;	-- primary; NULL: not mapped yet
ALTER TABLE tests ADD COLUMN state_reason TEXT;	-- API-26
ALTER TABLE tests ADD COLUMN state_at INTEGER;
ALTER TABLE tests ADD COLUMN alias_of INTEGER;	-- merged into that test
CREATE INDEX tests_feature ON tests(project_id, feature);
CREATE INDEX tests_paused ON tests(project_id, state) WHERE state <> 'active';

-- API-25: results of from_test were moved to to_test; an upload naming
-- the old test again is stored under the new one.
CREATE TABLE aliases (
	from_test	INTEGER PRIMARY KEY,
	to_test		INTEGER NOT NULL,
	project_id	INTEGER NOT NULL,
	created_at	INTEGER NOT NULL
);
CREATE INDEX aliases_to ON aliases(to_test);

-- Per feature and UTC day (days since the epoch), from the results of
-- its primary-mapped tests: the feature timeline (API-17).
CREATE TABLE feature_days (
	feature		INTEGER NOT NULL,
	day		INTEGER NOT NULL,
	runs		INTEGER NOT NULL DEFAULT 0,
	passed		INTEGER NOT NULL DEFAULT 0,
	failed		INTEGER NOT NULL DEFAULT 0,
	skipped		INTEGER NOT NULL DEFAULT 0,
	last_run	INTEGER,
	last_run_at	INTEGER,
	PRIMARY KEY (feature, day)
) WITHOUT ROWID;

-- FLK-1: the last results of a test on one branch, outage runs left out
-- ("PPFP", oldest first), kept by the flaky pass.
CREATE TABLE flaky_windows (
	test		INTEGER NOT NULL,
	branch		TEXT NOT NULL,
	recent		TEXT NOT NULL DEFAULT '',
	last_run	INTEGER NOT NULL,
	PRIMARY KEY (test, branch)
) WITHOUT ROWID;
-- A test the flaky pass found flaky, and its evidence.
CREATE TABLE flaky_states (
	test		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL,
	state		TEXT NOT NULL CHECK (state IN ('flaky', 'resolved')),
	first_at	INTEGER NOT NULL,	-- first evidence
	last_at		INTEGER NOT NULL,	-- latest evidence
	resolved_at	INTEGER,
	same_sha	INTEGER NOT NULL DEFAULT 0,	-- disagreeing sha pairs
	retry_passes	INTEGER NOT NULL DEFAULT 0,
	flip_rate	REAL NOT NULL DEFAULT 0,	-- highest branch rate
	flip_branch	TEXT,
	flip_active	INTEGER NOT NULL DEFAULT 0,	-- hysteresis latch
	monitors	TEXT NOT NULL DEFAULT '',	-- "same_sha,retry,flip"
	evidence	TEXT NOT NULL DEFAULT '[]'	-- newest 20 items
);
CREATE INDEX flaky_states_project ON flaky_states(project_id, state,
    last_at);

-- INT-1/INT-2: evidence that the suite was weakened.  (run, type,
-- subject) makes a re-run pass idempotent; subject is the test id, the
-- file or "" for run-wide signals.
CREATE TABLE signals (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL,
	run		INTEGER NOT NULL,
	baseline_run	INTEGER,
	signal_type	TEXT NOT NULL,
	severity	TEXT NOT NULL CHECK (severity IN ('low', 'medium',
			    'high', 'critical')),
	status		TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open',
			    'acknowledged', 'resolved')),
	subject		TEXT NOT NULL,
	test		INTEGER,
	file		TEXT,
	message		TEXT NOT NULL,
	evidence	TEXT NOT NULL DEFAULT '{}',
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	note		TEXT,
	alerted		INTEGER NOT NULL DEFAULT 0,
	UNIQUE (run, signal_type, subject)
);
CREATE INDEX signals_project ON signals(project_id, created_at, id);
CREATE INDEX signals_open ON signals(project_id, test) WHERE status = 'open';
CREATE INDEX signals_test ON signals(test);

-- RET-1: when retention deleted a run's results (the summary stays).
ALTER TABLE runs ADD COLUMN purged_at INTEGER;
