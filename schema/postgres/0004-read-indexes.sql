-- Read-side indexes (PERF-2).
--
-- API-22 (slowest): the top tests by p50 or p95 come from an index range
-- instead of a sort of every test's rollup, and the regression prefilter
-- (p95_ms >= 50) reads only the tests it keeps.  The key ends with the
-- rowid so "ORDER BY p95_ms DESC, test DESC" needs no sort.  Each costs
-- ingest one index update per test whose percentile moved.
CREATE INDEX test_stats_p50 ON test_stats(project_id, p50_ms, test);
CREATE INDEX test_stats_p95 ON test_stats(project_id, p95_ms, test);

-- API-3 (dashboard): the counts by last status and the active tests come
-- from this covering index (a few bytes a test) instead of a scan of the
-- wide rollup rows.
CREATE INDEX test_stats_status ON test_stats(project_id, last_status,
    last_seen_at);

-- API-20 (correlate): the tests a set of runs broke, by the run whose
-- failure opened the incident.
CREATE INDEX incidents_opened ON incidents(opened_run);
