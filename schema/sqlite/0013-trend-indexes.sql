-- GET /api/trends (issue 16): the incidents open at each interval's end
-- are the spans [opened_at, closed_at) reaching into the window, found
-- (still open, or closed after its start) from this narrow covering
-- index rather than the wide incident rows with their messages.
CREATE INDEX incidents_span ON incidents(project_id, closed_at, opened_at,
    branch);
