-- Uploads that cost the same on day one and after a year (issue 18).
--
-- The test-major index results_test put each of an upload's results on a
-- different leaf page of a large index: with 10M results, 10,000 random
-- page writes per 10,000-test upload, three times the cost of the same
-- upload into a small database.  Results are now written run-major only;
-- the per-test order lives in result_history, a copy of the results'
-- per-test columns that the batch's history pass fills from the runs
-- written since (history_pending: a run is listed from the upload that
-- wrote its results until the pass has copied them).  Every by-test read
-- takes result_history's rows of runs not pending plus the pending runs'
-- rows from results (lib/db/history.h), so an answer never waits for the
-- batch.  gen counts the writes a pending run took, so that a pass never
-- forgets a run an upload wrote while the pass copied it.
CREATE TABLE result_history (
	test		INTEGER NOT NULL,
	started_at	INTEGER NOT NULL,
	run		INTEGER NOT NULL,
	status		INTEGER NOT NULL,
	duration_ms	INTEGER,
	attempts	INTEGER NOT NULL,
	flaky_in_run	INTEGER NOT NULL,
	fingerprint	TEXT,
	PRIMARY KEY (test, started_at, run)
) WITHOUT ROWID;
-- the pass replaces a run's rows; retention deletes them
CREATE INDEX result_history_run ON result_history(run);

CREATE TABLE history_pending (
	run		INTEGER PRIMARY KEY,
	gen		INTEGER NOT NULL DEFAULT 0
);

INSERT INTO result_history (test, started_at, run, status, duration_ms,
    attempts, flaky_in_run, fingerprint)
    SELECT test, started_at, run, status, duration_ms, attempts,
    flaky_in_run, fingerprint FROM results ORDER BY test, started_at, run;
DROP INDEX results_test;
