-- Flaky per stream (issue 13 item 5): the flaky pass (FLK-1) judges flip
-- rates within one stream, a (branch, job) of runs, so that a test that
-- fails steadily on one branch or job is never flaky because it passed
-- on another.  flaky_windows gains the job: '' is the unnamed job
-- (runs.job NULL; a named job is never empty).  The windows kept so far
-- mixed the jobs of a branch; they carry on as the unnamed job's.
CREATE TABLE flaky_windows_v2 (
	test		BIGINT NOT NULL,
	branch		TEXT NOT NULL,
	job		TEXT NOT NULL DEFAULT '',
	recent		TEXT NOT NULL DEFAULT '',
	last_run	BIGINT NOT NULL,
	PRIMARY KEY (test, branch, job)
);
INSERT INTO flaky_windows_v2 (test, branch, job, recent, last_run)
    SELECT test, branch, '', recent, last_run FROM flaky_windows;
DROP TABLE flaky_windows;
ALTER TABLE flaky_windows_v2 RENAME TO flaky_windows;
-- The job of flip_branch's flip_rate: the stream the flip monitor judged
-- (NULL: the unnamed job, or no flip seen).
ALTER TABLE flaky_states ADD COLUMN flip_job TEXT;
