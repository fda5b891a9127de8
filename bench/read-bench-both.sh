# read-bench-both.sh: the table of ENGINE=both, sourced by read-bench.sh
# (its variables and measure(), median(), spread_script()).  Each endpoint
# of $WORK/endpoints.txt is measured on SQLite (lighttpd on $port) and
# right after on PostgreSQL (the same programs on $gport, the history
# copied there): one measurement each, or for a point endpoint (*) ROUNDS
# rounds of SQLite, PostgreSQL and the minimal FastCGI responder answering
# a body of the same size, with medians.  A row whose two engines answer
# bodies of different sizes is marked "(bytes: SQLITE/POSTGRESQL)".

# pct A B: A as a percentage of B
pct() {
	awk -v a="$1" -v b="$2" \
	    'BEGIN { printf "%.0f%%", (b > 0 ? 100 * a / b : 0) }'
}

# both_row NAME SQLITE-MEASURE PG-MEASURE FIXED: one line of the table
both_row() {
	set -- "$1" $2 $3 "$4"
	# $2-$6 SQLite p50 p99 req/s bytes cpu; $7-$11 PostgreSQL; $12 fixed
	note=
	[ "$5" = "${10}" ] || note="(bytes: $5/${10})"
	if [ "${12}" = - ]; then
		f1=- f2=-
	else
		f1=$(pct "$4" "${12}") f2=$(pct "$9" "${12}")
	fi
	printf '%-36s %8s %8s %8s %8s %8s %8s %8s %8s %8s %s\n' "$1" \
	    "$2" "$3" "$4" "$7" "$8" "$9" "$(pct "$9" "$4")" "$f1" "$f2" "$note"
}

echo "engines: SQLite (port $port) and PostgreSQL (port $gport)," \
    "the same history"
printf '%-36s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n' endpoint "lite p50" \
    "lite p99" "lite r/s" "pg p50" "pg p99" "pg r/s" "pg/lite" "lite/fix" \
    "pg/fix"
n=0
while IFS= read -r e; do
	name=${e%%|*}
	url=${e#*|}
	case "$name" in
	*' *')
		n=$((n + 1))
		curl -s "http://127.0.0.1:$port$url" > "$WORK/fixed/b$n.json"
		l50= l99= lrps= g50= g99= grps= fixeds=
		r=0
		while [ "$r" -lt "$ROUNDS" ]; do
			set -- $(measure "$url")
			l50="$l50 $1" l99="$l99 $2" lrps="$lrps $3" lb=$4
			set -- $(measure "$url" "" "$gport")
			g50="$g50 $1" g99="$g99 $2" grps="$grps $3" gb=$4
			fixeds="$fixeds $(measure "/bench/fixed/b$n" | cut -d' ' -f3)"
			r=$((r + 1))
		done
		fixed=$(median $fixeds)
		both_row "$name" \
		    "$(median $l50) $(median $l99) $(median $lrps) $lb 0" \
		    "$(median $g50) $(median $g99) $(median $grps) $gb 0" "$fixed"
		[ "$SPREAD" = 1 ] || continue
		spread_script "$(echo "$url" | sed "s|$tid|@|")"
		a=$(measure "$url" "$WORK/spread.lua")
		b=$(measure "$url" "$WORK/spread.lua" "$gport")
		both_row "  spread over every test" "$a" "$b" "$fixed" ;;
	*)
		a=$(measure "$url")
		b=$(measure "$url" "" "$gport")
		both_row "$name" "$a" "$b" - ;;
	esac
done < "$WORK/endpoints.txt"
echo "(lite/pg p50 and p99 in ms; pg/lite: PostgreSQL's req/s as a share of"
echo " SQLite's; lite/fix, pg/fix: req/s as a share of the minimal FastCGI"
echo " responder's, PERF-2 wants >= 60%; point endpoints (*): medians of"
echo " $ROUNDS rounds of SQLite, PostgreSQL, responder; other rows: one"
echo " measurement of each engine, SQLite first)"
