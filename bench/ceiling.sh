#!/bin/sh
# ceiling.sh: the ceiling of ingest on this machine (issue 18 item 1).
# Builds bench/ceiling.c against build/libtestvis.a and, on one synthetic
# report of $TESTS testcases (bench/gen-junit.py, as ingest-bench.sh
# makes it), runs side by side $REPEAT times, interleaved:
#   - xmllint --stream --noout REPORT       the floor: parsing alone
#   - ceiling parse REPORT                  our reader alone, then with
#                                           ingest's identity work
# then once `ceiling store $TESTS` (the layouts of the results table,
# steady state: a run already stored, and the rollups by row and by set).
# Prints every figure and the parse medians as ratios to xmllint: what
# the parse side alone costs against PERF-1's targets (steady <= 3x,
# first <= 5x), and what the store side could cost, so that a redesign
# knows which side bounds it.  The machine is shared: compare ratios.
#
#   sh bench/ceiling.sh
#   TESTS=20000 REPEAT=5 sh bench/ceiling.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
WORK=${WORK:-/tmp/bench-work}/ceiling
TESTS=${TESTS:-100000}
REPEAT=${REPEAT:-3}
SEED=${SEED:-42}
mkdir -p "$WORK"
[ -f "$BUILD/libtestvis.a" ] || { echo "ceiling.sh: run make first" >&2; exit 2; }
command -v xmllint >/dev/null || { echo "ceiling.sh: xmllint missing (libxml2-utils)" >&2; exit 2; }
cc -O2 -D_GNU_SOURCE -I"$ROOT/lib/base" -I"$ROOT/lib/db" -I"$ROOT/lib/ingest" \
    $(pkg-config --cflags libxml-2.0) -o "$WORK/ceiling" "$HERE/ceiling.c" \
    "$BUILD/libtestvis.a" -lsqlite3 -ljansson -lcrypto -lxml2 -lz -lm
report=$WORK/r-$TESTS-s$SEED.xml
[ -f "$report" ] || python3 "$HERE/gen-junit.py" --tests "$TESTS" --seed "$SEED" \
    --run 4 -o "$report" >/dev/null
: > "$WORK/times"
i=0
while [ "$i" -lt "$REPEAT" ]; do
	i=$((i + 1))
	s=$(date +%s.%N)
	xmllint --stream --noout "$report"
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "xmllint %.3f\n", e - s }' >> "$WORK/times"
	"$WORK/ceiling" parse "$report" | awk '{ print ($2 == "reader" && $3 == "alone" ? "alone" : "ident"), $(NF - 3) }' >> "$WORK/times"
done
med() { grep "^$1 " "$WORK/times" | awk '{ print $2 }' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
x=$(med xmllint); a=$(med alone); d=$(med ident)
echo "report: $TESTS testcases, $(du -m "$report" | cut -f1) MB; medians of $REPEAT"
awk -v x="$x" -v a="$a" -v d="$d" 'BEGIN {
	printf "%-34s %8.3f s %6.1f x xmllint\n", "xmllint --stream --noout", x, 1
	printf "%-34s %8.3f s %6.1f x xmllint\n", "parse: reader alone", a, a / x
	printf "%-34s %8.3f s %6.1f x xmllint\n", "parse: reader + identity", d, d / x
}'
"$WORK/ceiling" store "$TESTS" "$WORK"
