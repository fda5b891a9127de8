-- Indexes every upload rewrote for little or no read (issue 18).
--
-- test_stats_p50 and test_stats_p95 ordered a project's tests by their
-- duration percentiles for the slowest list (API-22).  A percentile over
-- the last 50 durations changes on most uploads, so every upload deleted
-- and inserted two entries of each of its tests, on pages all over both
-- indexes: 0.5-0.6 s of a 3 s upload of 100,000 known tests.  One
-- partial index of the slow tests (p95 of 50 ms and more) replaces them:
-- an upload moves the entries of those tests only, and the slowest list
-- reads it first (every test with a p50 of 50 ms or more is in it, as
-- p50 <= p95), scanning every test only when it holds fewer than the
-- list asks for; the regressions beside it always read tests from 50 ms.
DROP INDEX test_stats_p50;
DROP INDEX test_stats_p95;
CREATE INDEX test_stats_slow ON test_stats(project_id, p95_ms, test)
    WHERE p95_ms >= 50;

-- failure_groups_recent (by last seen) moved an entry of every failure
-- group an upload's failures joined, and no statement reads it: the
-- failures list ranks the groups from failure_tests and failure_streams
-- and finds each by its key.
DROP INDEX failure_groups_recent;
