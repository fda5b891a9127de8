#!/usr/bin/perl
# Rollups per stream (issue 13 item 4, migration 0008): ingest keeps a
# stream_stats row per (branch, job, test), and a database made before it
# migrates forward with the same rows counted in from its history; the
# figures of a branch never mix in another branch's or job's results.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open' });
sub sql { my ($q) = @_; return $inst->sql($q) }
# a report of suite $s: name => P F E S
sub report { my ($s, %t) = @_;
	return qq{<testsuite name="$s">} . join('', map { my $st = $t{$_};
	    qq{<testcase classname="$s" name="$_">}
	    . ($st eq 'F' ? '<failure message="no"/>' : $st eq 'E' ? '<error message="boom"/>' : $st eq 'S' ? '<skipped/>' : '')
	    . '</testcase>' } sort keys %t) . '</testsuite>' }
my $n = 0;
sub post { my ($branch, $job, $body, %o) = @_;
	my $qs = "?branch=$branch&started_at=" . sprintf('2026-03-01T%02d:%02d:00Z', 8 + int($n / 60), $n % 60)
	    . ($job ? "&job=$job" : '') . '&run_id=' . ($o{run_id} // 'r' . $n) . ($o{shard} ? "&shard=$o{shard}" : '');
	$n++ unless $o{shard} && $o{shard} ne 's1';
	my $r = $inst->cgi('ingest', 'POST', "/api/tests/ingest$qs", body => $body, content_type => 'application/xml');
	die "ingest: $r->{status} $r->{body}" unless $r->{status} == 201;
	return $r }

# main/unit: a broken once, b skipped then passing; main/e2e: x flips;
# dev/unit: a passes, c only there; the unnamed job on main: u
post('main', 'unit', report('u', a => 'P', b => 'S')) for 1 .. 3;
post('main', 'unit', report('u', a => 'F', b => 'P'));
post('main', 'unit', report('u', a => 'E', b => 'P'));
post('main', 'e2e', report('e', x => $_ % 2 ? 'F' : 'P')) for 1 .. 5;
post('dev', 'unit', report('u', a => 'P', b => 'P', c => 'F')) for 1 .. 2;
post('main', '', report('n', u => 'P'));
# two shards of one run with the same tests: the last writer's status
post('dev', 'unit', report('u', a => 'F', c => 'P'), run_id => 'again', shard => 's1');
post('dev', 'unit', report('u', a => 'P', c => 'F'), run_id => 'again', shard => 's2');

my $cols = 'project_id, branch, job, test, last_status, last_run, last_result_at, last_passed_at, '
    . 'last_failed_at, runs_count, passed_count, failed_count, error_count, skipped_count, recent, fail_rate';
# what the history says alike (a status a later shard of its run replaced
# leaves its time in last_passed_at / last_failed_at at ingest, as in
# test_stats; the history no longer has it)
my $same = 'project_id, branch, job, test, last_status, last_run, last_result_at, runs_count, passed_count, '
    . 'failed_count, error_count, skipped_count, recent, fail_rate';
my $kept = sql("SELECT $cols FROM stream_stats ORDER BY branch, job, test");
my $kept_same = sql("SELECT $same FROM stream_stats ORDER BY branch, job, test");
my %row = map { my @f = split /\|/; ("$f[1]/$f[2]/" . sql("SELECT name FROM tests WHERE id = $f[3]") => \@f) }
    split /\n/, $kept;
is_deeply([sort keys %row], [sort qw(dev/unit/a dev/unit/b dev/unit/c main//u main/e2e/x main/unit/a main/unit/b)],
    'one row per (branch, job, test); the unnamed job is ""');
is_deeply([@{$row{'main/unit/a'}}[4, 9 .. 14]], ['error', 5, 3, 1, 1, 0, 'PPPFE'],
    'main/unit/a: latest error, counters and the status window');
is($row{'main/unit/a'}[15], 0.4, 'its failure share: 2 of 5');
is_deeply([@{$row{'main/unit/b'}}[4, 14]], ['passed', 'SSSPP'], 'b: skipped three times, then passed');
is($row{'main/unit/b'}[15] + 0, 0, 'skips ran not: the failure share of b is 0');
is_deeply([@{$row{'dev/unit/a'}}[4, 9 .. 11, 14]], ['passed', 3, 3, 0, 'PPP'],
    'two shards of one run count the run once, with the last status');
is_deeply([@{$row{'dev/unit/c'}}[4, 9, 14]], ['failed', 3, 'FFF'], 'the second shard replaces the run\'s status in the window');
is($row{'main/e2e/x'}[14], 'FPFPF', 'another job of the branch keeps its own window');

# the migration counts the same rows in from the history of a database
# made before it (the rows ingest keeps are the truth)
# (on PostgreSQL, 0010's SQL functions go too: the only functions there)
sql(TV::undo_sql(16, $inst->engine) . ' DROP TABLE stream_stats; DELETE FROM schema_migrations WHERE version >= 8; DROP TABLE signal_tests; DROP TABLE secrets; DROP TABLE dashboards; DROP TABLE incident_days; DROP INDEX incidents_closed;'
    . ($inst->engine eq 'postgresql' ? q{
    DO $$ DECLARE f regprocedure; BEGIN
	FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	    WHERE n.nspname = 'public' LOOP EXECUTE 'DROP FUNCTION ' || f; END LOOP;
    END $$;} : ''));
my $r = $inst->cli('migrate');
is($r->{exit}, 0, 'an older database migrates forward') or diag($r->{stderr});
is(sql("SELECT $same FROM stream_stats ORDER BY branch, job, test"), $kept_same,
    'migration 0008 counts in the same rows from the history kept');
is(sql('SELECT count(*) FROM runs'), 14, 'the history is intact');
is(sql("SELECT last_passed_at || '/' || coalesce(CAST(last_failed_at AS TEXT), '-') FROM stream_stats s JOIN tests t ON t.id = s.test WHERE branch = 'main' AND job = 'unit' AND t.name = 'a'"),
    $row{'main/unit/a'}[7] . '/' . $row{'main/unit/a'}[8], 'and the times of the latest pass and failure');

# the views read them: main's catalogue, dev's, one job's
sub names { my ($qs) = @_; my $r = $inst->cgi('tests', 'GET', "/api/tests$qs");
	die "$qs: $r->{status} $r->{body}" unless $r->{status} == 200;
	return join(',', map { "$_->{name}:$_->{last_status}" } @{$r->{json}{tests}}) }
is(names('?branch=main'), 'a:error,b:passed,u:passed,x:failed', 'main: its tests with their latest status there');
is(names('?branch=dev'), 'a:passed,b:passed,c:failed', 'dev: its own');
is(names('?branch=main&job=e2e'), 'x:failed', 'one job of the branch');
is(names('?branch=dev&status=failing'), 'c:failed', 'status=failing within the branch');
my $d = $inst->cgi('insights', 'GET', '/api/dashboard?branch=main')->{json};
is_deeply([@$d{qw(total_tests passing failing skipped)}], [4, 2, 2, 0], 'the dashboard of main counts main alone');
$d = $inst->cgi('insights', 'GET', '/api/dashboard?branch=main&job=unit')->{json};
is_deeply([@$d{qw(total_tests passing failing)}], [2, 1, 1], 'and one job of it');
# a test failing in one job's newest run and passing in another's is failing
post('main', 'e2e', report('u', a => 'P'));
is(names('?branch=main&q=a'), 'a:error', 'issue 13: the worst of the latest of each job (a errs in unit, passes in e2e)');
my $t = $inst->cgi('tests', 'GET', "/api/tests?branch=main&q=a")->{json}{tests}[0];
is($t->{runs}, 6, 'runs add up over the jobs of the branch');

done_testing();
