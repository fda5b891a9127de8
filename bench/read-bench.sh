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
#
# The database is built once into $WORK/history-RUNSxTESTS.db and reused;
# BUILD_ONLY=1 stops after building it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$top/build}
RUNS=${RUNS:-1000}
TESTS=${TESTS:-10000}
DUR=${DUR:-5}
CONN=${CONN:-4}
MAX_PROCS=${MAX_PROCS:-2}
WORK=${WORK:-/tmp/bench-work/read}
mkdir -p "$WORK"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
db=$WORK/history-${RUNS}x${TESTS}.db
conf=$WORK/testvis.conf
printf 'db = %s\nauth_read = public\nauth_ingest = open\n' "$db" > "$conf"
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
echo "database: $(sqlite3 "$db" 'SELECT count(*) FROM runs') runs," \
    "$(sqlite3 "$db" 'SELECT count(*) FROM tests') tests," \
    "$(sqlite3 "$db" 'SELECT count(*) FROM results') results," \
    "$(du -m "$db" | cut -f1) MB, built in $(cat "$db.done") s"

[ "${BUILD_ONLY:-0}" = 1 ] && exit 0

tid=$(sqlite3 "$db" "SELECT test_id FROM tests JOIN test_stats ON test_stats.test = tests.id WHERE failed_count > 0 ORDER BY failed_count DESC LIMIT 1")
run=$(sqlite3 "$db" "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")

# lighttpd from the real template, plus the two baselines
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
docroot=$WORK/htdocs
sock=$WORK/sock
rm -rf "$docroot" "$sock"
mkdir -p "$docroot" "$sock"
chmod 700 "$sock"
sed -e "s|@BIND@|127.0.0.1|g" -e "s|@PORT@|$port|g" \
    -e "s|@HTDOCS@|$docroot|g" -e "s|@CGIBIN@|$BUILD/cgi-bin|g" \
    -e "s|@SOCKDIR@|$sock|g" -e "s|@CONF@|$conf|g" \
    -e "s|@MAX_PROCS@|$MAX_PROCS|g" -e "s|@BASE@||g" \
    -e "s|@MAX_REQUEST_KB@|65536|g" "$top/conf/lighttpd.conf.in" \
    > "$WORK/lighttpd.conf"
cc -O2 -o "$WORK/fcgi-fixed" "$here/fcgi-fixed.c" -lfcgi
mkdir -p "$WORK/fixed"
cat >> "$WORK/lighttpd.conf" <<CONF
\$HTTP["url"] =~ "^/bench/fixed/" {
	fastcgi.server = ( "/" => ( "fixed" => (
		"socket" => "$sock/fixed.sock",
		"bin-path" => "$WORK/fcgi-fixed",
		"bin-environment" => ( "FIXED_DIR" => "$WORK/fixed" ),
		"max-procs" => $MAX_PROCS,
		"check-local" => "disable",
	)))
}
CONF
lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)
"$lighttpd" -D -f "$WORK/lighttpd.conf" > "$WORK/lighttpd.log" 2>&1 &
lpid=$!
trap 'kill $lpid 2>/dev/null; wait $lpid 2>/dev/null' EXIT INT TERM
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/api/health" && break; sleep 0.1; done

# measure URL: prints "median_ms p99_ms req_per_s bytes"
measure() {
	bytes=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$1")
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$1")
	[ "$code" = 200 ] || { echo "FAIL $1 answered $code" >&2; exit 1; }
	wrk -t2 -c"$CONN" -d"${DUR}s" --latency "http://127.0.0.1:$port$1" > "$WORK/wrk.out"
	awk -v b="$bytes" '
	function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
	$1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
	/^Requests\/sec/ { rps = $2 }
	END { printf "%.2f %.2f %.0f %d\n", p50, p99, rps, b }' "$WORK/wrk.out"
}

printf '%-44s %9s %9s %9s %8s %8s %8s\n' endpoint "p50 ms" "p99 ms" "req/s" bytes "/fixed" "/static"
# each point endpoint (marked *) is followed by its baselines of the same
# size, measured right after it: the minimal FastCGI responder and a static
# file
n=0
for e in \
    "API-1 health|/api/health" \
    "API-2 projects|/api/projects" \
    "API-3 dashboard|/api/dashboard" \
    "API-4 runs|/api/tests/runs" \
    "API-4 runs ?branch=dev|/api/tests/runs?branch=dev" \
    "API-5 run detail|/api/tests/runs/$run" \
    "API-6 run results|/api/tests/runs/$run/results" \
    "API-6 run results ?status=failed|/api/tests/runs/$run/results?status=failed" \
    "API-7 tests (name)|/api/tests" \
    "API-7 tests ?sort=fail_rate|/api/tests?sort=fail_rate" \
    "API-7 tests ?q=refund|/api/tests?q=refund" \
    "API-8 test detail *|/api/tests/$tid" \
    "API-9 history *|/api/tests/$tid/history" \
    "API-10 results *|/api/tests/$tid/results" \
    "API-11 timing *|/api/tests/$tid/timing" \
    "API-12 uptime ?hours=8760 *|/api/tests/$tid/uptime?hours=8760" \
    "API-13 incidents *|/api/tests/$tid/incidents" \
    "API-20 correlate ?run_id|/api/tests/correlate?run_id=$run" \
    "API-21 flaky|/api/tests/flaky" \
    "API-22 slowest|/api/tests/slowest" \
    "API-23 failures|/api/failures"; do
	name=${e%%|*}
	url=${e#*|}
	set -- $(measure "$url")
	rf=-; rs=-
	case "$name" in
	*'*')
		n=$((n + 1))
		curl -s "http://127.0.0.1:$port$url" > "$WORK/fixed/b$n.json"
		cp "$WORK/fixed/b$n.json" "$docroot/b$n.json"
		fixed=$(measure "/bench/fixed/b$n" | cut -d' ' -f3)
		static=$(measure "/b$n.json" | cut -d' ' -f3)
		rf=$(awk -v a="$3" -v b="$fixed" 'BEGIN { printf "%.0f%%", 100 * a / b }')
		rs=$(awk -v a="$3" -v b="$static" 'BEGIN { printf "%.0f%%", 100 * a / b }') ;;
	esac
	printf '%-44s %9s %9s %9s %8s %8s %8s\n' "$name" "$1" "$2" "$3" "$4" "$rf" "$rs"
done
echo "* point endpoints, with the req/s of a minimal FastCGI responder and of"
echo "  lighttpd's static file handler answering a body of the same size,"
echo "  measured right after; PERF-2 wants >= 60% of the FastCGI one"
echo "(wrk -t2 -c$CONN -d${DUR}s on 127.0.0.1; lighttpd max-procs $MAX_PROCS per program)"
