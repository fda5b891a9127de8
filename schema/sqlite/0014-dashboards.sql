-- Dashboards (REP-4, issue 16): a project's named layouts of widgets,
-- each {"type", "title"?, "width"?, "params"} in display order (the
-- JSON array in `widgets`, validated by lib/views/dashboards.c before it
-- is stored).  `version` grows with every change; the ETag follows it.
CREATE TABLE dashboards (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	name		TEXT NOT NULL,
	widgets		TEXT NOT NULL,
	version		INTEGER NOT NULL DEFAULT 1,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	UNIQUE (project_id, name)
);
