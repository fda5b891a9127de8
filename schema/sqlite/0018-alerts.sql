-- Alert rules and their delivery (REP-5, issue 17).  alert_rules: a
-- project's rules, each its normalised definition (condition, its
-- parameters, branch glob, job, cool-down, channel, body format; JSON
-- checked by lib/passes/alertrule.c) with the webhook URL and the HMAC
-- secret apart, as only an admin sees those and never in full after
-- creation.  The batch `alerts` pass (lib/passes/alerts.c) opens an
-- alert_firings row when a rule's condition holds for a subject (a
-- branch and job, a test, a signal type on a branch): one open firing
-- per rule and subject, resolved when the condition stops holding; a
-- notification is queued in alert_deliveries unless one went out for
-- that rule and subject within the cool-down.  Every attempt to send it
-- is an alert_attempts row.  Firings and deliveries keep the rule's
-- name, so history outlives a deleted rule.
CREATE TABLE alert_rules (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	name		TEXT NOT NULL,
	definition	TEXT NOT NULL,
	url		TEXT,			-- webhook channel only
	secret		TEXT,
	enabled		INTEGER NOT NULL DEFAULT 1,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	UNIQUE (project_id, name)
);

CREATE TABLE alert_firings (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	rule_id		INTEGER NOT NULL,
	rule_name	TEXT NOT NULL,
	condition	TEXT NOT NULL,
	subject		TEXT NOT NULL,
	summary		TEXT NOT NULL,
	detail		TEXT NOT NULL DEFAULT '{}',
	opened_at	INTEGER NOT NULL,
	last_seen_at	INTEGER NOT NULL,
	matches		INTEGER NOT NULL DEFAULT 1,
	notified_at	INTEGER,
	resolved_at	INTEGER
);
CREATE UNIQUE INDEX alert_firings_open ON alert_firings(rule_id, subject)
    WHERE resolved_at IS NULL;
CREATE INDEX alert_firings_subject ON alert_firings(rule_id, subject,
    notified_at);
CREATE INDEX alert_firings_project ON alert_firings(project_id, id);

CREATE TABLE alert_deliveries (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects(id)
			    ON DELETE CASCADE,
	rule_id		INTEGER NOT NULL,
	rule_name	TEXT NOT NULL,
	firing_id	INTEGER,		-- NULL: a test send
	kind		TEXT NOT NULL,		-- firing, reminder, test
	channel		TEXT NOT NULL,		-- webhook, log
	body		TEXT NOT NULL,
	status		TEXT NOT NULL DEFAULT 'pending',
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_attempt_at	INTEGER,
	created_at	INTEGER NOT NULL,
	finished_at	INTEGER
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(project_id,
    next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_deliveries_project ON alert_deliveries(project_id, id);

CREATE TABLE alert_attempts (
	id		INTEGER PRIMARY KEY,
	delivery_id	INTEGER NOT NULL REFERENCES alert_deliveries(id)
			    ON DELETE CASCADE,
	at		INTEGER NOT NULL,
	status_code	INTEGER,		-- NULL: no HTTP answer
	error		TEXT,
	duration_ms	INTEGER NOT NULL
);
CREATE INDEX alert_attempts_delivery ON alert_attempts(delivery_id, id);
