#!/bin/sh
# Issue 15 item 6: live updates under load.  CLIENTS (1000) Server-Sent
# Events streams held through lighttpd on GET /api/live?project=default,
# then EVENTS (20) small runs uploaded one at a time, 0.5 s apart, and for
# every (client, event) pair the time from the upload's 201 (the commit
# happened before it) and from the upload's start to the client receiving
# the run_ingested event naming that run.  Also: the memory of the live
# program under that load, and the point endpoints of read-bench.sh
# (API-8 ... API-13, response cache off) measured without the clients
# and with them, in alternating rounds.  Never run in CI.
#
#   sh bench/live-bench.sh                       # 1000 clients, 20 events
#   CLIENTS=50 EVENTS=5 ROUNDS=1 DUR=2 sh bench/live-bench.sh   # a quick look
#
# The history (RUNS x TESTS, default 300 x 3000) is built once through
# the real ingest path by read-bench.sh (BUILD_ONLY=1) in $WORK, which
# defaults to its own /tmp/bench-work/live: each run of this benchmark
# adds its EVENTS runs to that database.  lighttpd runs the generated
# configuration (conf/lighttpd.conf.in, bin/gen-lighttpd-routes) on
# 127.0.0.1 and a free port with auth_read = public; it and the load
# client are stopped by PID at exit.
#
# bench/sse-load.c (compiled here with cc -O2) opens the streams from one
# process with epoll, waits for each one's 200 and replay, and writes a
# line per event received; see its header.  The point endpoints are
# measured ROUNDS times (3): each round every endpoint without clients,
# then CLIENTS streams are opened and every endpoint measured again with
# them held, then they are closed; the table shows medians and the ratio
# with / without.  Knobs as read-bench.sh: DUR (5 s), CONN (4),
# MAX_PROCS (2).  LIVE_MAX sets live_max_clients in testvis.conf (unset:
# the program's default).  STRICT=1 exits 1 when a target is missed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$top/build}
RUNS=${RUNS:-300}
TESTS=${TESTS:-3000}
CLIENTS=${CLIENTS:-1000}
EVENTS=${EVENTS:-20}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-5}
CONN=${CONN:-4}
MAX_PROCS=${MAX_PROCS:-2}
STRICT=${STRICT:-0}
WORK=${WORK:-/tmp/bench-work/live}
export WORK RUNS TESTS BUILD
mkdir -p "$WORK"

# the history, through the ingest path, as read-bench.sh builds it
BUILD_ONLY=1 sh "$here/read-bench.sh"
db=$WORK/history-${RUNS}x${TESTS}.db
conf=$WORK/live.conf
printf 'db = %s\nauth_read = public\nauth_ingest = open\nresponse_cache_kb = 0\n' \
    "$db" > "$conf"
[ -n "${LIVE_MAX:-}" ] && echo "live_max_clients = $LIVE_MAX" >> "$conf"
export TESTVIS_CONF=$conf
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
cc -O2 -o "$WORK/sse-load" "$here/sse-load.c"

# stops what this script started, by PID: the load client, lighttpd,
# then the live program if it outlived lighttpd (the backend of a5d6dbd
# does: libfcgi takes its SIGTERM and its own epoll loop never looks)
cleanup() {
	for p in ${cpid:-} ${lpid:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ -n "${lp:-}" ] || return 0
	i=0
	while [ "$i" -lt 20 ] && kill -0 "$lp" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$lp" 2>/dev/null; then
		echo "live-bench: testvis-live (pid $lp) outlived lighttpd by" \
		    "2 s after SIGTERM: killed" >&2
		kill -KILL "$lp" 2>/dev/null || true
	fi
	return 0
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP PIPE

# lighttpd from the real template, routing generated as t/lib/TV.pm does
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sock=$WORK/sock
rm -rf "$sock"
mkdir -p "$sock" "$WORK/htdocs"
chmod 700 "$sock"
"$top/bin/gen-lighttpd-routes" "$BUILD/cgi-bin" < "$top/conf/lighttpd.conf.in" \
    > "$WORK/lighttpd.conf.in"
sed -e "s|@BIND@|127.0.0.1|g" -e "s|@PORT@|$port|g" \
    -e "s|@HTDOCS@|$WORK/htdocs|g" -e "s|@CGIBIN@|$BUILD/cgi-bin|g" \
    -e "s|@SOCKDIR@|$sock|g" -e "s|@CONF@|$conf|g" \
    -e "s|@MAX_PROCS@|$MAX_PROCS|g" -e "s|@BASE@||g" \
    -e "s|@MAX_REQUEST_KB@|65536|g" -e "s|@ERRORS@|$top/conf/errors|g" \
    "$WORK/lighttpd.conf.in" > "$WORK/lighttpd.conf"
lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)
"$lighttpd" -D -f "$WORK/lighttpd.conf" > "$WORK/lighttpd.log" 2>&1 &
lpid=$!
url=http://127.0.0.1:$port
for i in $(seq 50); do curl -s -o /dev/null "$url/api/health" && break; sleep 0.1; done
curl -s -o /dev/null "$url/api/health" ||
    { cat "$WORK/lighttpd.log" >&2; echo "live-bench: lighttpd did not start" >&2; exit 2; }
echo "lighttpd $("$lighttpd" -v | sed -n 's|^lighttpd/\([^ ]*\).*|\1|p') on port $port:" \
    "server.max-fds $(sed -n 's/^server.max-fds *= *//p' "$WORK/lighttpd.conf" | head -1 | grep . || echo 'not set')" \
    "in the template, open files limit $(awk '/Max open files/ { print $4 }' "/proc/$lpid/limits")"

base_fds=$(ls "/proc/$lpid/fd" | wc -l)

# the project's newest event: a stream's replay is complete at this id
last_id=$(sqlite3 "$db" "SELECT coalesce(max(e.id), 0) FROM events e JOIN projects p ON p.id = e.project_id WHERE p.slug = 'default'")
live=/api/live?project=default

# clients_start N RECEIPTS: the load client with N streams in the
# background (cpid); returns once all are held or refused, printing its
# status line, or exits when it does not settle within 120 s
clients_start() {
	rm -f "$WORK/status"
	"$WORK/sse-load" -p "$port" -u "$live" -n "$1" -l "$last_id" \
	    -o "$2" -s "$WORK/status" -t 120 2>> "$WORK/sse-load.log" &
	cpid=$!
	i=0
	while [ ! -s "$WORK/status" ]; do
		kill -0 "$cpid" 2>/dev/null ||
		    { cat "$WORK/sse-load.log" >&2; echo "live-bench: the load client died" >&2; exit 2; }
		i=$((i + 1))
		[ "$i" -lt 1300 ] || { echo "live-bench: the load client did not settle" >&2; exit 2; }
		sleep 0.1
	done
}

# clients_stop: ends the load client, then waits (up to 40 s) until
# lighttpd has let its streams go, so a "without" measurement runs
# without them: lighttpd notices a closed client only when it next writes
# to it (the live program's keepalive, every live_keepalive_s = 15 s),
# and until then holds both its sockets and the live program its client.
# Sets released to the seconds that took.
clients_stop() {
	kill "$cpid" 2>/dev/null || true
	wait "$cpid" 2>/dev/null || true
	cpid=
	_t0=$(date +%s%3N)
	i=0
	while [ "$(ls "/proc/$lpid/fd" | wc -l)" -gt $((base_fds + 8)) ] &&
	    [ "$i" -lt 400 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	released=$(awk -v ms=$(( $(date +%s%3N) - _t0 )) 'BEGIN { printf "%.1f", ms / 1000 }')
}

# the live program's PID (one process, a child of our lighttpd)
live_pid() {
	pgrep -P "$lpid" -x testvis-live | head -1
}

# status_field NAME: a field of the load client's status line
status_field() {
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" "$WORK/status"
}

# vm NAME PID: that /proc status figure of PID, in MB
vm() {
	awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$2/status"
}

# 1. the streams, then the uploads, one at a time
: > "$WORK/sse-load.log"
t0=$(date +%s%3N)
clients_start "$CLIENTS" "$WORK/receipts"
held=$(status_field held)
refused=$(status_field refused503)
echo "streams: $(cat "$WORK/status") (load client, within $(( $(date +%s%3N) - t0 )) ms)"
lp=$(live_pid)
[ -n "$lp" ] || { echo "live-bench: no testvis-live process under lighttpd $lpid" >&2; exit 2; }
echo "testvis-live (pid $lp) holding them: VmRSS $(vm VmRSS "$lp") MB," \
    "VmHWM $(vm VmHWM "$lp") MB; lighttpd: $(ls "/proc/$lpid/fd" | wc -l) open files"

stamp=$(date +%s)
: > "$WORK/uploads"
k=1
while [ "$k" -le "$EVENTS" ]; do
	rid=live-$stamp-$k
	{
		echo '<testsuite name="live" tests="5">'
		for t in 1 2 3 4 5; do
			echo "<testcase classname=\"live.bench\" name=\"t$t\" time=\"0.0$t\"/>"
		done
		echo '</testsuite>'
	} > "$WORK/run.xml"
	s=$(date +%s%3N)
	code=$(curl -s -o "$WORK/upload.out" -w '%{http_code}' \
	    -H 'Content-Type: application/xml' --data-binary "@$WORK/run.xml" \
	    "$url/api/tests/ingest?run_id=$rid&branch=main&job=live")
	e=$(date +%s%3N)
	[ "$code" = 201 ] || { cat "$WORK/upload.out" >&2; echo "live-bench: upload $k answered $code" >&2; exit 2; }
	echo "$rid $s $e" >> "$WORK/uploads"
	k=$((k + 1))
	[ "$k" -le "$EVENTS" ] && sleep 0.5
done
# every held stream should get every run's event: wait up to 10 s for them
want=$((held * EVENTS))
i=0
while [ "$i" -lt 100 ]; do
	[ "$(grep -c " run_ingested live-$stamp-" "$WORK/receipts" || true)" -ge "$want" ] && break
	sleep 0.1
	i=$((i + 1))
done
rss=$(vm VmRSS "$lp")
hwm=$(vm VmHWM "$lp")
lfds=$(ls "/proc/$lpid/fd" | wc -l)
lrss=$(vm VmRSS "$lpid")
clients_stop
echo "load client: $(tail -1 "$WORK/sse-load.log"); lighttpd let the" \
    "streams go $released s after the client closed them"
maxrel=$released

# latencies over all (client, event) pairs: the first run_ingested event
# of each run at each client, against that upload's 201 and its start
awk -v want="$want" -v out="$WORK/lat" '
function pct(f, p,   n, v, i) {
	n = 0
	while ((getline v < f) > 0) a[++n] = v
	close(f)
	if (n == 0) return "-"
	i = int(p * n + 0.999999)
	if (i < 1) i = 1
	return sprintf("%.0f", a[i])
}
FNR == NR { s[$1] = $2; e[$1] = $3; next }
$3 == "run_ingested" && ($4 in e) && !(($1, $4) in seen) {
	seen[$1, $4] = 1
	n++
	print $5 - e[$4] > (out ".commit")
	print $5 - s[$4] > (out ".start")
}
END {
	close(out ".commit"); close(out ".start")
	system("sort -g -o " out ".commit " out ".commit; sort -g -o " out ".start " out ".start")
	printf "%d %d %s %s %s %s\n", n, want - n,
	    pct(out ".commit", 0.5), pct(out ".commit", 0.99),
	    pct(out ".start", 0.5), pct(out ".start", 0.99)
}' "$WORK/uploads" "$WORK/receipts" > "$WORK/lat.txt"
read -r got missing c50 c99 s50 s99 < "$WORK/lat.txt"
echo "deliveries: $got of $want (client x event pairs), missing $missing"
echo "latency from the 201 (commit): p50 $c50 ms, p99 $c99 ms;" \
    "from the request start: p50 $s50 ms, p99 $s99 ms"
echo "testvis-live under load: VmRSS $rss MB, VmHWM $hwm MB;" \
    "lighttpd: $lfds open files, VmRSS $lrss MB"

# 2. the point endpoints, without and with the streams, alternating
tid=$(sqlite3 "$db" "SELECT test_id FROM tests JOIN test_stats ON test_stats.test = tests.id WHERE failed_count > 0 ORDER BY failed_count DESC LIMIT 1")
cat > "$WORK/endpoints.txt" <<EOF
API-8 test detail|/api/tests/$tid
API-9 history|/api/tests/$tid/history
API-10 results|/api/tests/$tid/results
API-11 timing|/api/tests/$tid/timing
API-12 uptime ?hours=8760|/api/tests/$tid/uptime?hours=8760
API-13 incidents|/api/tests/$tid/incidents
EOF

# CPU clock ticks used so far by lighttpd and every program it spawned
# (the live program included: its watcher ticks whether or not anyone
# listens)
cpu_ticks() {
	t=0
	for c in "$lpid" $(pgrep -P "$lpid"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
hz=$(getconf CLK_TCK)

# measure URL: "p50_ms p99_ms req_per_s cpu_us_per_request" of wrk on URL
# (read-bench.sh's invocation; the last figure: CPU of the whole server
# side, lighttpd and its programs, per request, which a busy machine
# disturbs less than req/s); a non-2xx answer fails the benchmark
measure() {
	code=$(curl -s -o /dev/null -w '%{http_code}' "$url$1")
	[ "$code" = 200 ] || { echo "live-bench: $1 answered $code" >&2; exit 2; }
	c0=$(cpu_ticks)
	wrk -t2 -c"$CONN" -d"${DUR}s" --latency "$url$1" > "$WORK/wrk.out"
	c1=$(cpu_ticks)
	grep -q 'Non-2xx' "$WORK/wrk.out" &&
	    { echo "live-bench: $1: non-2xx answers under load" >&2; exit 2; }
	awk -v cpu=$((c1 - c0)) -v hz="$hz" '
	function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
	$1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
	/^Requests\/sec/ { rps = $2 } / requests in / { n = $1 }
	END { printf "%.2f %.2f %.0f %.0f\n", p50, p99, rps, n ? cpu * 1e6 / hz / n : 0 }' "$WORK/wrk.out"
}

# median of the numbers given as arguments
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# each round: every endpoint without, then every endpoint with the
# streams; results appended to $WORK/points as "round mode n p50 p99 rps
# cpu_us"
: > "$WORK/points"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for mode in without with; do
		if [ "$mode" = with ]; then
			clients_start "$CLIENTS" /dev/null
			echo "round $r: $(cat "$WORK/status")"
			[ "$(status_field held)" -lt "$held" ] && held=$(status_field held)
			[ "$(status_field refused503)" -gt "$refused" ] &&
			    refused=$(status_field refused503)
		fi
		n=0
		while IFS= read -r e; do
			n=$((n + 1))
			echo "$r $mode $n $(measure "${e#*|}")" >> "$WORK/points"
		done < "$WORK/endpoints.txt"
		if [ "$mode" = with ]; then
			clients_stop
			echo "round $r: streams let go $released s after closing"
			maxrel=$(awk -v a="$released" -v b="$maxrel" 'BEGIN { print (a > b ? a : b) }')
		fi
	done
	r=$((r + 1))
done

printf '\n%-26s %27s %27s %6s %6s\n' "point endpoint" \
    "without: p50/p99 ms req/s cpu" "with: p50/p99 ms req/s cpu" ratio "cpu"
n=0
worst=
while IFS= read -r e; do
	n=$((n + 1))
	for mode in without with; do
		set -- $(awk -v m="$mode" -v n="$n" '$2 == m && $3 == n {
			for (i = 4; i <= 7; i++) v[i] = v[i] " " $i }
		    END { for (i = 4; i <= 7; i++) print v[i] }' "$WORK/points" |
		    while read -r vals; do median $vals; done)
		eval "${mode}_p50=\$1 ${mode}_p99=\$2 ${mode}_rps=\$3 ${mode}_cpu=\$4"
	done
	ratio=$(awk -v a="$with_rps" -v b="$without_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	cratio=$(awk -v a="$with_cpu" -v b="$without_cpu" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	worst=$(awk -v a="$ratio" -v b="${worst:-9}" 'BEGIN { print (a < b ? a : b) }')
	cworst=$(awk -v a="$cratio" -v b="${cworst:-0}" 'BEGIN { print (a > b ? a : b) }')
	printf '%-26s %27s %27s %6s %6s\n' "${e%%|*}" \
	    "$without_p50/$without_p99 $without_rps $without_cpu" \
	    "$with_p50/$with_p99 $with_rps $with_cpu" "$ratio" "$cratio"
done < "$WORK/endpoints.txt"
echo "(with: $CLIENTS streams held; medians of $ROUNDS rounds; ratio: req/s with /" \
    "without; cpu: server CPU us per request (lighttpd and its programs)," \
    "with / without; wrk -t2 -c$CONN -d${DUR}s; response cache off;" \
    "lighttpd max-procs $MAX_PROCS per program)"

# the summary, against the targets of issue 15
missed=0
# row NAME FIGURE TARGET OK: a line of the summary (OK 1 met, 0 missed,
# - no target)
row() {
	case $4 in
	1) v=met ;;
	0) v=MISSED; missed=1 ;;
	*) v= ;;
	esac
	printf '%-48s %-22s %-10s %s\n' "$1" "$2" "$3" "$v"
}
# ok EXPR: 1 when the awk expression EXPR holds, else 0
ok() { awk "BEGIN { exit !($1) }" && echo 1 || echo 0; }
echo
printf '%-48s %-22s %-10s %s\n' "live-bench summary" figure target ""
row "streams held (fewest of $((ROUNDS + 1)) times)" "$held (503: $refused)" ">= $CLIENTS" \
    "$(ok "$held >= $CLIENTS")"
row "missing deliveries (of $want)" "$missing" "0" "$(ok "$missing == 0")"
row "latency commit -> client, p50 / p99" "$c50 / $c99 ms" "p99 < 1 s" \
    "$( [ "$c99" = - ] && echo 0 || ok "$c99 < 1000")"
row "latency request start -> client, p50 / p99" "$s50 / $s99 ms" "-" -
row "testvis-live VmRSS / VmHWM under load" "$rss / $hwm MB" "< 64 MB" \
    "$(ok "$hwm < 64")"
row "point endpoints with / without (worst)" "$worst" ">= 0.90" \
    "$(ok "$worst >= 0.90")"
row "server CPU per request with / without (worst)" "$cworst" "-" -
row "closed streams let go by lighttpd (slowest)" "$maxrel s" "-" -
echo "($CLIENTS streams, $EVENTS uploads 0.5 s apart, history $RUNS x $TESTS)"
[ "$STRICT" = 1 ] && [ "$missed" = 1 ] && exit 1
exit 0
