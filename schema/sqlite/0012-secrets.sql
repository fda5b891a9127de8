-- Server secrets made on first use and shared by every program and host
-- on this database (issue 15): "live_ticket" signs the short-lived
-- tickets a browser's EventSource follows a project's live updates with.
CREATE TABLE secrets (
	name		TEXT PRIMARY KEY,
	value		TEXT NOT NULL,
	created_at	INTEGER NOT NULL
);
