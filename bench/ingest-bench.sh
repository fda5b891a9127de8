#!/bin/sh
# ingest-bench.sh: the ingest benchmark of SPEC PERF-1 (and PERF-4, BIG=1).
#
# PERF-1, the default: one synthetic JUnit report of $TESTS testcases
# (bench/gen-junit.py), and side by side, $REPEAT times each, interleaved:
#   - xmllint --stream --noout REPORT      (the floor: just parsing it)
#   - first ingest: testvis ingest into an empty database (all new tests)
#   - steady-state ingest: into a database already holding runs 1..3 of the
#     same suite (every test known), run 4 of it
# Prints medians, ratios to xmllint (the machine is shared and noisy: the
# ratios are what to compare) and the peak RSS of the ingest processes.
#
# ENGINE=sqlite (the default), postgresql or both: the database engine of
# PERF-1.  postgresql and both start a private PostgreSQL cluster in
# $WORK/pg (t/lib/pg-cluster), make the empty and the steady-state
# databases there (testvis migrate, then VACUUM ANALYZE, as autovacuum
# would have by the next CI run), give each ingest a fresh copy of one
# (CREATE DATABASE ... TEMPLATE) and stop the cluster by its PID at exit.
# With both, every repetition measures SQLite then PostgreSQL (ABAB), so
# the noise of the machine falls on both alike, and the table shows them
# side by side.
#
# PERF-4, BIG=1 (instead of PERF-1): a gzip'ed report of ~1 GB uncompressed
# ($BIG_TESTS testcases) is written to a file and ingested; reports wall
# time and peak RSS (target < 256 MB).
#
#   sh bench/ingest-bench.sh
#   TESTS=20000 REPEAT=5 sh bench/ingest-bench.sh
#   BIG=1 sh bench/ingest-bench.sh
#   ENGINE=both TESTS=10000 sh bench/ingest-bench.sh
#
# Environment: ENGINE (sqlite; postgresql, both), TESTS (100000), BUILD (../build relative to this script),
# REPEAT (3), SEED (42), BIG (0), BIG_TESTS (3200000), WORK (/tmp/bench-work,
# scratch; never inside the repository), KEEP (0: BIG mode deletes its
# ~3 GB database at the end), STRICT (0; 1: exit 1 when a target is missed).
# Exit status: 0, 1 on a missed target with STRICT=1, 2 on any failure
# (wrong counts, ingest error, missing tool).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
TESTS=${TESTS:-100000}
REPEAT=${REPEAT:-3}
SEED=${SEED:-42}
BIG=${BIG:-0}
BIG_TESTS=${BIG_TESTS:-3200000}
KEEP=${KEEP:-0}
STRICT=${STRICT:-0}
ENGINE=${ENGINE:-sqlite}
WORK=${WORK:-/tmp/bench-work}
BUILD=${BUILD:-$HERE/../build}
GEN="$HERE/gen-junit.py"

die() { echo "ingest-bench: $*" >&2; exit 2; }
log() { echo "ingest-bench: $*" >&2; }

case $TESTS$REPEAT$BIG_TESTS$SEED in
*[!0-9]*) die "TESTS, REPEAT, BIG_TESTS and SEED must be integers" ;;
esac
if [ "$TESTS" -lt 1 ] || [ "$REPEAT" -lt 1 ]; then
	die "TESTS and REPEAT must be >= 1"
fi
case $ENGINE in
sqlite) ENGINES=sqlite ;;
postgresql) ENGINES=postgresql ;;
both) ENGINES='sqlite postgresql' ;;
*) die "ENGINE must be sqlite, postgresql or both" ;;
esac
if [ "$BIG" = 1 ] && [ "$ENGINE" != sqlite ]; then
	die "BIG=1 (PERF-4) runs on SQLite only"
fi

BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || die "no build directory ($BUILD): run make"
TESTVIS="$BUILD/bin/testvis"
[ -x "$TESTVIS" ] || die "$TESTVIS not found: run make first"

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
case "$WORK/" in
"$REPO"/*) die "WORK=$WORK is inside the repository; use a scratch directory" ;;
esac
cd "$WORK"	# whatever a tool leaves behind lands in scratch

# --- tools ---------------------------------------------------------------

install_pkg() {
	if [ "$(id -u)" = 0 ]; then
		apt-get install -y "$1" >&2
	elif command -v sudo >/dev/null 2>&1; then
		sudo apt-get install -y "$1" >&2
	else
		die "please install the Debian package $1"
	fi
}
need() {	# need COMMAND-PATH-OR-NAME PACKAGE
	if ! command -v "$1" >/dev/null 2>&1; then
		log "installing $2 (for $1)"
		install_pkg "$2" || die "could not install $2"
	fi
	command -v "$1" >/dev/null 2>&1 || die "$1 is still missing"
}
need xmllint libxml2-utils
need /usr/bin/time time
need sqlite3 sqlite3
need python3 python3
if [ "$ENGINE" != sqlite ]; then
	need psql postgresql-client
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
	    die "PostgreSQL is not installed (apt-get install postgresql)"
fi

# --- helpers ---------------------------------------------------------------

DB="$WORK/bench.db"
CONF="$WORK/bench.conf"
OUT="$WORK/last.out"
ERR="$WORK/last.err"
RSS="$WORK/last.rss"

drop_db() { rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal"; }

# Folds the WAL into the database file so that the file alone is a copy.
checkpoint() {
	sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null ||
	    die "checkpoint of $DB failed"
	if [ -s "$DB-wal" ]; then
		die "$DB-wal is not empty after the checkpoint"
	fi
}

restore() { drop_db; cp "$1" "$DB"; }

# timed OUTFILE CMD...: runs CMD under /usr/bin/time, stdout to OUTFILE;
# sets T (wall seconds, ns clock) and KB (peak RSS).
timed() {
	_out=$1
	shift
	_t0=$(date +%s%N)
	if ! /usr/bin/time -f %M -o "$RSS" "$@" >"$_out" 2>"$ERR"; then
		cat "$_out" "$ERR" >&2
		die "command failed: $*"
	fi
	_t1=$(date +%s%N)
	T=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	KB=$(tail -n 1 "$RSS")
}

# check_answer FILE WANT_TESTS WANT_NEW(-1: any): the ingest's JSON line.
check_answer() {
	python3 - "$1" "$2" "$3" <<'EOF' || die "unexpected ingest answer (above)"
import json, sys
path, want, want_new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = open(path).read()
try:
    a = json.loads(raw.strip().splitlines()[0])
except Exception:
    sys.stderr.write("not JSON: %r\n" % raw[:500]); sys.exit(1)
bad = []
if a.get("status") != "created":
    bad.append("status %r, not 'created'" % a.get("status"))
got = a.get("counts", {}).get("tests")
if got != want:
    bad.append("counts.tests is %r, the report holds %d" % (got, want))
if want_new >= 0 and a.get("new_tests") != want_new:
    bad.append("new_tests is %r, expected %d" % (a.get("new_tests"), want_new))
if bad:
    sys.stderr.write("ingest-bench: WRONG ANSWER: %s\n%s\n" % ("; ".join(bad), raw))
    sys.exit(1)
EOF
}

median() {	# median of the arguments
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
	          else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
size_mb() { awk -v b="$(wc -c <"$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }
verdict() {	# verdict VALUE LIMIT: V="ok" when VALUE <= LIMIT
	if awk -v v="$1" -v l="$2" 'BEGIN { exit !(v <= l) }'; then
		V=ok
	else
		V=MISSED
		MISSED=1
	fi
}
MISSED=0

# gen OUTFILE RUN TESTS [--gzip]: a report, reused while the generator is
# unchanged (the output is a function of its arguments).
gen() {
	_f=$1 _run=$2 _n=$3
	shift 3
	if [ -s "$_f" ] && [ -n "$(find "$_f" -newer "$GEN")" ]; then
		return 0
	fi
	log "generating $(basename "$_f") ($_n testcases, run $_run)"
	python3 "$GEN" --tests "$_n" --seed "$SEED" --run "$_run" --stats \
	    "$@" -o "$_f.tmp" || die "gen-junit.py failed"
	mv "$_f.tmp" "$_f"
}

# new_db CONFFILE: an empty database with the project "default".
new_db() {
	drop_db
	"$TESTVIS" migrate >/dev/null || die "testvis migrate failed"
	"$TESTVIS" project add default >/dev/null ||
	    die "testvis project add failed"
	checkpoint
}

# --- PERF-4: one huge gzip'ed report ------------------------------------

if [ "$BIG" = 1 ]; then
	DB="$WORK/bench-big.db"
	CONF="$WORK/bench-big.conf"
	BIGF="$WORK/big-$BIG_TESTS-s$SEED.xml.gz"
	printf 'db = %s\nauth_read = public\nmax_decompressed_bytes = %s\n' \
	    "$DB" 17179869184 >"$CONF"
	export TESTVIS_CONF="$CONF"
	avail=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
	[ "$avail" -gt $((6 * 1024 * 1024)) ] ||
	    log "warning: less than 6 GB free in $WORK"
	gen "$BIGF" 1 "$BIG_TESTS" --gzip
	raw=$(gzip -dc "$BIGF" | wc -c)
	log "xmllint --stream on the gzip'ed report"
	timed /dev/null xmllint --stream --noout "$BIGF"
	x_t=$T
	new_db
	log "ingesting $BIG_TESTS testcases (this takes a while)"
	timed "$OUT" "$TESTVIS" ingest --run-id bench-big --branch main "$BIGF"
	check_answer "$OUT" "$BIG_TESTS" "$BIG_TESTS"
	i_t=$T i_kb=$KB
	dbsize=$(du -k "$DB" | awk '{ printf "%.0f", $1 / 1024 }')
	echo
	echo "PERF-4 big report: $BIG_TESTS testcases," \
	    "$(awk -v b="$raw" 'BEGIN { printf "%.0f", b / 1048576 }') MB" \
	    "uncompressed, $(size_mb "$BIGF") MB gzip'ed; database ${dbsize} MB"
	printf '%-28s %10s %10s %10s  %s\n' measurement seconds "x xmllint" \
	    "peak RSS" "target"
	printf '%-28s %10s %10s %10s\n' "xmllint --stream (gz)" "$x_t" 1.0 -
	verdict "$(mb "$i_kb")" 256
	printf '%-28s %10s %10s %7s MB  < 256 MB RSS: %s\n' \
	    "testvis ingest (gz)" "$i_t" "$(ratio "$i_t" "$x_t")" \
	    "$(mb "$i_kb")" "$V"
	[ "$KEEP" = 1 ] || drop_db
	[ "$STRICT" = 1 ] && [ "$MISSED" = 1 ] && exit 1
	exit 0
fi

# --- PostgreSQL ------------------------------------------------------------

PGDIR="$WORK/pg"
PGBASE=

# Stops the private cluster by the PID in its postmaster.pid and removes
# its data (the server log stays in $PGDIR/log).
pg_down() {
	[ -n "$PGBASE" ] || return 0
	"$REPO/t/lib/pg-cluster" stop "$PGDIR" ||
	    log "could not stop PostgreSQL in $PGDIR"
	rm -rf "$PGDIR/data"
	PGBASE=
}

# Starts a private cluster in $PGDIR; sets PGBASE (its URL, no database).
pg_up() {
	"$REPO/t/lib/pg-cluster" stop "$PGDIR" 2>/dev/null || true
	rm -rf "$PGDIR"
	mkdir -p "$PGDIR"
	trap pg_down EXIT
	trap 'exit 2' INT TERM HUP PIPE
	_url=$("$REPO/t/lib/pg-cluster" start "$PGDIR") ||
	    die "could not start PostgreSQL in $PGDIR"
	PGBASE=${_url%/*}
	log "PostgreSQL $(pg_sql postgres 'SHOW server_version') at $PGBASE"
}

# pg_sql DATABASE SQL: runs SQL there, prints the rows (unaligned).
pg_sql() {
	PGOPTIONS='-c client_min_messages=warning' \
	    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$PGBASE/$1" -c "$2" ||
	    die "psql on $1 failed: $2"
}

# pg_conf DATABASE: a config file naming that PostgreSQL database.
pg_conf() {
	printf 'db = %s/%s\nauth_read = public\n' "$PGBASE" "$1" \
	    >"$WORK/pg-$1.conf"
	echo "$WORK/pg-$1.conf"
}

# pg_fresh TEMPLATE: database "bench" as a copy of TEMPLATE (FILE_COPY
# checkpoints before and after, so no write of the copy is left for the
# timed ingest to pay).
pg_fresh() {
	pg_sql postgres 'DROP DATABASE IF EXISTS bench' >/dev/null
	pg_sql postgres "CREATE DATABASE bench TEMPLATE $1 STRATEGY FILE_COPY" \
	    >/dev/null
}

# --- PERF-1 -----------------------------------------------------------------

printf 'db = %s\nauth_read = public\n' "$DB" >"$CONF"
export TESTVIS_CONF="$CONF"

for k in 1 2 3 4; do
	gen "$WORK/r-$TESTS-s$SEED-run$k.xml" "$k" "$TESTS"
done
REPORT="$WORK/r-$TESTS-s$SEED-run4.xml"

# ingest_123 CONF: runs 1-3 of the suite into the database of CONF.
ingest_123() {
	for k in 1 2 3; do
		timed "$OUT" "$TESTVIS" --config "$1" ingest --run-id "bench-$k" \
		    --branch main "$WORK/r-$TESTS-s$SEED-run$k.xml"
		if [ "$k" = 1 ]; then want_new=$TESTS; else want_new=0; fi
		check_answer "$OUT" "$TESTS" "$want_new"
		log "  run $k ingested in $T s"
	done
}

if [ "$ENGINE" != postgresql ]; then
	log "preparing the empty and the steady-state (runs 1-3) databases"
	new_db
	cp "$DB" "$WORK/empty.db"
	ingest_123 "$CONF"
	checkpoint
	cp "$DB" "$WORK/steady.db"
	steady_db_mb=$(size_mb "$WORK/steady.db")
fi
if [ "$ENGINE" != sqlite ]; then
	pg_up
	log "preparing the PostgreSQL databases bench_empty and bench_steady"
	pg_sql postgres 'CREATE DATABASE bench_empty' >/dev/null
	"$TESTVIS" --config "$(pg_conf bench_empty)" migrate >/dev/null ||
	    die "testvis migrate failed on PostgreSQL"
	"$TESTVIS" --config "$(pg_conf bench_empty)" project add default \
	    >/dev/null || die "testvis project add failed on PostgreSQL"
	pg_sql bench_empty 'VACUUM ANALYZE' >/dev/null
	pg_sql postgres 'CREATE DATABASE bench_steady TEMPLATE bench_empty' \
	    >/dev/null
	ingest_123 "$(pg_conf bench_steady)"
	pg_sql bench_steady 'VACUUM ANALYZE' >/dev/null
	PGCONF=$(pg_conf bench)
	pg_steady_mb=$(pg_sql postgres "SELECT round(pg_database_size('bench_steady') / 1048576.0, 1)")
fi

# timed_ingest E DB RUN NEW: one timed ingest of run 4 on engine E into a
# fresh copy of database DB (empty or steady), as run RUN, expecting NEW
# new tests; sets T (s) and KB.
timed_ingest() {
	if [ "$1" = sqlite ]; then
		restore "$WORK/$2.db"
		_c=$CONF
	else
		pg_fresh "bench_$2"
		_c=$PGCONF
	fi
	timed "$OUT" "$TESTVIS" --config "$_c" ingest --run-id "$3" \
	    --branch main "$REPORT"
	check_answer "$OUT" "$TESTS" "$4"
}

# first E, steady E: one timed ingest of run 4 on engine E, into a fresh
# copy of the empty or the runs-1-3 database; appends to fs_E/ss_E (s)
# and frss_E/srss_E (KB).
first() {
	timed_ingest "$1" empty bench-1 "$TESTS"
	eval "fs_$1=\"\$fs_$1 $T\" frss_$1=\"\$frss_$1 $KB\""
}
steady() {
	timed_ingest "$1" steady bench-4 0
	eval "ss_$1=\"\$ss_$1 $T\" srss_$1=\"\$srss_$1 $KB\""
}

xs=''
for e in $ENGINES; do
	eval "fs_$e='' ss_$e='' frss_$e='' srss_$e=''"
done
i=1
while [ "$i" -le "$REPEAT" ]; do
	timed /dev/null xmllint --stream --noout "$REPORT"
	xs="$xs $T"
	msg="repetition $i/$REPEAT: xmllint $T s"
	for e in $ENGINES; do
		first "$e"
		f=$T fk=$KB
		steady "$e"
		[ "$ENGINE" = both ] && msg="$msg; $e"
		msg="$msg, first $f s ($(mb "$fk") MB), steady $T s ($(mb "$KB") MB)"
	done
	log "$msg"
	i=$((i + 1))
done
[ "$ENGINE" = postgresql ] || drop_db
[ "$ENGINE" = sqlite ] || pg_sql postgres 'DROP DATABASE IF EXISTS bench' >/dev/null

xm=$(median $xs)
fmax=0
echo
echo "PERF-1 ingest benchmark: $TESTS testcases, report $(size_mb "$REPORT") MB" \
    "(run 4 of seed $SEED), medians of $REPEAT"
echo "reports (MB): $(for k in 1 2 3 4; do
	printf 'run %s %s  ' "$k" "$(size_mb "$WORK/r-$TESTS-s$SEED-run$k.xml")"
done)"
[ "$ENGINE" = postgresql ] ||
    echo "database before the steady-state ingest: $steady_db_mb MB (runs 1-3)"
[ "$ENGINE" = sqlite ] ||
    echo "PostgreSQL database before the steady-state ingest: $pg_steady_mb MB" \
	"(runs 1-3, pg_database_size)"
printf '%-30s %9s %10s %9s  %-24s %s\n' measurement "median s" "x xmllint" \
    "peak RSS" "target" "all runs (s)"
printf '%-30s %9s %10s %9s  %-24s%s\n' "xmllint --stream --noout" "$xm" 1.0 - \
    "" "$xs"
for e in $ENGINES; do
	if [ "$e" = sqlite ]; then
		fl="first ingest (empty db)" sl="steady-state ingest (run 4)"
	else
		fl="first ingest, PostgreSQL" sl="steady-state, PostgreSQL"
	fi
	eval "fs=\$fs_$e ss=\$ss_$e frss=\$frss_$e srss=\$srss_$e"
	# shellcheck disable=SC2086
	{
		fm=$(median $fs) sm=$(median $ss)
		fr=$(median $frss) sr=$(median $srss)
		fmax=$(printf '%s\n' $fmax $frss $srss | sort -n | tail -n 1)
	}
	fx=$(ratio "$fm" "$xm")
	sx=$(ratio "$sm" "$xm")
	verdict "$fx" 5
	printf '%-30s %9s %10s %6s MB  %-24s%s\n' "$fl" "$fm" \
	    "$fx" "$(mb "$fr")" "<= 5x: $V" "$fs"
	verdict "$sx" 3
	printf '%-30s %9s %10s %6s MB  %-24s%s\n' "$sl" \
	    "$sm" "$sx" "$(mb "$sr")" "<= 3x: $V" "$ss"
done
verdict "$(mb "$fmax")" 256
printf '%-30s %9s %10s %6s MB  %-24s\n' "peak RSS, worst ingest" "" "" \
    "$(mb "$fmax")" "< 256 MB: $V"
[ "$STRICT" = 1 ] && [ "$MISSED" = 1 ] && exit 1
exit 0
