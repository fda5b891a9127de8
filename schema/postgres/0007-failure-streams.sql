-- Failure groups by stream (issue 13 item 7): GET /api/failures filters
-- its groups by branch and job and ranks them by the tests they affect,
-- so ingest keeps, per group, which tests failed on which (branch, job)
-- of runs.  branch '' is a run without one; job '' is the unnamed job
-- (runs.job NULL; a named job is never empty).  The unfiltered list stays
-- on failure_groups and failure_tests.  The failures stored so far are
-- counted in from results, under the fingerprints they have; those that
-- retention already deleted are in the unfiltered list only.
CREATE TABLE failure_streams (
	project_id	BIGINT NOT NULL,
	fingerprint	TEXT NOT NULL,
	branch		TEXT NOT NULL,
	job		TEXT NOT NULL,
	test		BIGINT NOT NULL,
	occurrences	BIGINT NOT NULL,
	last_seen_at	BIGINT NOT NULL,
	PRIMARY KEY (project_id, fingerprint, branch, job, test)
);
INSERT INTO failure_streams (project_id, fingerprint, branch, job, test,
    occurrences, last_seen_at)
    SELECT u.project_id, r.fingerprint, coalesce(u.branch, ''),
    coalesce(u.job, ''), r.test, count(*), max(u.started_at)
    FROM results r JOIN runs u ON u.id = r.run
    WHERE r.status IN (1, 2) AND r.fingerprint IS NOT NULL
    GROUP BY u.project_id, r.fingerprint, coalesce(u.branch, ''),
    coalesce(u.job, ''), r.test;
