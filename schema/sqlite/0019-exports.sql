-- Export jobs (REP-6, issue 17 item 5): POST /api/exports queues one, the
-- batch `exports` pass writes its file into export_dir (<job_id>.<ext>,
-- through a .part file renamed when whole), counting rows_done as it
-- goes, and expires it at expires_at (the file deleted, the row kept as
-- 'expired').  job_id is the public id, random hex.  query is the
-- normalised query JSON; snapshot the rows of a saved report, computed
-- when the job was asked for (NULL for the other kinds).  bytes is the
-- size written so far (the file's size once done), counted against
-- export_quota_mb.
CREATE TABLE export_jobs (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	job_id		TEXT NOT NULL UNIQUE,
	format		TEXT NOT NULL,
	query		TEXT NOT NULL,
	snapshot	TEXT,
	status		TEXT NOT NULL DEFAULT 'queued' CHECK (status IN
			    ('queued', 'running', 'done', 'failed',
			    'expired')),
	rows_done	INTEGER NOT NULL DEFAULT 0,
	rows_total	INTEGER,
	bytes		INTEGER NOT NULL DEFAULT 0,
	error		TEXT,
	created_at	INTEGER NOT NULL,
	started_at	INTEGER,
	finished_at	INTEGER,
	expires_at	INTEGER,
	file		TEXT
);
CREATE INDEX export_jobs_project ON export_jobs(project_id, id);
CREATE INDEX export_jobs_status ON export_jobs(status, project_id);
