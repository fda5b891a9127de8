#!/usr/bin/perl
# The SQL functions on PostgreSQL (issue 14): schema/postgres/0010 defines
# tv_push_status, tv_push_ms, tv_pct, tv_half_pct, tv_fail_rate and
# tv_flip_rate, which SQLite gets in C.  Each is evaluated on many inputs
# (NULLs, empty and full windows, the replace flag, no runs, huge
# durations, partial blob entries) on both engines: the expected values
# are what the C computes (t/testvis-sqlfn evaluates the same calls on
# SQLite), compared type and value, doubles bit for bit; so are SQLite's
# scalar max(a, b), min(a, b) and instr(s, sub), which 0010 gives
# PostgreSQL for the statements' sake.  Then the call
# forms of lib/ prepare with untyped parameters, as the adapter sends
# them.  Runs against TESTVIS_TEST_PG, or a private cluster (t/lib/PG.pm).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;
use PG qw(pg_start pg_psql pg_stop pg_migrated_db);

my $pg = pg_start();
plan skip_all => "no PostgreSQL: $PG::why" unless $pg;

# a database at the latest schema, through testvis migrate
my $db = 'tv_fn_' . $$;
my $url = pg_migrated_db($pg, $db);
pass('a scratch database that testvis migrate brought to the latest schema, 0010 too');
my $r;

# The signatures: argument types and the result type of each function.
my %sig = (
	tv_push_status => [[qw(text bigint flag)], 'text'],
	tv_push_ms => [[qw(bytea bigint flag)], 'bytea'],
	tv_pct => [[qw(bytea double)], 'bigint'],
	tv_half_pct => [[qw(bytea bigint double)], 'bigint'],
	tv_fail_rate => [[qw(text)], 'double'],
	tv_flip_rate => [[qw(text)], 'double'],
	# SQLite's scalar functions that 0010 gives PostgreSQL (name:variant)
	'max:bigint' => [[qw(bigint bigint)], 'bigint'],
	'min:bigint' => [[qw(bigint bigint)], 'bigint'],
	'max:double' => [[qw(double double)], 'double'],
	'min:double' => [[qw(double double)], 'double'],
	'max:text' => [[qw(text text)], 'text'],
	'min:text' => [[qw(text text)], 'text'],
	instr => [[qw(text text)], 'bigint'],
);
my %pgtype = (text => 'TEXT', bigint => 'BIGINT', bytea => 'BYTEA', double => 'DOUBLE PRECISION');

# An argument: undef (NULL), a number or string, ['bool', 0|1|undef] (a
# boolean flag: 0/1 on SQLite, a BOOLEAN on PostgreSQL), or ['blob', HEX].
sub lite_arg { my ($t, $v) = @_;
	return 'NULL' if !defined $v || (ref $v && !defined $v->[1]);
	return $v->[0] eq 'bool' ? ($v->[1] ? 1 : 0) : "X'$v->[1]'" if ref $v;
	return $v eq '-9223372036854775808' ? '(-9223372036854775807 - 1)' : $v
	    if $t eq 'bigint' || $t eq 'flag';
	if ($t eq 'double') {	# a REAL literal, never an INTEGER one
		my $d = sprintf('%.17g', $v);
		return $d =~ /[.en]/ ? $d : "$d.0" }
	(my $q = $v) =~ s/'/''/g;
	return "'$q'" }
sub pg_arg { my ($t, $v) = @_;
	if (ref $v && $v->[0] eq 'bool') {
		return defined $v->[1] ? ($v->[1] ? 'true' : 'false') : 'CAST(NULL AS BOOLEAN)' }
	$t = 'bigint' if $t eq 'flag';
	return "CAST(NULL AS $pgtype{$t})" if !defined $v;
	return "CAST('\\x$v->[1]' AS BYTEA)" if ref $v;
	my $s = $t eq 'double' ? sprintf('%.17g', $v) : $v;
	$s =~ s/'/''/g;
	return "CAST('$s' AS $pgtype{$t})" }
sub call { my ($f, $argf, @a) = @_; my $types = $sig{$f}[0];
	(my $name = $f) =~ s/:.*//;
	return "$name(" . join(', ', map { $argf->($types->[$_], $a[$_]) } 0 .. $#a) . ')' }
# The PostgreSQL value printed as testvis-sqlfn prints SQLite's.
my %show = (text => "'t:' || %s", bytea => "'b:' || encode(%s, 'hex')",
	bigint => "'i:' || %s", double => "'r:' || encode(float8send(%s), 'hex')");

# Deterministic inputs.
srand(14);
sub pick { return $_[int(rand(@_))] }
# n characters picked from a string of them, or from a list of UTF-8 ones
sub status_window { my ($n, $chars) = @_; my @c = ref $chars ? @$chars : split //, $chars;
	return join('', map { pick(@c) } 1 .. $n) }
sub le32 { return unpack('H*', pack('l<', $_[0])) }
sub ms_window { my ($n, $extra) = @_;
	return ['blob', join('', map { le32(pick(0, 1, 7, 12, 500, 99999, -3, 2147483647, -2147483648,
	    int(rand(5000)))) } 1 .. $n) . ('ab' x ($extra // 0))] }

my @windows = (undef, '', 'P', 'F', 'S', 'PF', 'FP', 'SSS', 'PSF', 'PFPF', 'PSFSP', 'E?P',
	'P' x 48, 'P' x 49, 'P' x 50, 'P' x 51, 'F' . ('P' x 49), ('P' x 49) . 'F',
	(map { status_window($_, 'PFES') } 2, 3, 5, 10, 25, 49, 50, 51, 60, 100),
	(map { status_window(int(rand(60)), 'PPPFES?') } 1 .. 20));
my @text_windows = (@windows, "\xc3\xa9", "P\xc3\xa9F", "PFP\xc3\xa9P", "x'y", 'pfP',
	(map { status_window(int(rand(20)), ['P', 'F', 'S', "\xe2\x82\xac", 'x']) } 1 .. 10));
my @statuses = (undef, 0, 1, 2, 3, 4, -1, 4294967296, 4294967297, '9223372036854775807',
	'-9223372036854775808');
my @flags = (undef, 0, 1, 2, -1, 4294967296, 4294967297, ['bool', 0], ['bool', 1], ['bool', undef]);
my @blobs = (undef, ['blob', ''], ['blob', 'ab'], ['blob', 'abcdef'], ms_window(1), ms_window(1, 3),
	ms_window(2), ms_window(5), ms_window(6), ms_window(7), ms_window(12, 1), ms_window(49),
	ms_window(50), ms_window(51), ms_window(60, 2), ['blob', 'ffffffff' x 10],
	(map { ms_window(int(rand(56))) } 1 .. 30));
my @ms = (undef, 0, -5, 1, 12345, 2147483647, 2147483648, 99999999999, '9223372036854775807',
	'-9223372036854775808');
my @pcts = (undef, 0, 0.5, 1, 5, 10, 25, 50, 90, 95, 99, 99.9, 100, 100.5, 150, 1000,
	100 / 3, 200 / 3, (map { rand(100) } 1 .. 10),
	# just above a rank boundary for many window lengths, on either side
	# of the C's rounding up by 0.999999
	50.000001, 25.000001, 20.000001, 10.000001, 4.000001, 12.5000001,
	50.0001, 25.0001, 20.0001, 95.0001, 50.00001, 25.00001, 10.00001, 95.00001);
my @halves = (undef, 0, 1, 2, -1, 4294967296);

my @cases;
for my $w (@windows) {
	push @cases, ['tv_push_status', $w, pick(@statuses), pick(@flags)] for 1 .. 12;
	push @cases, ['tv_push_status', $w, 1, $_] for @flags;
}
push @cases, ['tv_push_status', pick(@windows), $_, pick(@flags)] for @statuses;
for my $b (@blobs) {
	push @cases, ['tv_push_ms', $b, $_, pick(@flags)] for @ms;
	push @cases, ['tv_push_ms', $b, 77, $_] for @flags;
	push @cases, ['tv_pct', $b, $_] for @pcts;
	push @cases, ['tv_half_pct', $b, $_, pick(@pcts)] for @halves;
	push @cases, ['tv_half_pct', $b, pick(0, 1), $_] for @pcts;
}
for my $w (@text_windows) {
	push @cases, ['tv_fail_rate', $w], ['tv_flip_rate', $w];
	push @cases, ['instr', $w, $_] for undef, '', 'P', 'F', 'PF', "\xc3\xa9", 'SSS';
}
my @ints = (undef, 0, 1, -1, 5, 1000, 1733000000000, '9223372036854775807', '-9223372036854775808');
for my $a (@ints) {
	push @cases, ["max:bigint", $a, $_], ["min:bigint", $a, $_] for @ints;
}
for my $a (undef, 0, -0.5, 0.25, 1e300, 2.5) {
	push @cases, ["max:double", $a, $_], ["min:double", $a, $_] for undef, 0, 0.25, -3, 1e-300;
}
for my $a (undef, '', 'a', 'B', 'ab', "\xc3\xa9", 'Z') {
	push @cases, ["max:text", $a, $_], ["min:text", $a, $_] for undef, '', 'a', 'b', 'A', "\xc3\xa0";
}

# the C's results, from SQLite
my @lite = map { call($_->[0], \&lite_arg, @$_[1 .. $#$_]) } @cases;
$r = run_cmd(argv => [tv_build() . '/t/testvis-sqlfn'], stdin => join("\n", @lite) . "\n");
is($r->{exit}, 0, 'testvis-sqlfn evaluates the calls on SQLite') or diag($r->{stderr});
my @want = split /\n/, $r->{stdout}, -1;
pop @want;
is(scalar @want, scalar @cases, 'one result per call');
is(scalar(grep { /^ERROR/ } @want), 0, 'SQLite evaluates every call') or diag(join("\n", grep { /^ERROR/ } @want));

# PostgreSQL's
my $sql = join('', map { my $f = $_->[0];
	'SELECT coalesce(' . sprintf($show{$sig{$f}[1]}, call($f, \&pg_arg, @$_[1 .. $#$_])) . ", 'NULL');\n" } @cases);
$r = pg_psql($pg, $sql, db => $db);
is($r->{exit}, 0, 'PostgreSQL evaluates every call') or diag($r->{stderr});
my @got = split /\n/, $r->{stdout}, -1;
pop @got;
is(scalar @got, scalar @cases, 'one result per call on PostgreSQL too');

# function by function: the same type and value for every input
for my $f (sort keys %sig) {
	my @bad = grep { $cases[$_][0] eq $f && ($got[$_] // '') ne ($want[$_] // '') } 0 .. $#cases;
	my $n = grep { $_->[0] eq $f } @cases;
	is(scalar @bad, 0, "$f: PostgreSQL's results equal the C's on $n inputs") or
	    diag(join("\n", map { "$lite[$_]\n  C:  $want[$_]\n  PG: " . ($got[$_] // '(none)') } @bad[0 .. ($#bad < 9 ? $#bad : 9)]));
}
# the inputs reach the edges they are meant to
my %seen;
for my $i (0 .. $#cases) { $seen{"$cases[$i][0] $want[$i]"}++ }
ok((grep { /^tv_pct NULL$/ } keys %seen) && (grep { /^tv_half_pct NULL$/ } keys %seen) &&
    (grep { /^tv_fail_rate NULL$/ } keys %seen), 'some inputs give NULL (empty windows, no runs)');
ok(scalar(grep { /^tv_push_ms b:.{400}$/ } keys %seen), 'some windows are full (50 durations)');
ok(scalar(grep { /^tv_push_status t:.{50}$/ } keys %seen), 'some status windows are full (50 runs)');
ok(scalar(grep { /^tv_push_ms b:.*ffffff7f$/ } keys %seen), 'huge durations are clamped');

# The public functions, by name and argument count, as the C registers them.
is(pg_psql($pg, q{SELECT string_agg(DISTINCT proname || '/' || pronargs, ' ') FROM pg_proc
    WHERE proname IN ('tv_push_status', 'tv_push_ms', 'tv_pct', 'tv_half_pct', 'tv_fail_rate', 'tv_flip_rate');},
    db => $db)->{stdout}, "tv_fail_rate/1 tv_flip_rate/1 tv_half_pct/3 tv_pct/2 tv_push_ms/3 tv_push_status/3\n",
    'the six functions, with the C\'s argument counts');
is(pg_psql($pg, q{SELECT count(*) FROM pg_proc WHERE proname LIKE 'tv\_%' AND (provolatile <> 'i' OR proparallel <> 's');},
    db => $db)->{stdout}, "0\n", 'every one IMMUTABLE and PARALLEL SAFE');

# The call forms of lib/, prepared with untyped parameters as the adapter
# prepares them, then run.
$r = pg_psql($pg, <<'EOF', db => $db);
INSERT INTO projects (id, slug, name, created_at) VALUES (1, 'default', 'default', 0);
INSERT INTO runs (id, project_id, run_id, started_at, ingested_at) VALUES (1, 1, 'r1', 1000, 1000);
INSERT INTO tests (id, project_id, test_id, identity_path, name, base_name, first_seen_at)
    VALUES (7, 1, '0000000000000007', 'a.py', 't', 't', 1000);
INSERT INTO results (run, test, shard, started_at, status, duration_ms) VALUES (1, 7, 1, 1000, 1, 40);
INSERT INTO test_stats (test, project_id, last_seen_at, recent, recent_ms, last_run)
    VALUES (7, 1, 1000, 'PPSP', '\x0a000000140000001e000000280000003200000060000000', 1);
INSERT INTO stream_stats (project_id, branch, job, test, last_status, last_run, last_result_at, runs_count,
    passed_count, failed_count, error_count, skipped_count, recent) VALUES (1, 'main', '', 7, 'passed', 1, 1000,
    1, 1, 0, 0, 0, 'PF');
PREPARE a AS SELECT tv_push_status(recent, $1, 0) FROM test_stats;
PREPARE b AS SELECT tv_push_status('', status, 0) || ' ' || tv_fail_rate(tv_push_status('', status, 0))
    FROM results WHERE run = $1;
PREPARE c AS SELECT tv_push_status(recent, r.status, last_run IS NOT DISTINCT FROM $1) || ' '
    || encode(tv_push_ms(recent_ms, r.duration_ms, last_run IS NOT DISTINCT FROM $1), 'hex') || ' '
    || tv_pct(tv_push_ms(recent_ms, r.duration_ms, last_run IS NOT DISTINCT FROM $1), 50) || ' '
    || tv_pct(tv_push_ms(recent_ms, r.duration_ms, last_run IS NOT DISTINCT FROM $1), 95)
    FROM test_stats, results r WHERE r.test = test_stats.test AND r.run = $2;
PREPARE d AS SELECT tv_push_status(s.recent, CASE s.last_status WHEN 'passed' THEN 0 WHEN 'failed' THEN 1
    WHEN 'error' THEN 2 ELSE 3 END, s.last_run = $1) FROM stream_stats s;
PREPARE e AS SELECT tv_pct($1, 50) || ' ' || tv_pct($1, 95) || ' ' || tv_fail_rate($2) || ' ' || tv_flip_rate($2);
PREPARE f AS SELECT tv_half_pct(recent_ms, 0, 50) || ' ' || tv_half_pct(recent_ms, 1, 50) FROM test_stats;
EXECUTE a('2');
EXECUTE b('1');
EXECUTE c('1', '1');
EXECUTE c('2', '1');
EXECUTE d('1');
EXECUTE d('2');
EXECUTE e('\x0c000000', 'PFP');
EXECUTE f;
EOF
is($r->{exit}, 0, 'the call forms of lib/ prepare with untyped parameters and run') or diag($r->{stderr});
is($r->{stdout}, join("\n", 'PPSPE', 'F 1', 'PPSF 0a000000140000001e000000280000003200000028000000 30 50',
    'PPSPF 0a000000140000001e00000028000000320000006000000028000000 40 96', 'PP', 'PFP',
    '12 12 0.3333333333333333 1', '20 50') . "\n",
    'with the values the C gives (replace when the latest run is this one)');

pg_psql($pg, "DROP DATABASE $db;");
pg_stop($pg);
done_testing();
