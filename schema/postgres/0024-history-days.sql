-- history_days (issue 18): a test's copied results counted per UTC day,
-- so that a test's totals (API-10's results, API-11's timed results) and
-- its uptime over a window (API-12) read a day's row instead of counting
-- every result: on the PERF-2 database each of those counted a thousand
-- rows of result_history per request (120-200 us of SQL), where the
-- fixed FastCGI responder answers in about 140 us.
--
-- Its rows always count exactly the rows of result_history (day:
-- started_at / 86400000): triggers follow every write to result_history,
-- whoever makes it (the history pass, retention, a dropped run, an
-- alias, testvis copy), so no writer can forget them.  A day whose count falls to 0
-- goes.  Reads add the pending runs' results and take off their rows in
-- the copy, as the by-test reads do (lib/db/history.h); a window's first
-- day, cut by the window, is counted from result_history.
-- On PostgreSQL the
-- triggers run once per statement over its transition tables, so a copy
-- of a run (or testvis copy's COPY) counts its rows in one aggregate.
CREATE TABLE history_days (
	test		BIGINT NOT NULL,
	day		BIGINT NOT NULL,
	results		BIGINT NOT NULL,
	timed		BIGINT NOT NULL,	-- duration_ms IS NOT NULL
	passed		BIGINT NOT NULL,	-- status 0
	failed		BIGINT NOT NULL,	-- status 1 or 2 (failed, error)
	PRIMARY KEY (test, day)
);

INSERT INTO history_days (test, day, results, timed, passed, failed)
    SELECT test, started_at / 86400000, count(*), count(duration_ms),
    count(*) FILTER (WHERE status = 0),
    count(*) FILTER (WHERE status IN (1, 2))
    FROM result_history GROUP BY test, started_at / 86400000;

-- adds the rows of the transition table added_rows
CREATE FUNCTION history_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO history_days AS d (test, day, results, timed, passed,
	    failed)
	    SELECT test, started_at / 86400000, count(*), count(duration_ms),
	    count(*) FILTER (WHERE status = 0),
	    count(*) FILTER (WHERE status IN (1, 2))
	    FROM added_rows GROUP BY test, started_at / 86400000
	    ON CONFLICT (test, day) DO UPDATE SET
	    results = d.results + excluded.results,
	    timed = d.timed + excluded.timed,
	    passed = d.passed + excluded.passed,
	    failed = d.failed + excluded.failed;
	RETURN NULL;
END
$$;

-- takes off the rows of the transition table removed_rows
CREATE FUNCTION history_days_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE history_days AS d SET results = d.results - o.results,
	    timed = d.timed - o.timed, passed = d.passed - o.passed,
	    failed = d.failed - o.failed
	    FROM (SELECT test, started_at / 86400000 AS day,
	    count(*) AS results, count(duration_ms) AS timed,
	    count(*) FILTER (WHERE status = 0) AS passed,
	    count(*) FILTER (WHERE status IN (1, 2)) AS failed
	    FROM removed_rows GROUP BY test, started_at / 86400000) AS o
	    WHERE d.test = o.test AND d.day = o.day;
	DELETE FROM history_days AS d USING (SELECT DISTINCT test,
	    started_at / 86400000 AS day FROM removed_rows) AS o
	    WHERE d.test = o.test AND d.day = o.day AND d.results = 0;
	RETURN NULL;
END
$$;

CREATE TRIGGER history_days_insert AFTER INSERT ON result_history
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION history_days_add();
CREATE TRIGGER history_days_delete AFTER DELETE ON result_history
    REFERENCING OLD TABLE AS removed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION history_days_remove();
-- an UPDATE: its old rows off, then (triggers fire by name) its new rows on
CREATE TRIGGER history_days_update_1 AFTER UPDATE ON result_history
    REFERENCING OLD TABLE AS removed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION history_days_remove();
CREATE TRIGGER history_days_update_2 AFTER UPDATE ON result_history
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION history_days_add();

-- a test's rows of a run, for the reads' take-off of a pending run's rows
-- in the copy (SQLite's index on run holds the key's test already)
DROP INDEX result_history_run;
CREATE INDEX result_history_run ON result_history(run, test);
