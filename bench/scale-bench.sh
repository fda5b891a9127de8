#!/bin/sh
# scale-bench.sh: does an upload cost more as history grows? (issue 18)
#
# The same 10,000-test report (gen-junit.py, the suite of read-bench's
# PERF-2 history) is ingested, alternating, REPEAT times each:
#   - small: into a fresh copy of a small database holding runs 1-3 of
#     that suite (30,000 results);
#   - large: into a copy of the PERF-2 database (1,000 runs x 10,000
#     tests, 10M results, built by bench/read-bench.sh), one copy taken at
#     the start and uploaded into again and again, each time as a new run
#     (10,000 results more on 10M changes nothing measurable).
# Prints the medians and the ratio large / small (issue 18's target:
# <= 1.5x), and each repetition's ratio (the two uploads of a pair ran
# back to back, so they share the machine's mood) with its median.  The SQLite page cache starts cold in each ingest process, as
# it does in a CI upload; the OS page cache holds what the machine keeps.
# Copying each upload's results into the per-test order (result_history,
# the batch's history pass) and its write-ahead log into the database file
# (the checkpoint) are the batch's jobs (the checkpoint also the FastCGI
# program's once its answer is sent), not the upload's: the script does
# both after each ingest, as the batch would before the next one, and
# reports their times on lines of their own.
#
#   sh bench/scale-bench.sh
#   REPEAT=7 sh bench/scale-bench.sh
#
# Environment: BUILD (../build), REPEAT (5), PERF2 (the PERF-2 database,
# /tmp/bench-work/read/history-1000x10000.db), WORK (/tmp/bench-work/scale,
# scratch: needs room for a copy of PERF2, ~3 GB).
# Exit status: 0, or 2 on any failure (missing database, ingest error).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$HERE/../build}
REPEAT=${REPEAT:-5}
PERF2=${PERF2:-/tmp/bench-work/read/history-1000x10000.db}
WORK=${WORK:-/tmp/bench-work/scale}
TV=$(cd "$BUILD" && pwd)/bin/testvis

die() { echo "scale-bench: $*" >&2; exit 2; }
log() { echo "scale-bench: $*" >&2; }

case $REPEAT in ''|*[!0-9]*) die "REPEAT must be an integer" ;; esac
[ -x "$TV" ] || die "$TV not found: run make first"
[ -s "$PERF2" ] || die "no PERF-2 database at $PERF2: build it with BUILD_ONLY=1 sh bench/read-bench.sh"
command -v sqlite3 >/dev/null || die "sqlite3 is needed"
mkdir -p "$WORK"
cd "$WORK"

conf() {	# conf NAME DB: a testvis.conf for DB
	# the history line: a whole copy of the run after each upload
	printf 'db = %s\nauth_read = public\nhistory_copy_slices = 1\n' "$2" > "$1"
}
now_s() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# the report, and the small database's three runs (kept between runs)
for k in 1 2 3 5000; do
	[ -s "r$k.xml" ] || python3 "$HERE/gen-junit.py" --tests 10000 --run "$k" -o "r$k.xml"
done
rm -f small.db small.db-wal small.db-shm
conf small.conf "$WORK/small.db"
TESTVIS_CONF=small.conf "$TV" migrate > /dev/null
TESTVIS_CONF=small.conf "$TV" project add default > /dev/null
for k in 1 2 3; do
	TESTVIS_CONF=small.conf "$TV" ingest --run-id "run-$k" --branch main \
	    "r$k.xml" > /dev/null || die "ingest of run $k into the small database failed"
done
# the batch's passes, as on the PERF-2 database (read-bench maps its
# tests): the same features, so the same report cells per upload
TESTVIS_CONF=small.conf "$TV" batch > /dev/null ||
    die "the batch on the small database failed"
sqlite3 small.db 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null

log "copying $PERF2 (once)"
rm -f large.db large.db-wal large.db-shm
cp "$PERF2" large.db
conf large.conf "$WORK/large.db"
TESTVIS_CONF=large.conf "$TV" migrate > /dev/null
sqlite3 large.db 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
results=$(sqlite3 large.db 'SELECT count(*) FROM results')

# ingest NAME CONF DB RUN_ID: one timed upload; sets T (s), H (the
# history pass after it, s) and C (the checkpoint after that, s)
ingest() {
	t0=$(now_s)
	TESTVIS_CONF=$2 "$TV" ingest --run-id "$4" --branch main r5000.xml \
	    > "$1.out" 2> "$1.err" || { cat "$1.err" >&2; die "ingest into $1 failed"; }
	t1=$(now_s)
	grep -q '"status":"created"' "$1.out" || { cat "$1.out" >&2; die "ingest into $1 did not create $4"; }
	T=$(echo "$t1 - $t0" | bc)
	TESTVIS_CONF=$2 "$TV" batch --pass history > "$1.hist" 2>&1 ||
	    { cat "$1.hist" >&2; die "the history pass on $1 failed"; }
	t2=$(now_s)
	H=$(echo "$t2 - $t1" | bc)
	sqlite3 "$3" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
	C=$(echo "$(now_s) - $t2" | bc)
}

smalls= larges= csmall= clarge= hsmall= hlarge= pairs=
i=1
while [ "$i" -le "$REPEAT" ]; do
	rm -f s.db s.db-wal s.db-shm
	cp small.db s.db
	conf s.conf "$WORK/s.db"
	ingest small s.conf s.db "upload-$i"
	smalls="$smalls $T" csmall="$csmall $C" hsmall="$hsmall $H"
	ingest large large.conf large.db "scale-$$-$i"
	larges="$larges $T" clarge="$clarge $C" hlarge="$hlarge $H"
	pairs="$pairs $(echo "scale=3; $T / $(echo "$smalls" | awk '{print $NF}')" | bc)"
	log "repetition $i/$REPEAT: small $(echo "$smalls" | awk '{print $NF}') s, large $T s"
	i=$((i + 1))
done
ms=$(median $smalls) ml=$(median $larges)
echo
echo "a 10,000-test upload, medians of $REPEAT (alternating)"
printf '%-44s %9s  %s\n' database "median s" "all (s)"
printf '%-44s %9.3f %s\n' "small (3 runs, 30,000 results)" "$ms" "$smalls"
printf '%-44s %9.3f %s\n' "PERF-2 ($results results)" "$ml" "$larges"
printf '%-44s %9.3f / %.3f\n' "then the batch: history (small / PERF-2)" \
    "$(median $hsmall)" "$(median $hlarge)"
printf '%-44s %9.3f / %.3f\n' "then the batch: checkpoint (small / PERF-2)" \
    "$(median $csmall)" "$(median $clarge)"
echo "PERF-2 / small: $(echo "scale=2; $ml / $ms" | bc)x (target <= 1.5x)"
echo "each repetition's PERF-2 / small:$pairs (median $(median $pairs)x)"
rm -f s.db s.db-wal s.db-shm
