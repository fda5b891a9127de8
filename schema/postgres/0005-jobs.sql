-- Jobs (issue 13): a run belongs to the CI job or suite stream that made
-- it (`unit`, `e2e-chrome`, ...).  Runs of one (branch, job) form a
-- stream; NULL is the unnamed job of uploads that give none, kept as they
-- were.  The index serves the job filter of the runs list and "the
-- previous run of this stream".
ALTER TABLE runs ADD COLUMN job TEXT;
CREATE INDEX runs_stream ON runs(project_id, branch, job, started_at, id);
