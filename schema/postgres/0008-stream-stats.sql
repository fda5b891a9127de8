-- Rollups per stream (issue 13 item 4): the dashboard's counts, the
-- health tree, the features and the catalogue answer for one branch
-- (the default unless branch= says otherwise) and job, so ingest keeps,
-- next to each test's project-wide row in test_stats, one row per
-- (branch, job) it ran in: latest status, counters and status window.
-- branch '' is a run without one; job '' is the unnamed job (runs.job
-- NULL; a named job is never empty).  flaky_at is when the flaky pass
-- last found evidence (a same-sha conflict, a retry pass or a flip) in
-- this stream.
CREATE TABLE stream_stats (
	project_id	BIGINT NOT NULL,
	branch		TEXT NOT NULL,
	job		TEXT NOT NULL,
	test		BIGINT NOT NULL,
	last_status	TEXT NOT NULL,
	last_run	BIGINT NOT NULL,
	last_result_at	BIGINT NOT NULL,
	last_passed_at	BIGINT,
	last_failed_at	BIGINT,
	runs_count	BIGINT NOT NULL DEFAULT 0,
	passed_count	BIGINT NOT NULL DEFAULT 0,
	failed_count	BIGINT NOT NULL DEFAULT 0,
	error_count	BIGINT NOT NULL DEFAULT 0,
	skipped_count	BIGINT NOT NULL DEFAULT 0,
	recent		TEXT NOT NULL DEFAULT '',	-- last 50: P F E S
	fail_rate	DOUBLE PRECISION,
	flaky_at	BIGINT,
	PRIMARY KEY (project_id, branch, job, test)
);
CREATE INDEX stream_stats_test ON stream_stats(test);

-- The history kept so far, counted in: per stream and test, the latest
-- result, the counters, the newest 50 statuses oldest first (a window
-- aggregate keeps their order) and the failure share of those.  Results
-- that retention already deleted are not counted (their runs' counts
-- stay in the runs table).
INSERT INTO stream_stats (project_id, branch, job, test, last_status,
    last_run, last_result_at, last_passed_at, last_failed_at, runs_count,
    passed_count, failed_count, error_count, skipped_count, recent,
    fail_rate)
SELECT project_id, branch, job, test, CASE status WHEN 0 THEN 'passed'
    WHEN 1 THEN 'failed' WHEN 2 THEN 'error' ELSE 'skipped' END,
    run, started_at, passed_at, failed_at, n, np, nf, ne, ns, recent,
    CASE WHEN ran > 0 THEN CAST(bad AS DOUBLE PRECISION) / ran END
FROM (SELECT u.project_id, coalesce(u.branch, '') AS branch,
    coalesce(u.job, '') AS job, r.test, r.status, r.run, r.started_at,
    max(CASE WHEN r.status = 0 THEN r.started_at END) OVER w AS passed_at,
    max(CASE WHEN r.status IN (1, 2) THEN r.started_at END) OVER w
	AS failed_at,
    count(*) OVER w AS n,
    sum(CASE WHEN r.status = 0 THEN 1 ELSE 0 END) OVER w AS np,
    sum(CASE WHEN r.status = 1 THEN 1 ELSE 0 END) OVER w AS nf,
    sum(CASE WHEN r.status = 2 THEN 1 ELSE 0 END) OVER w AS ne,
    sum(CASE WHEN r.status = 3 THEN 1 ELSE 0 END) OVER w AS ns,
    string_agg(substr('PFES', CAST(r.status AS INTEGER) + 1, 1), '') OVER (w ROWS
	BETWEEN 49 PRECEDING AND CURRENT ROW) AS recent,
    sum(CASE WHEN r.status IN (1, 2) THEN 1 ELSE 0 END) OVER (w ROWS BETWEEN 49 PRECEDING AND
	CURRENT ROW) AS bad,
    sum(CASE WHEN r.status <> 3 THEN 1 ELSE 0 END) OVER (w ROWS BETWEEN 49 PRECEDING AND CURRENT ROW)
	AS ran,
    row_number() OVER (PARTITION BY u.project_id, coalesce(u.branch, ''),
	coalesce(u.job, ''), r.test ORDER BY r.started_at DESC, r.run DESC)
	AS newest
    FROM results r JOIN runs u ON u.id = r.run
    WINDOW w AS (PARTITION BY u.project_id, coalesce(u.branch, ''),
	coalesce(u.job, ''), r.test ORDER BY r.started_at, r.run)) AS h
WHERE newest = 1;

-- The flaky evidence kept so far (its newest 20 items per test) says in
-- which streams each flaky test was seen flaking.
UPDATE stream_stats SET flaky_at = (SELECT max((e.value->>'at')::bigint)
    FROM flaky_states f, jsonb_array_elements(f.evidence) e
    WHERE f.test = stream_stats.test AND
    coalesce(e.value->>'branch', '') = stream_stats.branch
    AND coalesce(e.value->>'job', '') = stream_stats.job)
WHERE test IN (SELECT test FROM flaky_states);
