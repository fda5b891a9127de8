#!/bin/sh
# Export throughput and memory (REP-6, issue 17 item 5): for each run and
# format, one export job asked for through testvis-exports (as CGI) and
# written by its own `testvis batch --pass exports`, so the batch's time
# and peak RSS (its summary line: getrusage) are that job's.  Prints a
# table: run, rows, format, seconds, rows/s, file MB, peak RSS MB.
#
# Without CONF: a scratch SQLite database in $WORK with two runs made by
# SQL, `small` (SMALL results, 10,000) and `big` (BIG results,
# 1,000,000).  With CONF=/path/testvis.conf RUNS="run-id ...": the runs of
# an existing database (e.g. the 10M-result one; export_dir and
# export_quota_mb from that config; TOKEN=... when auth_read needs one).
#
#   sh bench/export-bench.sh
#   FORMATS="csv ndjson json xlsx junit" BIG=200000 sh bench/export-bench.sh
#   CONF=/srv/big/testvis.conf RUNS="run-0999" sh bench/export-bench.sh
set -e
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
WORK=${WORK:-/tmp/bench-work}/export
FORMATS=${FORMATS:-"csv xlsx"}
SMALL=${SMALL:-10000}
BIG=${BIG:-1000000}
PROJECT=${PROJECT:-default}
tv() { TESTVIS_CONF=$CONF "$BUILD/bin/testvis" "$@"; }

# mkrun NAME N FIRST_TEST_ID: a run of N results (a tenth failed, with a
# message) of N new tests, straight into the SQLite file
mkrun() {
	t0=1764000000000
	sqlite3 "$WORK/testvis.db" > /dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO runs (project_id, run_id, started_at, ingested_at, tests, passed, failed, branch)
    VALUES (1, '$1', $t0, $t0, $2, $2 - $2 / 10, $2 / 10, 'main');
WITH RECURSIVE n(i) AS (SELECT $3 UNION ALL SELECT i + 1 FROM n WHERE i < $3 + $2 - 1)
INSERT INTO tests (id, project_id, test_id, identity_path, name, base_name, classname, suite_path, first_seen_at)
    SELECT i, 1, printf('%016x', i), 'p/' || i, 'test_' || i, 'test_' || i, 'pkg.Class' || (i / 1000),
    'suite ' || (i / 10000), $t0 FROM n;
INSERT INTO results (run, test, shard, started_at, status, duration_ms)
    SELECT (SELECT id FROM runs WHERE run_id = '$1'), id, 0, $t0, CASE WHEN id % 10 = 0 THEN 1 ELSE 0 END,
    id % 1000 FROM tests WHERE id >= $3;
INSERT INTO result_texts (run, test, message)
    SELECT run, test, 'assertion failed, step "' || test || '"' FROM results
    WHERE status = 1 AND run = (SELECT id FROM runs WHERE run_id = '$1');
COMMIT;
SQL
}

if [ -z "$CONF" ]; then
	rm -rf "$WORK"
	mkdir -p "$WORK"
	CONF=$WORK/testvis.conf
	printf 'db = %s\nauth_read = public\nexport_dir = %s\nexport_quota_mb = 1000000\n' \
	    "$WORK/testvis.db" "$WORK/exp" > "$CONF"
	tv migrate > /dev/null
	tv project add default > /dev/null
	echo "making the runs: small ($SMALL results), big ($BIG results)" >&2
	mkrun small "$SMALL" 1
	mkrun big "$BIG" $((SMALL + 1))
	RUNS=${RUNS:-"small big"}
fi

# post BODY: the job id POST /api/exports answers
post() {
	printf '%s' "$1" | env -i PATH="$PATH" TESTVIS_CONF="$CONF" \
	    GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    REQUEST_URI="/api/exports?project=$PROJECT" SCRIPT_NAME=/api/exports \
	    QUERY_STRING="project=$PROJECT" SERVER_PROTOCOL=HTTP/1.1 \
	    REMOTE_ADDR=127.0.0.1 CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=${#1} ${TOKEN:+HTTP_AUTHORIZATION="Bearer $TOKEN"} \
	    "$BUILD/cgi-bin/testvis-exports" 2> /dev/null | sed -n 's/.*"job_id":"\([0-9a-f]*\)".*/\1/p'
}

printf '%-12s %9s %-6s %8s %10s %9s %8s\n' run rows format seconds rows/s "file MB" "RSS MB"
for run in $RUNS; do
	for fmt in $FORMATS; do
		job=$(post "{\"format\":\"$fmt\",\"query\":{\"kind\":\"run\",\"run_id\":\"$run\"}}")
		if [ -z "$job" ]; then
			echo "export-bench: POST /api/exports for $run failed" >&2
			exit 1
		fi
		line=$(tv batch --pass exports --project "$PROJECT" | grep '^batch: exports')
		echo "$line" | awk -v run="$run" -v fmt="$fmt" '{
			s = $5; rows = $0; mb = $0; rss = $0
			sub(/.* jobs done, /, "", rows); sub(/ rows.*/, "", rows)
			sub(/.* rows, /, "", mb); sub(/ MB.*/, "", mb)
			sub(/.*peak RSS /, "", rss); sub(/ MB.*/, "", rss)
			printf "%-12s %9d %-6s %8.2f %10.0f %9s %8s\n", run, rows, fmt, s,
			    (s > 0 ? rows / s : 0), mb, rss }'
		case "$line" in
		*" 1 jobs done"*) ;;
		*) echo "export-bench: $line" >&2 ;;
		esac
	done
done
