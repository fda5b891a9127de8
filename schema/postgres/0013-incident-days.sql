-- GET /api/trends (issue 16): incidents opened and closed per project,
-- branch and UTC day (ms of its midnight), kept at ingest by the rollup
-- and when an alias closes incidents, so the incidents open at the end
-- of each interval are a running sum over days, not a scan of every
-- incident.  Counted in here from the incidents kept so far.
CREATE TABLE incident_days (
	project_id	BIGINT NOT NULL,
	branch		TEXT NOT NULL,
	day		BIGINT NOT NULL,
	opened		BIGINT NOT NULL DEFAULT 0,
	closed		BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (project_id, branch, day)
);
INSERT INTO incident_days (project_id, branch, day, opened, closed)
SELECT project_id, branch, day, sum(o), sum(c) FROM (
	SELECT project_id, branch, opened_at / 86400000 * 86400000 AS day,
	    1 AS o, 0 AS c FROM incidents
	UNION ALL
	SELECT project_id, branch, closed_at / 86400000 * 86400000, 0, 1
	FROM incidents WHERE closed_at IS NOT NULL
) AS spans GROUP BY project_id, branch, day;
