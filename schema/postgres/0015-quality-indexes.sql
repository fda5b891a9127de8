-- GET /api/quality (issue 16): the time to repair reads the incidents
-- closed since a time from this narrow covering index, not the wide
-- incident rows with their messages.
CREATE INDEX incidents_closed ON incidents(project_id, closed_at, branch,
    opened_at, test) WHERE closed_at IS NOT NULL;
