#!/usr/bin/perl
# The write path on PostgreSQL (issue 14 item 1): the demo history
# (bin/demo-data through `testvis ingest`, then `testvis batch`) stored
# natively in a SQLite and in a PostgreSQL database, at one fixed clock,
# leaves the same derived data in both: rollups and windows per test and
# per stream, percentiles, incidents, events, failure groups, flaky
# states, signals and feature timelines.  Rows are matched by their
# natural keys (ids may differ between the engines), doubles to 1e-10,
# JSON by value; only wall-clock times (ingested_at, an event's at) are
# left out.  Runs against TESTVIS_TEST_PG, or a private cluster
# (t/lib/PG.pm).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use TV;
use PG qw(pg_start pg_psql pg_stop pg_migrated_db);

my $pg = pg_start();
plan skip_all => "no PostgreSQL: $PG::why" unless $pg;
my $root = tv_root();
my $tv = tv_build() . '/bin/testvis';
my $now = 1764000000000;	# 2025-11-24T16:00:00Z: the history's end

my $db = "tv_ingest_$$";
my $url = pg_migrated_db($pg, $db);
pass('a migrated PostgreSQL database');
my $pconf = tv_scratch() . '/pg-ingest.conf';
open(my $fh, '>', $pconf) or die "$pconf: $!";
print $fh "db = $url\nauth_read = public\n";
close $fh;
my $r;
$r = run_cmd(argv => [$tv, 'project', 'add', 'default'], env => { TESTVIS_CONF => $pconf });
is($r->{exit}, 0, 'with the default project') or diag($r->{stderr});
my $lite = new_instance();

# the same history into both, then a batch at the same clock
for my $e (['SQLite', $lite->{conf}], ['PostgreSQL', $pconf]) {
	my ($name, $conf) = @$e;
	$r = run_cmd(argv => ['python3', "$root/bin/demo-data", '--now', $now],
	    env => { TESTVIS_CONF => $conf, BUILD => tv_build() });
	is($r->{exit}, 0, "the demo history ingested into $name") or diag($r->{stderr});
	$r = run_cmd(argv => [$tv, 'batch', '--now', '2025-11-24T16:30:00Z'],
	    env => { TESTVIS_CONF => $conf });
	is($r->{exit}, 0, "a batch on $name") or diag($r->{stderr});
}

# Each check: a query both engines run (HEX(x) spelled per engine) whose
# rows are compared as sets; "real:" marks a DOUBLE column, "json:" a JSON
# one (no commas before a marker but between columns).
my $RUN = sub { "(SELECT run_id FROM runs WHERE id = $_[0])" };
my $TEST = sub { "(SELECT test_id FROM tests WHERE id = $_[0])" };
my %checks = (
	runs => 'SELECT run_id, branch, job, git_sha, session_id, started_at, tests, passed, failed, '
	    . 'errors, skipped FROM runs',
	tests => 'SELECT test_id, name, base_name, classname, file, state, first_seen_at, '
	    . '(SELECT path FROM features WHERE id = feature), CASE WHEN alias_of IS NULL THEN 0 ELSE 1 END FROM tests',
	results => "SELECT ${\ $RUN->('run')}, ${\ $TEST->('test')}, started_at, status, duration_ms, attempts, "
	    . 'flaky_in_run, fingerprint, assertions FROM results',
	test_stats => "SELECT ${\ $TEST->('test')}, last_seen_at, last_status, ${\ $RUN->('last_run')}, "
	    . 'last_result_at, last_passed_at, last_failed_at, runs_count, passed_count, failed_count, '
	    . 'error_count, skipped_count, flaky_count, recent, HEX(recent_ms), p50_ms, p95_ms, real:fail_rate, '
	    . 'real:flip_rate, CASE WHEN open_incident IS NULL THEN 0 ELSE 1 END, same_sha_flakes, flaky_first_at, '
	    . 'flaky_last_at FROM test_stats',
	stream_stats => "SELECT branch, job, ${\ $TEST->('test')}, last_status, ${\ $RUN->('last_run')}, "
	    . 'last_result_at, last_passed_at, last_failed_at, runs_count, passed_count, failed_count, '
	    . 'error_count, skipped_count, recent, real:fail_rate, flaky_at FROM stream_stats',
	incidents => "SELECT ${\ $TEST->('test')}, branch, ${\ $RUN->('opened_run')}, opened_at, "
	    . "${\ $RUN->('last_run')}, last_failed_at, ${\ $RUN->('closed_run')}, closed_at, failure_count, "
	    . 'fingerprint, message FROM incidents',
	events => 'SELECT kind, subject, json:payload FROM events',
	failure_groups => 'SELECT fingerprint, occurrences, first_seen_at, last_seen_at, message, error_type '
	    . 'FROM failure_groups',
	failure_tests => "SELECT fingerprint, ${\ $TEST->('test')}, occurrences, last_seen_at FROM failure_tests",
	failure_streams => "SELECT fingerprint, branch, job, ${\ $TEST->('test')}, occurrences, last_seen_at "
	    . 'FROM failure_streams',
	flaky_windows => "SELECT ${\ $TEST->('test')}, branch, job, recent, ${\ $RUN->('last_run')} FROM flaky_windows",
	flaky_states => "SELECT ${\ $TEST->('test')}, state, first_at, last_at, resolved_at, same_sha, "
	    . 'retry_passes, real:flip_rate, flip_branch, flip_active, flip_job, monitors, json:evidence FROM flaky_states',
	signals => "SELECT ${\ $RUN->('run')}, ${\ $RUN->('baseline_run')}, signal_type, severity, status, subject, "
	    . "${\ $TEST->('test')}, file, message, created_at, alerted, json:evidence FROM signals",
	signal_tests => "SELECT (SELECT signal_type || ' ' || subject FROM signals WHERE id = signal), "
	    . "${\ $TEST->('test')} FROM signal_tests",
	feature_days => '(SELECT path FROM features WHERE id = feature), day, runs, passed, failed, skipped, '
	    . "${\ $RUN->('last_run')}, last_run_at FROM feature_days",
);
$checks{feature_days} = "SELECT $checks{feature_days}";

my $json = JSON::PP->new->canonical;
# The rows of sql on one engine, fields normalized: doubles to 1e-10,
# JSON re-encoded canonically.
sub rows {
	my ($engine, $sql) = @_;
	my %kind;
	while ($sql =~ /(real|json):/) {
		my $k = $1;
		my $at = () = $` =~ /,/g;
		$kind{$at} = $k;
		$sql =~ s/(real|json)://;
	}
	my $out;
	if ($engine eq 'lite') {
		$sql =~ s/HEX\(([^)]*)\)/lower(hex($1))/g;
		my $x = run_cmd(argv => ['sqlite3', '-separator', "\t", $lite->{db}, $sql]);
		die "sqlite3: $x->{stderr}" if $x->{exit};
		$out = $x->{stdout};
	} else {
		$sql =~ s/HEX\(([^)]*)\)/encode($1, 'hex')/g;
		my $x = pg_psql($pg, "\\pset fieldsep '\\t'\n$sql;", db => $db);
		die "psql: $x->{stderr}" if $x->{exit};
		$out = $x->{stdout};
	}
	my @rows;
	for my $line (split /\n/, $out) {
		my @f = split /\t/, $line, -1;
		for my $i (0 .. $#f) {
			next unless $kind{$i} && length $f[$i];
			$f[$i] = $kind{$i} eq 'json' ? $json->encode(decode_json($f[$i])) :
			    sprintf('%.10f', $f[$i]);
		}
		push @rows, join("\t", @f);
	}
	return [sort @rows];
}

for my $t (sort keys %checks) {
	my $a = rows('lite', $checks{$t});
	my $b = rows('pg', $checks{$t});
	ok(@$a > 0, "$t: SQLite has rows (" . scalar(@$a) . ')');
	is_deeply($b, $a, "$t: PostgreSQL holds the same") or do {
		my %in_a = map { $_ => 1 } @$a;
		my %in_b = map { $_ => 1 } @$b;
		diag("only SQLite: $_") for (grep { !$in_b{$_} } @$a)[0 .. 2];
		diag("only PostgreSQL: $_") for (grep { !$in_a{$_} } @$b)[0 .. 2];
	};
}

pg_psql($pg, "DROP DATABASE $db;");
pg_stop($pg);
done_testing();
