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
	test		BIGINT NOT NULL,
	started_at	BIGINT NOT NULL,
	run		BIGINT NOT NULL,
	status		BIGINT NOT NULL,
	duration_ms	BIGINT,
	attempts	BIGINT NOT NULL,
	flaky_in_run	BIGINT NOT NULL,
	fingerprint	TEXT,
	PRIMARY KEY (test, started_at, run)
);
-- the pass replaces a run's rows; retention deletes them
CREATE INDEX result_history_run ON result_history(run);

CREATE TABLE history_pending (
	run		BIGINT PRIMARY KEY,
	gen		BIGINT NOT NULL DEFAULT 0
);

INSERT INTO result_history (test, started_at, run, status, duration_ms,
    attempts, flaky_in_run, fingerprint)
    SELECT test, started_at, run, status, duration_ms, attempts,
    flaky_in_run, fingerprint FROM results ORDER BY test, started_at, run;
DROP INDEX results_test;

-- tv_push_ms (0010) as one SQL expression instead of PL/pgSQL: the
-- planner inlines it into the rollup's UPDATE, where it ran three times a
-- row through the PL/pgSQL interpreter (a quarter of a second for every
-- 100,000 rows each time).  Same results (t/67-pg-functions.t).
CREATE OR REPLACE FUNCTION tv_push_ms(w BYTEA, ms BIGINT, repl BIGINT)
RETURNS BYTEA LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN ms IS NULL THEN w ELSE
	    substring(coalesce(w, '\x'::bytea) FROM CASE WHEN
	    least(length(coalesce(w, '\x'::bytea)) / 4, 50) = 50 AND
	    (coalesce(repl, 0) & 4294967295) = 0 THEN 5 ELSE 1 END FOR
	    4 * (least(length(coalesce(w, '\x'::bytea)) / 4, 50) -
	    CASE WHEN (coalesce(repl, 0) & 4294967295) <> 0 AND
	    length(coalesce(w, '\x'::bytea)) >= 4 THEN 1 WHEN
	    length(coalesce(w, '\x'::bytea)) >= 200 THEN 1 ELSE 0 END)) ||
	    set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea, 0,
	    CAST(greatest(least(ms, 2147483647), 0) & 255 AS INT)), 1,
	    CAST((greatest(least(ms, 2147483647), 0) >> 8) & 255 AS INT)), 2,
	    CAST((greatest(least(ms, 2147483647), 0) >> 16) & 255 AS INT)), 3,
	    CAST(greatest(least(ms, 2147483647), 0) >> 24 AS INT)) END
$$;
