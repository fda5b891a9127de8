#!/usr/bin/perl
# The dashboard per branch and job (issue 13 items 4 and 6): GET
# /api/dashboard answers for the default branch unless branch= names
# another, optionally for one job=, and lists the tests failing now: those
# failed or errored in the newest run of each job on the branch, new
# (this run began the streak) or known since when, for how many runs.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open' });
sub sql { my ($q) = @_; return $inst->sql($q) }
# a report: name => 'p' (passed), 'f' (failed) or 'e' (error)
sub report { my ($suite, %t) = @_;
	return qq{<testsuite name="$suite">} . join('', map {
	    $t{$_} eq 'p' ? qq{<testcase classname="$suite" name="$_"/>} :
	    $t{$_} eq 'f' ? qq{<testcase classname="$suite" name="$_"><failure message="boom $_">x</failure></testcase>} :
	    qq{<testcase classname="$suite" name="$_"><error message="err $_">x</error></testcase>} } sort keys %t) . '</testsuite>' }
my $min = 0;
sub up { my ($run, $branch, $job, $suite, %t) = @_;
	$min++;
	my $qs = "?run_id=$run&branch=$branch&started_at=2026-01-01T10:" . sprintf('%02d', $min) . ':00Z' .
	    (defined $job ? "&job=$job" : '');
	my $r = $inst->cgi('ingest', 'POST', "/api/tests/ingest$qs", body => report($suite, %t),
	    content_type => 'application/xml');
	die "upload $run: $r->{status}" unless $r->{status} == 201;
}
sub dash { my ($qs) = @_; return $inst->cgi('insights', 'GET', '/api/dashboard' . ($qs // '')) }
sub now { my ($d) = @_; return join(' ', map { "$_->{name}\@" . ($_->{job} // '-') } @{$d->{failing_now}}) }
sub entry { my ($d, $name, $job) = @_;
	return (grep { $_->{name} eq $name && ($_->{job} // '-') eq $job } @{$d->{failing_now}})[0] }

# main, job unit: u1 fails in all three runs, u2 fails only in the newest,
# u3 failed once and is fixed
up('m-u1', 'main', 'unit', 'unit', u1 => 'f', u2 => 'p', u3 => 'f');
up('m-u2', 'main', 'unit', 'unit', u1 => 'f', u2 => 'p', u3 => 'p');
up('m-u3', 'main', 'unit', 'unit', u1 => 'e', u2 => 'f', u3 => 'p');
# main, job e2e: e1 fails; an older e2e failure e2 passes now
up('m-e1', 'main', 'e2e', 'e2e', e1 => 'p', e2 => 'f');
up('m-e2', 'main', 'e2e', 'e2e', e1 => 'f', e2 => 'p');
# main, the unnamed job: nothing fails
up('m-n1', 'main', undef, 'lint', l1 => 'p');
# a feature branch: u2 passes there, u4 fails there (twice), u5 errors
up('f-u1', 'feat', 'unit', 'unit', u1 => 'p', u2 => 'p', u4 => 'f');
up('f-u2', 'feat', 'unit', 'unit', u1 => 'p', u2 => 'p', u4 => 'f', u5 => 'e');

# u2 quarantined; e1 judged flaky (as the flaky pass would)
sql(q{UPDATE tests SET state = 'quarantined' WHERE name = 'u2'});
sql(q{INSERT INTO flaky_states (test, project_id, state, first_at, last_at) SELECT id, project_id, 'flaky', 0, 0 FROM tests WHERE name = 'e1'});

my $r = dash();
is($r->{status}, 200, 'the dashboard answers');
my $d = $r->{json};
is($d->{branch}, 'main', 'issue 13 item 4: the dashboard says it is for the default branch');
ok(exists $d->{job} && !defined $d->{job}, 'and for every job (job null)');
is(now($d), 'e1@e2e u1@unit u2@unit', 'issue 13 item 6: failing_now lists exactly the failures of the newest run of each job on main');
is($d->{failing_now_total}, 3, 'with their total');
my $u1 = entry($d, 'u1', 'unit');
ok(!$u1->{new}, 'u1 failed in the runs before: known');
is($u1->{runs_failing}, 3, 'u1 has failed 3 runs in a row (error counts as failing)');
is($u1->{since}, '2026-01-01T10:01:00.000Z', 'u1 fails since the first run of its streak');
is($u1->{run_id}, 'm-u3', 'u1 is failing in the newest unit run');
ok(defined $u1->{incident_id}, 'u1 has an open incident on main');
like($u1->{fingerprint} // '', qr/^[0-9a-f]{8,}\z/, 'u1 names its failure group (fingerprint)');
my $u2 = entry($d, 'u2', 'unit');
ok($u2->{new}, 'u2 passed in the previous unit run: new');
is($u2->{runs_failing}, 1, 'u2 has failed one run');
is($u2->{since}, '2026-01-01T10:03:00.000Z', 'u2 fails since this run');
my $e1 = entry($d, 'e1', 'e2e');
ok($e1->{new}, 'e1 is new in the e2e stream');
ok($e1->{flaky} && !$e1->{quarantined}, 'e1 is marked flaky, not quarantined');
ok($u2->{quarantined} && !$u2->{flaky}, 'u2 is marked quarantined, not flaky');
is($u2->{state}, 'quarantined', 'u2 says its state');
ok(!$u1->{flaky} && !$u1->{quarantined}, 'u1 is neither flaky nor quarantined');
is($u1->{state}, 'active', 'u1 is active');
is_deeply([sort map { $_->{run_id} } @{$d->{recent_runs}}], [qw(m-e1 m-e2 m-n1 m-u2 m-u3)],
    'recent_runs come from main only');
is($d->{pass_rate_runs}, 6, 'the pass rate counts the 6 runs of main');

$d = dash('?branch=feat')->{json};
is($d->{branch}, 'feat', 'branch= names the branch the answer is for');
is(now($d), 'u4@unit u5@unit', 'the feature branch fails u4 and u5, not main\'s u1');
is(entry($d, 'u4', 'unit')->{runs_failing}, 2, 'u4 has failed both feature runs');
is_deeply([map { $_->{run_id} } @{$d->{recent_runs}}], [qw(f-u2 f-u1)], 'recent_runs of the feature branch only');

ok(defined entry($d, 'u4', 'unit')->{incident_id}, 'u4 has its open incident on the feature branch');
isnt(entry($d, 'u4', 'unit')->{incident_id}, $u1->{incident_id}, 'a different incident than main\'s');

# the list is bounded: 101 failures of the unnamed job on branch big
up('b-1', 'big', undef, 'big', map { (sprintf('b%03d', $_) => 'f') } 1 .. 101);
$d = dash('?branch=big')->{json};
is($d->{failing_now_total}, 101, 'failing_now_total counts all 101 failures');
is(scalar @{$d->{failing_now}}, 100, 'failing_now lists 100 of them');
ok(!defined $d->{failing_now}[0]{job}, 'the unnamed job is a job (null)');
is($d->{failing_now}[0]{name}, 'b001', 'by name');

$d = dash('?job=e2e')->{json};
is($d->{job}, 'e2e', 'job= says the job');
is(now($d), 'e1@e2e', 'job= lists that job\'s failures only');
is_deeply([map { $_->{run_id} } @{$d->{recent_runs}}], [qw(m-e2 m-e1)], 'and its runs only');

$r = dash('?branch=nope');
is($r->{status}, 200, 'an unknown branch answers 200, an empty dashboard');
is_deeply([$r->{json}{failing_now}, $r->{json}{recent_runs}, $r->{json}{failing_now_total}, $r->{json}{pass_rate}],
    [[], [], 0, undef], 'nothing failing, no runs, no pass rate');

$r = dash('?branch=');
is($r->{status}, 400, 'negative: an empty branch is 400');
is($r->{json}{error}{details}{param}, 'branch', 'negative: naming branch');
$r = dash('?job=' . ('x' x 129));
is($r->{status}, 400, 'negative: a job over 128 characters is 400');

# the overview's failing count and the catalogue list it links to agree
my $all = dash()->{json};
$r = $inst->cgi('tests', 'GET', '/api/tests?status=failing&limit=500');
is($r->{status}, 200, 'issue 13: the catalogue takes status=failing');
is(scalar @{$r->{json}{tests}}, $all->{failing},
    'issue 13: the overview counts as many failing tests as status=failing lists (error included)');
ok((grep { $_->{last_status} eq 'error' } @{$r->{json}{tests}}), 'the list includes a test whose latest status is error');

done_testing();
