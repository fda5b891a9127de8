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
-- alias), so no writer can forget them.  A day whose count falls to 0
-- goes.  Reads add the pending runs' results and take off their rows in
-- the copy, as the by-test reads do (lib/db/history.h); a window's first
-- day, cut by the window, is counted from result_history.
CREATE TABLE history_days (
	test		INTEGER NOT NULL,
	day		INTEGER NOT NULL,
	results		INTEGER NOT NULL,
	timed		INTEGER NOT NULL,	-- duration_ms IS NOT NULL
	passed		INTEGER NOT NULL,	-- status 0
	failed		INTEGER NOT NULL,	-- status 1 or 2 (failed, error)
	PRIMARY KEY (test, day)
) WITHOUT ROWID;

INSERT INTO history_days (test, day, results, timed, passed, failed)
    SELECT test, started_at / 86400000, count(*), count(duration_ms),
    count(*) FILTER (WHERE status = 0),
    count(*) FILTER (WHERE status IN (1, 2))
    FROM result_history GROUP BY test, started_at / 86400000;

CREATE TRIGGER history_days_insert AFTER INSERT ON result_history
BEGIN
	INSERT INTO history_days (test, day, results, timed, passed, failed)
	    VALUES (new.test, new.started_at / 86400000, 1,
	    new.duration_ms IS NOT NULL, new.status = 0, new.status IN (1, 2))
	    ON CONFLICT (test, day) DO UPDATE SET
	    results = results + 1, timed = timed + excluded.timed,
	    passed = passed + excluded.passed,
	    failed = failed + excluded.failed;
END;

CREATE TRIGGER history_days_delete AFTER DELETE ON result_history
BEGIN
	UPDATE history_days SET results = results - 1,
	    timed = timed - (old.duration_ms IS NOT NULL),
	    passed = passed - (old.status = 0),
	    failed = failed - (old.status IN (1, 2))
	    WHERE test = old.test AND day = old.started_at / 86400000;
	DELETE FROM history_days WHERE test = old.test AND
	    day = old.started_at / 86400000 AND results = 0;
END;

CREATE TRIGGER history_days_update AFTER UPDATE OF test, started_at,
    status, duration_ms ON result_history
BEGIN
	UPDATE history_days SET results = results - 1,
	    timed = timed - (old.duration_ms IS NOT NULL),
	    passed = passed - (old.status = 0),
	    failed = failed - (old.status IN (1, 2))
	    WHERE test = old.test AND day = old.started_at / 86400000;
	DELETE FROM history_days WHERE test = old.test AND
	    day = old.started_at / 86400000 AND results = 0;
	INSERT INTO history_days (test, day, results, timed, passed, failed)
	    VALUES (new.test, new.started_at / 86400000, 1,
	    new.duration_ms IS NOT NULL, new.status = 0, new.status IN (1, 2))
	    ON CONFLICT (test, day) DO UPDATE SET
	    results = results + 1, timed = timed + excluded.timed,
	    passed = passed + excluded.passed,
	    failed = failed + excluded.failed;
END;
