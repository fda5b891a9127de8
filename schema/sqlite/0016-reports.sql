-- Reports (REP-1, issue 16).  report_cells: per run, the counts and
-- summed durations of its results by the suite path, owner and primary
-- feature of their tests (0: not mapped yet), so a report grouped or
-- filtered by those reads a few rows per run instead of every result.
-- Ingest rebuilds a run's cells when it stores a shard; the mapping pass
-- rebuilds them for the runs of newly mapped tests and a feature's cells
-- when tests move between features.  Retention leaves them, as it
-- leaves a run's counts.  Counted in here from the results kept so far.
CREATE TABLE report_cells (
	run		INTEGER NOT NULL,
	suite		TEXT NOT NULL,
	owner		TEXT NOT NULL,
	feature		INTEGER NOT NULL,
	tests		INTEGER NOT NULL,
	passed		INTEGER NOT NULL,
	failed		INTEGER NOT NULL,	-- failures and errors
	skipped		INTEGER NOT NULL,
	duration_ms	INTEGER NOT NULL,
	PRIMARY KEY (run, suite, owner, feature)
) WITHOUT ROWID;
CREATE INDEX report_cells_feature ON report_cells(feature, run);
INSERT INTO report_cells (run, suite, owner, feature, tests, passed,
    failed, skipped, duration_ms)
SELECT r.run, t.suite_path, coalesce(t.owner, ''), coalesce(t.feature, 0),
    count(*), sum(CASE WHEN r.status = 0 THEN 1 ELSE 0 END),
    sum(CASE WHEN r.status IN (1, 2) THEN 1 ELSE 0 END),
    sum(CASE WHEN r.status = 3 THEN 1 ELSE 0 END),
    sum(coalesce(r.duration_ms, 0))
FROM results r JOIN tests t ON t.id = r.test
GROUP BY r.run, t.suite_path, coalesce(t.owner, ''), coalesce(t.feature, 0);

-- A report's definition (its filters and grouping, normalised JSON, one
-- row per distinct definition of a project, found by its SHA-256):
-- GET /api/reports/{id} recomputes it; a dashboard's widget names it.
CREATE TABLE reports (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	definition	TEXT NOT NULL,
	hash		TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	used_at		INTEGER NOT NULL,
	UNIQUE (project_id, hash)
);
CREATE INDEX reports_used ON reports(project_id, used_at);
