#!/bin/sh
# PERF-2: every read endpoint through lighttpd on a database of RUNS runs x
# TESTS tests (default 1000 x 10000 = 10M results), built through the real
# ingest path (`testvis ingest` of generated reports).  Prints median and
# p99 latency and requests/s per endpoint (wrk on loopback, bounded), and
# for the point endpoints (API-8 ... API-13) the ratio of their requests/s
# to a minimal FastCGI responder returning a fixed JSON of the same size
# through the same lighttpd, and to lighttpd serving that JSON as a static
# file, measured in the same run.
#
#   sh bench/read-bench.sh            # RUNS=1000 TESTS=10000 DUR=5 CONN=4
#   RUNS=100 TESTS=2000 sh bench/read-bench.sh   # a quick look
#   CACHE=0 sh bench/read-bench.sh    # response cache off: every request
#                                     # computes its answer
#   TRACE=1 sh bench/read-bench.sh    # also the cost of tracing (DEP-3)
#   FLOOR=1 CACHE=0 sh bench/read-bench.sh   # also each point endpoint's
#                                     # floor: its SQL alone
#
# TRACE=1 starts a second lighttpd on the same database whose programs
# write every request's trace to $WORK/trace.jsonl; each round of a point
# endpoint then also measures it there, right after the untraced one, and
# the "traced" column gives traced req/s as a share of untraced req/s.
#
# The point endpoints are measured ROUNDS times (default 3), each round
# the endpoint, then the FastCGI baseline, then the static file, so the
# ratio compares measurements taken side by side on a noisy machine; the
# table shows medians over the rounds.  SPREAD=1 (the default) adds, per
# point endpoint, a row requesting it for every test in turn ("spread"),
# which a response cache cannot serve from memory.
#
# FLOOR=1 (SQLite, CACHE=0) adds, per point endpoint, a row "floor":
# the fixed responder running, before each answer, the SQL one request of
# the endpoint runs (its values written in, prepared once, every column of
# every row read): what any program answering from this database must
# spend at least, without building its answer, measured in the same
# rounds.  The SQL is that of the second of two requests to a FastCGI
# process (a third lighttpd, one process a program, bench/sqlrec.c
# preloaded), so what a process keeps between requests is left out.
#
# FIXED_CLOSE=at-once has the fixed responder (and the floor) end each
# connection as testvis's programs do, closed at once once the request
# is read; the default, linger, keeps libfcgi's close (shut the sending
# side down, wait for lighttpd to close its end), the baseline issue 18
# measured against.
#
# The database is built once into $WORK/history-RUNSxTESTS.db and reused;
# BUILD_ONLY=1 stops after building it.
#
# ENGINE=sqlite (the default), postgresql or both.  postgresql and both
# start a private PostgreSQL cluster in $WORK/pg (t/lib/pg-cluster),
# create and migrate a database there and `testvis copy --to` the SQLite
# history into it (built once through the ingest path, never twice), then
# VACUUM ANALYZE it (what autovacuum does after a bulk load); the cluster
# is stopped by its PID at exit.  postgresql measures the programs on it
# (today's table); both starts a second lighttpd on the PostgreSQL
# database and measures each endpoint on SQLite then on PostgreSQL, side
# by side (the point endpoints: ROUNDS rounds of SQLite, PostgreSQL, the
# FastCGI baseline), in a table of p50, p99 and req/s per engine, the
# ratio of PostgreSQL's req/s to SQLite's and each one's to the baseline.
#   ENGINE=both RUNS=100 TESTS=2000 DUR=3 sh bench/read-bench.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$top/build}
RUNS=${RUNS:-1000}
TESTS=${TESTS:-10000}
DUR=${DUR:-5}
ROUNDS=${ROUNDS:-3}
CACHE=${CACHE:-1}
SPREAD=${SPREAD:-1}
FLOOR=${FLOOR:-0}
TRACE=${TRACE:-0}
FIXED_CLOSE=${FIXED_CLOSE:-linger}
CONN=${CONN:-4}
MAX_PROCS=${MAX_PROCS:-2}
ENGINE=${ENGINE:-sqlite}
case $ENGINE in
sqlite|postgresql|both) ;;
*) echo "read-bench: ENGINE must be sqlite, postgresql or both" >&2; exit 2 ;;
esac
if [ "$FLOOR" = 1 ] && { [ "$ENGINE" != sqlite ] || [ "$CACHE" != 0 ]; }; then
	echo "read-bench: FLOOR=1 takes ENGINE=sqlite and CACHE=0" >&2
	exit 2
fi
if [ "$ENGINE" = both ] && [ "$TRACE" = 1 ]; then
	echo "read-bench: TRACE=1 takes ENGINE=sqlite or postgresql" >&2
	exit 2
fi
WORK=${WORK:-/tmp/bench-work/read}
mkdir -p "$WORK"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
db=$WORK/history-${RUNS}x${TESTS}.db
conf=$WORK/testvis.conf
printf 'db = %s\nauth_read = public\nauth_ingest = open\n' "$db" > "$conf"
[ "$CACHE" = 0 ] && echo 'response_cache_kb = 0' >> "$conf"
export TESTVIS_CONF=$conf
tv=$BUILD/bin/testvis

if [ ! -s "$db.done" ]; then
	rm -f "$db" "$db-wal" "$db-shm"
	"$tv" migrate > /dev/null
	"$tv" project add default > /dev/null
	base=$(( $(date +%s) - RUNS * 3600 ))
	t0=$(date +%s)
	k=1
	while [ "$k" -le "$RUNS" ]; do
		python3 "$here/gen-junit.py" --tests "$TESTS" --run "$k" \
		    -o "$WORK/run.xml"
		if [ $((k % 2)) -eq 0 ]; then branch=dev; else branch=main; fi
		started=$(date -u -d "@$((base + k * 3600))" +%Y-%m-%dT%H:%M:%SZ)
		"$tv" ingest --run-id "run-$k" --branch "$branch" \
		    --git-sha "sha$(( (k + 1) / 2 ))" --session-id "s-$branch" \
		    --started-at "$started" "$WORK/run.xml" > "$WORK/ingest.out"
		grep -q '"status":"created"' "$WORK/ingest.out" ||
		    { cat "$WORK/ingest.out"; exit 1; }
		[ $((k % 50)) -eq 0 ] && echo "built $k/$RUNS runs ($(( $(date +%s) - t0 )) s)"
		k=$((k + 1))
	done
	sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
	echo "$(( $(date +%s) - t0 ))" > "$db.done"
fi
# a database built by an older schema is brought up to date first, the
# history pass copies the runs into the per-test order and the mapping
# pass maps its tests (as the every-minute batch would)
"$tv" migrate > /dev/null
"$tv" batch --pass history,mapping > /dev/null
echo "database: $(sqlite3 "$db" 'SELECT count(*) FROM runs') runs," \
    "$(sqlite3 "$db" 'SELECT count(*) FROM tests') tests," \
    "$(sqlite3 "$db" 'SELECT count(*) FROM results') results," \
    "$(du -m "$db" | cut -f1) MB, built in $(cat "$db.done") s"

[ "${BUILD_ONLY:-0}" = 1 ] && exit 0

# stops what this script started, by PID: lighttpd servers, then the
# PostgreSQL cluster
pgdir=$WORK/pg
pgbase=
cleanup() {
	for p in ${lpid:-} ${tpid:-} ${gpid:-} ${rpid:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$pgbase" ]; then
		"$top/t/lib/pg-cluster" stop "$pgdir"
		rm -rf "$pgdir/data"
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP PIPE

# pg_sql DATABASE SQL: rows of SQL on that PostgreSQL database
pg_sql() {
	PGOPTIONS='-c client_min_messages=warning' \
	    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$pgbase/$1" -c "$2"
}

# the history copied into PostgreSQL
srvconf=$conf
if [ "$ENGINE" != sqlite ]; then
	"$top/t/lib/pg-cluster" stop "$pgdir" 2>/dev/null || true
	rm -rf "$pgdir"
	mkdir -p "$pgdir"
	url=$("$top/t/lib/pg-cluster" start "$pgdir")
	pgbase=${url%/*}
	pg_sql postgres 'CREATE DATABASE history'
	pconf=$WORK/testvis-pg.conf
	printf 'db = %s/history\nauth_read = public\nauth_ingest = open\n' \
	    "$pgbase" > "$pconf"
	[ "$CACHE" = 0 ] && echo 'response_cache_kb = 0' >> "$pconf"
	"$tv" --config "$pconf" migrate > /dev/null
	t0=$(date +%s%N)
	"$tv" copy --to "$pgbase/history" > "$WORK/copy.log" 2>&1 ||
	    { cat "$WORK/copy.log"; exit 1; }
	t1=$(date +%s%N)
	pg_sql history 'VACUUM ANALYZE'
	echo "PostgreSQL $(pg_sql postgres 'SHOW server_version' | cut -d' ' -f1):" \
	    "the history copied in $(( (t1 - t0) / 1000000 )) ms (testvis copy --to)," \
	    "$(pg_sql postgres "SELECT pg_database_size('history') / 1048576") MB"
	[ "$ENGINE" = postgresql ] && srvconf=$pconf
fi

tid=$(sqlite3 "$db" "SELECT test_id FROM tests JOIN test_stats ON test_stats.test = tests.id WHERE failed_count > 0 ORDER BY failed_count DESC LIMIT 1")
run=$(sqlite3 "$db" "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")

# lighttpd from the real template, plus the two baselines
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
docroot=$WORK/htdocs
sock=$WORK/sock
rm -rf "$docroot" "$sock"
mkdir -p "$docroot" "$sock"
chmod 700 "$sock"
# the routing generated from the programs' route tables, as t/lib/TV.pm does
"$top/bin/gen-lighttpd-routes" "$BUILD/cgi-bin" < "$top/conf/lighttpd.conf.in" \
    > "$WORK/lighttpd.conf.in"
sed -e "s|@BIND@|127.0.0.1|g" -e "s|@PORT@|$port|g" \
    -e "s|@HTDOCS@|$docroot|g" -e "s|@CGIBIN@|$BUILD/cgi-bin|g" \
    -e "s|@SOCKDIR@|$sock|g" -e "s|@CONF@|$srvconf|g" \
    -e "s|@MAX_PROCS@|$MAX_PROCS|g" -e "s|@BASE@||g" \
    -e "s|@MAX_REQUEST_KB@|65536|g" -e "s|@ERRORS@|$top/conf/errors|g" \
    "$WORK/lighttpd.conf.in" > "$WORK/lighttpd.conf"
# (with testvis's library: the floor's SQL calls its SQL functions)
cc -O2 -o "$WORK/fcgi-fixed" "$here/fcgi-fixed.c" "$BUILD/libtestvis.a" \
    -lfcgi $(pkg-config --libs sqlite3 jansson libcrypto libxml-2.0 zlib \
    libpq libcurl xlsxwriter) -lm
mkdir -p "$WORK/fixed"
rm -f "$WORK/fixed"/*.sql
if [ "$FLOOR" = 1 ]; then
	cc -O2 -shared -fPIC -o "$WORK/sqlrec.so" "$here/sqlrec.c" -ldl
	cat >> "$WORK/lighttpd.conf" <<CONF
\$HTTP["url"] =~ "^/bench/floor/" {
	fastcgi.server = ( "/" => ( "floor" => (
		"socket" => "$sock/floor.sock",
		"bin-path" => "$WORK/fcgi-fixed",
		"bin-environment" => ( "FIXED_DIR" => "$WORK/fixed",
		    "FLOOR_DB" => "$db", "FIXED_CLOSE" => "$FIXED_CLOSE" ),
		"max-procs" => $MAX_PROCS,
		"check-local" => "disable",
	)))
}
CONF
fi
cat >> "$WORK/lighttpd.conf" <<CONF
\$HTTP["url"] =~ "^/bench/fixed/" {
	fastcgi.server = ( "/" => ( "fixed" => (
		"socket" => "$sock/fixed.sock",
		"bin-path" => "$WORK/fcgi-fixed",
		"bin-environment" => ( "FIXED_DIR" => "$WORK/fixed",
		    "FIXED_CLOSE" => "$FIXED_CLOSE" ),
		"max-procs" => $MAX_PROCS,
		"check-local" => "disable",
	)))
}
CONF
lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)
"$lighttpd" -D -f "$WORK/lighttpd.conf" > "$WORK/lighttpd.log" 2>&1 &
lpid=$!
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/api/health" && break; sleep 0.1; done
curl -s -o /dev/null "http://127.0.0.1:$port/api/health" ||
    { cat "$WORK/lighttpd.log" >&2; echo "read-bench: lighttpd did not start" >&2; exit 1; }

# second_lighttpd NAME CONF: the same programs as $WORK/lighttpd.conf
# with config CONF, on a free port and sockets of their own; sets
# second_port and second_pid, or exits with lighttpd's log.
second_lighttpd() {
	_src=${3:-$WORK/lighttpd.conf}
	second_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	_sock=$WORK/sock-$1
	rm -rf "$_sock"
	mkdir -p "$_sock"
	chmod 700 "$_sock"
	sed -e "s|$sock|$_sock|g" -e "s|$conf|$2|g" \
	    -e "s|= $port\$|= $second_port|" "$_src" \
	    > "$WORK/lighttpd-$1.conf"
	"$lighttpd" -D -f "$WORK/lighttpd-$1.conf" > "$WORK/lighttpd-$1.log" 2>&1 &
	second_pid=$!
	for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$second_port/api/health" && break; sleep 0.1; done
	curl -s -o /dev/null "http://127.0.0.1:$second_port/api/health" ||
	    { cat "$WORK/lighttpd-$1.log" >&2; echo "read-bench: lighttpd did not start" >&2; exit 1; }
}

# both: the same programs on the PostgreSQL copy, on a second port
if [ "$ENGINE" = both ]; then
	second_lighttpd pg "$pconf"
	gport=$second_port gpid=$second_pid
fi

# the same programs recording their SQL, one process each, for FLOOR=1
if [ "$FLOOR" = 1 ]; then
	sed -e 's|"bin-environment" => ( "TESTVIS_CONF"|"bin-environment" => ( "LD_PRELOAD" => "'"$WORK/sqlrec.so"'", "SQLREC_FILE" => "'"$WORK/rec.sql"'", "TESTVIS_CONF"|' \
	    -e 's|"max-procs"\( *\)=> [0-9]*|"max-procs"\1=> 1|' \
	    "$WORK/lighttpd.conf" > "$WORK/lighttpd-rec.conf.in"
	second_lighttpd rec "$conf" "$WORK/lighttpd-rec.conf.in"
	rport=$second_port rpid=$second_pid
fi

# the same programs with tracing on, for TRACE=1
if [ "$TRACE" = 1 ]; then
	rm -f "$WORK/trace.jsonl" "$WORK/trace.jsonl.1"
	cp "$conf" "$WORK/testvis-trace.conf"
	echo "trace_file = $WORK/trace.jsonl" >> "$WORK/testvis-trace.conf"
	second_lighttpd trace "$WORK/testvis-trace.conf"
	tport=$second_port tpid=$second_pid
fi

# CPU clock ticks used so far by the FastCGI programs of lighttpd PID
cpu_ticks() {
	t=0
	for c in $(pgrep -P "$1"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
hz=$(getconf CLK_TCK)

# measure URL [LUA [PORT]]: prints "median_ms p99_ms req_per_s bytes
# cpu_us_per_request" (the last: CPU of that server's FastCGI programs,
# which a busy machine disturbs less than req/s); with a wrk script LUA,
# the script chooses each request's path; PORT defaults to the untraced
# server's
measure() {
	mp=${3:-$port}
	mpid=$lpid
	[ "$mp" = "${tport:-}" ] && mpid=$tpid
	[ "$mp" = "${gport:-}" ] && mpid=$gpid
	bytes=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$mp$1")
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mp$1")
	[ "$code" = 200 ] || { echo "FAIL $1 answered $code" >&2; exit 1; }
	c0=$(cpu_ticks "$mpid")
	wrk -t2 -c"$CONN" -d"${DUR}s" --latency ${2:+-s "$2"} \
	    "http://127.0.0.1:$mp$1" > "$WORK/wrk.out"
	c1=$(cpu_ticks "$mpid")
	grep -q 'Non-2xx' "$WORK/wrk.out" &&
	    { echo "FAIL $1: non-2xx answers under load" >&2; exit 1; }
	awk -v b="$bytes" -v cpu=$((c1 - c0)) -v hz="$hz" '
	function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
	$1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
	/^Requests\/sec/ { rps = $2 } / requests in / { n = $1 }
	END { printf "%.2f %.2f %.0f %d %.1f\n", p50, p99, rps, b, n ? cpu * 1e6 / hz / n : 0 }' "$WORK/wrk.out"
}

# median of the numbers given as arguments
# record_sql URL FILE: the SQL the second of two requests of URL runs in
# its FastCGI process (the recording lighttpd), into FILE: from the last
# BEGIN on
record_sql() {
	: > "$WORK/rec.sql"
	curl -s -o /dev/null "http://127.0.0.1:$rport$1"
	curl -s -o /dev/null "http://127.0.0.1:$rport$1"
	sleep 0.2
	awk '/\tBEGIN$/ { n = NR } { l[NR] = $0 } END { for (i = n; i <= NR; i++) print l[i] }' \
	    "$WORK/rec.sql" > "$2"
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# a wrk script requesting PATTERN (with @ for the test id) for every test
sqlite3 "$db" "SELECT test_id FROM tests ORDER BY id" > "$WORK/test-ids.txt"
spread_script() {
	cat > "$WORK/spread.lua" <<LUA
ids = {}
for line in io.lines("$WORK/test-ids.txt") do ids[#ids + 1] = line end
i = math.random(#ids)
request = function()
	i = i % #ids + 1
	return wrk.format("GET", (string.gsub("$1", "@", ids[i])))
end
LUA
}

# REP-1: reports kept for the GET rows below (POST answers them too);
# with ENGINE=both the same definitions on the PostgreSQL database too,
# which must give them the same ids
report_on() {
	curl -s -X POST -H 'Content-Type: application/json' -d "$2" \
	    "http://127.0.0.1:$1/api/reports" |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["report_id"])'
}
report() {
	_id=$(report_on "$port" "$1")
	if [ -n "${gport:-}" ] && [ "$(report_on "$gport" "$1")" != "$_id" ]; then
		echo "read-bench: a report's id differs between the engines" >&2
		exit 1
	fi
	echo "$_id"
}
rep_week=$(report '{"from":"2000-01-01","branch":"*","group_by":["week","branch"]}')
rep_suite=$(report '{"from":"2000-01-01","group_by":"suite"}')
rep_feat=$(report '{"from":"2000-01-01","branch":"*","group_by":["feature","week"]}')
rep_key=$(curl -s "http://127.0.0.1:$port/api/reports/$rep_week" |
    python3 -c 'import json, sys, urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["groups"][-1]["key"]))')

# the endpoints: "NAME|URL"; NAME ends with * for a point endpoint
cat > "$WORK/endpoints.txt" <<EOF
API-1 health|/api/health
API-2 projects|/api/projects
API-3 dashboard|/api/dashboard
API-4 runs|/api/tests/runs
API-4 runs ?branch=dev|/api/tests/runs?branch=dev
API-5 run detail|/api/tests/runs/$run
API-6 run results|/api/tests/runs/$run/results
API-6 run results ?status=failed|/api/tests/runs/$run/results?status=failed
API-7 tests (name)|/api/tests
API-7 tests ?sort=fail_rate|/api/tests?sort=fail_rate
API-7 tests ?q=refund|/api/tests?q=refund
API-8 test detail *|/api/tests/$tid
API-9 history *|/api/tests/$tid/history
API-10 results *|/api/tests/$tid/results
API-11 timing *|/api/tests/$tid/timing
API-12 uptime ?hours=8760 *|/api/tests/$tid/uptime?hours=8760
API-13 incidents *|/api/tests/$tid/incidents
API-20 correlate ?run_id|/api/tests/correlate?run_id=$run
API-21 flaky|/api/tests/flaky
API-22 slowest|/api/tests/slowest
API-23 failures|/api/failures
REP-2 trends pass_rate week|/api/trends?metric=pass_rate
REP-2 trends failures day 90|/api/trends?metric=failures&interval=day&window=90
REP-2 trends duration_p95 week|/api/trends?metric=duration_p95&branch=*
REP-2 trends incidents_open day 90|/api/trends?metric=incidents_open&interval=day&window=90&branch=*
REP-2 trends flaky_count week|/api/trends?metric=flaky_count
REP-3 quality|/api/quality
REP-3 quality ?branch=*|/api/quality?branch=*
REP-1 report week x branch|/api/reports/$rep_week
REP-1 report suite|/api/reports/$rep_suite
REP-1 report feature x week|/api/reports/$rep_feat
REP-1 drilldown ?status=failed|/api/reports/$rep_week/drilldown?group=$rep_key&status=failed
REP-1 reports list|/api/reports
EOF

echo "response cache: $( [ "$CACHE" = 0 ] && echo off || echo on)"
[ "$ENGINE" = postgresql ] && echo "engine: PostgreSQL (the history copied from SQLite)"
[ "$ENGINE" = both ] && . "$here/read-bench-both.sh"
[ "$ENGINE" = both ] || {
printf '%-44s %9s %9s %9s %8s %8s %8s %8s %s\n' endpoint "p50 ms" "p99 ms" "req/s" bytes "/fixed" "/static" \
    "$( [ "$TRACE" = 1 ] && echo traced)" "$( [ "$TRACE" = 1 ] && echo "cpu us/req off -> on")"
# each point endpoint (marked *) is measured in ROUNDS rounds of: it, the
# minimal FastCGI responder answering a body of the same size, lighttpd
# serving that body as a static file
n=0
while IFS= read -r e; do
	name=${e%%|*}
	url=${e#*|}
	rf=-; rs=-; rt=; rc=
	case "$name" in
	*' *')
		n=$((n + 1))
		curl -s "http://127.0.0.1:$port$url" > "$WORK/fixed/b$n.json"
		cp "$WORK/fixed/b$n.json" "$docroot/b$n.json"
		[ "$FLOOR" = 1 ] && record_sql "$url" "$WORK/fixed/b$n.sql"
		p50s= p99s= rpss= fixeds= statics= traceds= cpus= tcpus=
		floors=
		r=0
		while [ "$r" -lt "$ROUNDS" ]; do
			set -- $(measure "$url")
			p50s="$p50s $1" p99s="$p99s $2" rpss="$rpss $3" bytes=$4
			cpus="$cpus $5"
			if [ "$TRACE" = 1 ]; then
				set -- $(measure "$url" "" "$tport")
				traceds="$traceds $3" tcpus="$tcpus $5"
			fi
			fixeds="$fixeds $(measure "/bench/fixed/b$n" | cut -d' ' -f3)"
			[ "$FLOOR" = 1 ] &&
			    floors="$floors $(measure "/bench/floor/b$n" | cut -d' ' -f3)"
			statics="$statics $(measure "/b$n.json" | cut -d' ' -f3)"
			r=$((r + 1))
		done
		set -- "$(median $p50s)" "$(median $p99s)" "$(median $rpss)" "$bytes"
		fixed=$(median $fixeds)
		static=$(median $statics)
		rf=$(awk -v a="$3" -v b="$fixed" 'BEGIN { printf "%.0f%%", 100 * a / b }')
		rs=$(awk -v a="$3" -v b="$static" 'BEGIN { printf "%.0f%%", 100 * a / b }')
		if [ "$TRACE" = 1 ]; then
			rt=$(awk -v a="$(median $traceds)" -v b="$3" \
			    'BEGIN { printf "%.1f%%", 100 * a / b }')
			rc=$(awk -v a="$(median $cpus)" -v b="$(median $tcpus)" \
			    'BEGIN { printf "%.0f -> %.0f (%+.1f%%)", a, b, 100 * (b - a) / a }')
		fi ;;
	*)
		set -- $(measure "$url") ;;
	esac
	printf '%-44s %9s %9s %9s %8s %8s %8s %8s %s\n' "$name" "$1" "$2" "$3" "$4" "$rf" "$rs" "$rt" "$rc"
	if [ -n "${floors:-}" ]; then
		fl=$(median $floors)
		printf '%-44s %9s %9s %9s %8s %8s %8s\n' "  floor: its SQL alone" - - "$fl" - \
		    "$(awk -v a="$fl" -v b="$fixed" 'BEGIN { printf "%.0f%%", 100 * a / b }')" \
		    "$(awk -v a="$fl" -v b="$static" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
		floors=
	fi
	case "$name" in
	*' *')
		[ "$SPREAD" = 1 ] || continue
		spread_script "$(echo "$url" | sed "s|$tid|@|")"
		set -- $(measure "$url" "$WORK/spread.lua")
		rt= rc=
		if [ "$TRACE" = 1 ]; then
			t=$(measure "$url" "$WORK/spread.lua" "$tport")
			rt=$(echo "$t" | awk -v b="$3" '{ printf "%.1f%%", 100 * $3 / b }')
			rc=$(echo "$t" | awk -v a="$5" '{ printf "%.0f -> %.0f (%+.1f%%)", a, $5, 100 * ($5 - a) / a }')
		fi
		printf '%-44s %9s %9s %9s %8s %8s %8s %8s %s\n' "  spread over every test" "$1" "$2" "$3" "-" \
		    "$(awk -v a="$3" -v b="$fixed" 'BEGIN { printf "%.0f%%", 100 * a / b }')" \
		    "$(awk -v a="$3" -v b="$static" 'BEGIN { printf "%.0f%%", 100 * a / b }')" "$rt" "$rc" ;;
	esac
done < "$WORK/endpoints.txt"
}
echo "peak RSS of each FastCGI program (PERF-4 wants < 32 MB):"
for p in $(pgrep -f "^$BUILD/cgi-bin/testvis-"); do
	eng=
	if [ "$ENGINE" = both ]; then
		eng=" (SQLite)"
		[ "$(ps -o ppid= -p "$p" | tr -d ' ')" = "$gpid" ] &&
		    eng=" (PostgreSQL)"
	fi
	printf '  %-20s %s\n' "$(basename "$(readlink "/proc/$p/exe")")$eng" \
	    "$(awk '/^VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$p/status")"
done
if [ "$ENGINE" != both ]; then
	echo "* point endpoints: medians of $ROUNDS rounds, each measuring the endpoint,"
	echo "  a minimal FastCGI responder and lighttpd's static file handler"
	echo "  answering a body of the same size; PERF-2 wants >= 60% of the FastCGI one."
	echo "  'spread' rows ask for every test in turn (ratios against the same baselines)"
fi
[ "$TRACE" = 1 ] && echo "  'cpu us/req': CPU of the FastCGI programs per request, untraced -> traced" \
    "(medians; less disturbed by other load than req/s)"
[ "$TRACE" = 1 ] && echo "  'traced': req/s with trace_file set as a share of req/s without" \
    "(median of $ROUNDS rounds, side by side); $(cat "$WORK"/trace.jsonl* | wc -l)" \
    "trace lines, $(du -cm "$WORK"/trace.jsonl* | tail -1 | cut -f1) MB written"
echo "(wrk -t2 -c$CONN -d${DUR}s on 127.0.0.1; lighttpd max-procs $MAX_PROCS per program)"
