#!/bin/sh
# PERF-3: the batch passes after one new 10,000-test run on the read
# benchmark's database (1,000 runs x 10,000 tests, bench/read-bench.sh
# builds it).  Works on a copy: the copy is migrated, the batch catches up
# once with all history (printed, not the figure), then one new run is
# ingested and `testvis batch` is timed (RUNS repeats, each on a fresh new
# run).  The history pass copies in rounds, a slice of the tests per
# batch over history_copy_slices (8) batches, of the runs waiting when the
# round began: from the ninth batch on each slice is one of eight runs,
# the steady state, so RUNS defaults to 16 and the median, mean and max
# are printed.  After each CLI ingest the log is checkpointed, as the HTTP
# ingest does once its answer has gone out (else the batch, the first
# process to open the database, rebuilds the log's index: about 0.12 s
# for one run's log).  Never part of `make check`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
BUILD=${BUILD:-$top/build}
WORK=${WORK:-/tmp/bench-work}
SRC=${SRC:-$WORK/read/history-1000x10000.db}
RUNS=${RUNS:-16}
TESTS=${TESTS:-10000}
tv=$BUILD/bin/testvis
dir=$WORK/batch
[ -f "$SRC" ] || { echo "no $SRC: run BUILD_ONLY=1 sh bench/read-bench.sh first" >&2; exit 1; }
mkdir -p "$dir"
db=$dir/history.db
conf=$dir/testvis.conf
printf 'db = %s\nauth_read = public\nauth_ingest = open\n' "$db" > "$conf"
export TESTVIS_CONF="$conf"
if [ ! -f "$dir/caught-up" ]; then
	echo "copying $(du -h "$SRC" | cut -f1) database ..."
	sqlite3 "$SRC" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
	cp "$SRC" "$db"
	rm -f "$db-wal" "$db-shm"
	"$tv" migrate
	echo "first batch over the whole history (not the PERF-3 figure):"
	/usr/bin/time -f "  %e s, %M KB max RSS" "$tv" batch
	touch "$dir/caught-up"
fi
"$tv" migrate > /dev/null	# a copy kept from before a new migration
last=$(sqlite3 "$db" "SELECT max(started_at) FROM runs")
n=$(sqlite3 "$db" "SELECT count(*) FROM runs")
times=""
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	k=$((n + i))
	python3 "$here/gen-junit.py" --tests "$TESTS" --run "$k" -o "$dir/run.xml"
	started=$(date -u -d "@$(( (last / 1000) + i * 600 ))" +%Y-%m-%dT%H:%M:%SZ)
	"$tv" ingest --run-id "batch-bench-$k-$$" --branch main --git-sha "bb$k" \
	    --started-at "$started" "$dir/run.xml" > /dev/null
	sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
	start=$(date +%s.%N)
	"$tv" batch > "$dir/batch.out"
	end=$(date +%s.%N)
	t=$(awk "BEGIN { printf \"%.3f\", $end - $start }")
	times="$times $t"
	echo "run $k: all passes in $t s"
	sed 's/^/    /' "$dir/batch.out"
done
echo "$times" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1; s+=$1} END {printf "PERF-3 median of %d: %.3f s (target < 1 s), mean %.3f s, max %.3f s\n", NR, a[int((NR+1)/2)], s/NR, a[NR]}'
