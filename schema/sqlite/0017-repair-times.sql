-- GET /api/quality's time to repair (issue 16): the incidents closed,
-- counted per project, branch, UTC day of closing (ms of its midnight),
-- primary feature of the test (0: not mapped yet) and duration in whole
-- seconds, with the exact sum of their durations, so MTTR's mean, median
-- and groups read a few rows per day instead of every incident.  Kept
-- where incidents close (the rollup at ingest); the mapping pass rebuilds
-- a feature's rows when tests move to it, as an alias does.  Counted in
-- here from the incidents kept so far.
CREATE TABLE repair_times (
	project_id	INTEGER NOT NULL,
	day		INTEGER NOT NULL,
	branch		TEXT NOT NULL,
	feature		INTEGER NOT NULL,
	secs		INTEGER NOT NULL,
	n		INTEGER NOT NULL,
	sum_ms		INTEGER NOT NULL,
	PRIMARY KEY (project_id, day, branch, feature, secs)
) WITHOUT ROWID;
CREATE INDEX repair_times_feature ON repair_times(project_id, feature);
INSERT INTO repair_times (project_id, day, branch, feature, secs, n,
    sum_ms)
SELECT i.project_id, i.closed_at / 86400000 * 86400000, i.branch,
    coalesce(t.feature, 0), (i.closed_at - i.opened_at) / 1000, count(*),
    sum(i.closed_at - i.opened_at)
FROM incidents i JOIN tests t ON t.id = i.test
WHERE i.closed_at IS NOT NULL
GROUP BY i.project_id, i.closed_at / 86400000 * 86400000, i.branch,
    coalesce(t.feature, 0), (i.closed_at - i.opened_at) / 1000;
