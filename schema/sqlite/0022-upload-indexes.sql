-- Indexes every upload rewrote for little or no read (issue 18).
--
-- test_stats_p50 and test_stats_p95 ordered a project's tests by their
-- duration percentiles for the slowest list (API-22).  A percentile over
-- the last 50 durations changes on most uploads, so every upload deleted
-- and inserted two entries of each of its tests, on pages all over both
-- indexes: 0.5-0.6 s of a 3 s upload of 100,000 known tests.  The list
-- now scans the project's test_stats rows and keeps the top ones in a
-- sorter (4 ms for 10,000 tests, 40 ms for 100,000), as the regressions
-- beside it always did.
DROP INDEX test_stats_p50;
DROP INDEX test_stats_p95;

-- failure_groups_recent (by last seen) moved an entry of every failure
-- group an upload's failures joined, and no statement reads it: the
-- failures list ranks the groups from failure_tests and failure_streams
-- and finds each by its key.
DROP INDEX failure_groups_recent;
