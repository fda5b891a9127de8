-- The SQL functions the statements use, with the same names, argument
-- counts and results as SQLite's, which are C registered on every
-- connection (lib/db/db_sqlite_fn.c; lib/db/rollup.c says what each
-- computes; t/67-pg-functions.t compares the two on many inputs).  At
-- the end, SQLite's own scalar max(a, b), min(a, b) and instr(s, sub),
-- which PostgreSQL lacks, so that the statements using them stay
-- portable.
--
-- A status window is TEXT, one character per run, oldest first: P passed,
-- F failed, E error, S skipped, ? any other status.  A duration window is
-- BYTEA, little-endian int32 milliseconds, oldest first.  Both keep
-- ROLLUP_WINDOW (50) entries: the 50s and 49s below.
--
-- As in the C: a NULL window is an empty one, a NULL status, flag or
-- percentile is 0, a NULL duration leaves the window as it is, and integer
-- arguments count by their low 32 bits (the C's int), so a flag of
-- 4294967296 is 0.  tv_fail_rate and tv_flip_rate count bytes, as the C
-- does; tv_push_status counts characters (the same in the ASCII windows
-- these functions make).  The replace flag is BIGINT (SQLite's 0/1) or
-- BOOLEAN (a comparison such as last_run = $1 is boolean on PostgreSQL);
-- an untyped parameter there matches both, so a statement passing one
-- writes CAST(? AS BIGINT).  A negative percentile is undefined in the C
-- (a negative double cast to size_t); here it is the lowest entry.  Not
-- STRICT: NULLs have the meanings above.

-- tv_push_status(window, status 0..3, replace): the window with the
-- status's character appended (replacing the newest one when replace is
-- set), the oldest dropped beyond 50.
CREATE OR REPLACE FUNCTION tv_push_status(w TEXT, status BIGINT, repl BIGINT)
RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT right(left(coalesce(w, ''), length(coalesce(w, '')) -
	    CASE WHEN (coalesce(repl, 0) & 4294967295) <> 0 AND w <> ''
	    THEN 1 ELSE 0 END), 49) ||
	    CASE coalesce(status, 0) & 4294967295 WHEN 0 THEN 'P'
	    WHEN 1 THEN 'F' WHEN 2 THEN 'E' WHEN 3 THEN 'S' ELSE '?' END
$$;

CREATE OR REPLACE FUNCTION tv_push_status(w TEXT, status BIGINT, repl BOOLEAN)
RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT tv_push_status(w, status,
	    CAST(CASE WHEN repl THEN 1 ELSE 0 END AS BIGINT))
$$;

-- tv_push_ms(window, ms, replace): the duration window (its first 50
-- entries) with ms appended, clamped to 0 .. 2^31-1, replacing the newest
-- entry when replace is set, the oldest dropped beyond 50.  A NULL ms
-- gives back the window unchanged (NULL stays NULL).
CREATE OR REPLACE FUNCTION tv_push_ms(w BYTEA, ms BIGINT, repl BIGINT)
RETURNS BYTEA LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	b	BYTEA := coalesce(w, '');
	n	INT := least(length(b) / 4, 50);	-- entries kept
	v	INT := CAST(greatest(least(ms, 2147483647), 0) AS INT);
	le	BYTEA;
BEGIN
	IF ms IS NULL THEN
		RETURN w;
	END IF;
	IF (coalesce(repl, 0) & 4294967295) <> 0 AND n > 0 THEN
		n := n - 1;
	END IF;
	le := set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea,
	    0, v & 255), 1, (v >> 8) & 255), 2, (v >> 16) & 255), 3, v >> 24);
	IF n = 50 THEN
		RETURN substring(b FROM 5 FOR 196) || le;
	END IF;
	RETURN substring(b FROM 1 FOR 4 * n) || le;
END
$$;

CREATE OR REPLACE FUNCTION tv_push_ms(w BYTEA, ms BIGINT, repl BOOLEAN)
RETURNS BYTEA LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT tv_push_ms(w, ms,
	    CAST(CASE WHEN repl THEN 1 ELSE 0 END AS BIGINT))
$$;

-- Internal to tv_pct and tv_half_pct (SQLite has no such function; the
-- statements never call it): the nearest-rank percentile p of the m
-- duration entries from entry lo on, with the C's rank (the same double
-- arithmetic) clamped to 1 .. m; NULL when there are none.  Called from
-- PL/pgSQL, which keeps its plan for the transaction (called from a SQL
-- function that is not inlined, it would be planned again on every row).
CREATE OR REPLACE FUNCTION tv_ms_rank(w BYTEA, lo INT, m INT, p DOUBLE PRECISION)
RETURNS BIGINT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CAST(get_byte(w, 4 * i) | (get_byte(w, 4 * i + 1) << 8) |
	    (get_byte(w, 4 * i + 2) << 16) | (get_byte(w, 4 * i + 3) << 24)
	    AS BIGINT) AS v
	FROM generate_series(lo, lo + m - 1) AS i ORDER BY v
	OFFSET CAST(greatest(least(floor(coalesce(p, 0) /
	    CAST(100 AS DOUBLE PRECISION) * CAST(m AS DOUBLE PRECISION) +
	    CAST(0.999999 AS DOUBLE PRECISION)), m), 1) - 1 AS BIGINT)
	LIMIT 1
$$;

-- tv_pct(window, p): the nearest-rank percentile p of a duration window
-- (its first 50 entries, a partial trailing entry ignored); NULL for an
-- empty one.
CREATE OR REPLACE FUNCTION tv_pct(w BYTEA, p DOUBLE PRECISION)
RETURNS BIGINT LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	RETURN tv_ms_rank(w, 0, least(coalesce(length(w), 0) / 4, 50), p);
END
$$;

-- tv_half_pct(window, half, p): the percentile p of the older half of
-- the n entries (half 0: the first n/2) or of the newer one (the rest);
-- NULL under 6 entries.
CREATE OR REPLACE FUNCTION tv_half_pct(w BYTEA, half BIGINT, p DOUBLE PRECISION)
RETURNS BIGINT LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	n	INT := least(coalesce(length(w), 0) / 4, 50);
BEGIN
	IF n < 6 THEN
		RETURN NULL;
	ELSIF (coalesce(half, 0) & 4294967295) = 0 THEN
		RETURN tv_ms_rank(w, 0, n / 2, p);
	END IF;
	RETURN tv_ms_rank(w, n / 2, n - n / 2, p);
END
$$;

-- tv_fail_rate(window): failures and errors / runs that ran (not S);
-- NULL when none ran.
CREATE OR REPLACE FUNCTION tv_fail_rate(w TEXT)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN octet_length(replace(w, 'S', '')) > 0 THEN
	    CAST(octet_length(w) - octet_length(replace(replace(w, 'F', ''),
	    'E', '')) AS DOUBLE PRECISION) /
	    CAST(octet_length(replace(w, 'S', '')) AS DOUBLE PRECISION) END
$$;

-- tv_flip_rate(window): changes between pass (P) and not pass among the
-- runs that ran (skips ignored) per pair of consecutive ones; 0 with
-- fewer than two runs or fewer than two changes (rollup_flip_rate()).
CREATE OR REPLACE FUNCTION tv_flip_rate(w TEXT)
RETURNS DOUBLE PRECISION LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	ran	TEXT := replace(coalesce(w, ''), 'S', '');
	pf	TEXT := regexp_replace(ran, '[^P]', 'f', 'g');	-- P, f
	n	INT := octet_length(ran);
	flips	INT := (octet_length(pf) -
	    octet_length(replace(pf, 'Pf', ''))) / 2 +
	    (octet_length(pf) - octet_length(replace(pf, 'fP', ''))) / 2;
BEGIN
	IF n < 2 OR flips < 2 THEN
		RETURN 0;
	END IF;
	RETURN CAST(flips AS DOUBLE PRECISION) /
	    CAST(n - 1 AS DOUBLE PRECISION);
END
$$;

-- SQLite's scalar max(a, b) and min(a, b): the larger or smaller of two
-- values, NULL when either is NULL (PostgreSQL's GREATEST and LEAST skip
-- NULLs, and SQLite has neither), so that statements using them stay
-- portable.  The aggregates max(x) and min(x) are unaffected: they take
-- one argument.  Texts compare byte for byte, as SQLite's BINARY
-- collation does.
CREATE OR REPLACE FUNCTION max(a INT, b INT)
RETURNS INT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a >= b THEN a WHEN a < b THEN b END
$$;
CREATE OR REPLACE FUNCTION max(a BIGINT, b BIGINT)
RETURNS BIGINT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a >= b THEN a WHEN a < b THEN b END
$$;
CREATE OR REPLACE FUNCTION max(a DOUBLE PRECISION, b DOUBLE PRECISION)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a >= b THEN a WHEN a < b THEN b END
$$;
CREATE OR REPLACE FUNCTION max(a NUMERIC, b NUMERIC)
RETURNS NUMERIC LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a >= b THEN a WHEN a < b THEN b END
$$;
CREATE OR REPLACE FUNCTION max(a TEXT, b TEXT)
RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a >= b COLLATE "C" THEN a
	    WHEN a < b COLLATE "C" THEN b END
$$;
CREATE OR REPLACE FUNCTION min(a INT, b INT)
RETURNS INT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a <= b THEN a WHEN a > b THEN b END
$$;
CREATE OR REPLACE FUNCTION min(a BIGINT, b BIGINT)
RETURNS BIGINT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a <= b THEN a WHEN a > b THEN b END
$$;
CREATE OR REPLACE FUNCTION min(a DOUBLE PRECISION, b DOUBLE PRECISION)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a <= b THEN a WHEN a > b THEN b END
$$;
CREATE OR REPLACE FUNCTION min(a NUMERIC, b NUMERIC)
RETURNS NUMERIC LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a <= b THEN a WHEN a > b THEN b END
$$;
CREATE OR REPLACE FUNCTION min(a TEXT, b TEXT)
RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a <= b COLLATE "C" THEN a
	    WHEN a > b COLLATE "C" THEN b END
$$;

-- SQLite's instr(s, sub): the 1-based position of sub's first occurrence
-- in s, 0 when none, NULL when either is NULL (PostgreSQL's strpos).
CREATE OR REPLACE FUNCTION instr(s TEXT, sub TEXT)
RETURNS INT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT strpos(s, sub)
$$;
