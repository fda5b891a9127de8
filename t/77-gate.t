#!/usr/bin/perl
# The quality gate (issue 17 item 3, API-28): GET
# /api/tests/runs/{run_id}/gate and `testvis gate RUN_ID` on scripted
# runs: new failures against the previous run of the stream (a test
# failing again is not new; a new test failing is), a quarantined new
# failure and a known flaky one excused (a run whose only new failure is
# quarantined passes), a run with no baseline, an agent run that deleted
# tests failing on the count drop, an integrity signal at or above the
# severity, the pass-rate minimum, every rule overridden per request,
# fail_status for curl --fail, the rules from testvis.conf (per project:
# two projects judged differently by one file; bad keys refused at load,
# naming the line), the exit
# codes, and 400s/404s.  Runs on both engines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance();
my $t = 0;
# up(run, branch, [name, P|F]...): a run of job unit, an hour apart
sub up {
	my ($run, $branch, @cases) = @_;
	$t++;
	$inst->ingest_cases($run, { branch => $branch, job => 'unit',
	    started_at => sprintf('2026-11-02T%02d:00:00Z', $t) }, @cases);
}
sub gate {
	my ($run, $q, $want) = @_;
	my $r = $inst->cgi('runs', 'GET', "/api/tests/runs/$run/gate" . ($q // ''));
	is($r->{status}, $want // 200, "gate $run" . ($q // '') . ': ' . ($want // 200)) or diag($r->{body});
	return $r->{json} // {};
}
sub rules { join ' ', map { $_->{rule} } @{$_[0]{reasons} || []} }
sub tid {
	my ($name, $branch) = @_;
	return $inst->sql("SELECT test_id FROM tests WHERE name = '$name'");
}

# ---- new failures: new, still failing, excused ----
up('b1', 'main', [a => 'P'], [b => 'P'], [c => 'P'], [d => 'F'], [g => 'P']);
up('r2', 'main', [a => 'P'], [b => 'F'], [c => 'F'], [d => 'F'], [e => 'F'], [g => 'F']);
my $admin = $inst->token('default', 'admin');
my $q = $inst->cgi('tests', 'PUT', '/api/tests/' . tid('c') . '/state', headers => { Authorization => "Bearer $admin" },
    body => '{"state":"quarantined","reason":"known broken"}', content_type => 'application/json');
is($q->{status}, 200, 'c is quarantined') or diag($q->{body});
my $pid = $inst->sql("SELECT id FROM projects WHERE slug = 'default'");
$inst->sql("INSERT INTO flaky_states (test, project_id, state, first_at, last_at) SELECT id, $pid, 'flaky', 1, 1 "
    . "FROM tests WHERE name = 'g'");

my $g = gate('r2');
is($g->{pass}, JSON::PP::false, 'r2 fails the gate');
is(rules($g), 'new_failures', '... for its new failures alone');
is($g->{reasons}[0]{message}, '2 new failures (at most 0 allowed)', '... b, and e (a new test failing)');
is($g->{baseline_run_id}, 'b1', '... against the previous run of its stream');
is(join(' ', map { $_->{name} . ':' . ($_->{excused} // '-') } @{$g->{new_failures}}), 'b:- c:quarantined e:- g:flaky',
    'd failed before: not new; c quarantined and g known flaky: listed, excused');
is_deeply([@{$g->{counts}}{qw(new_failures excused_failures tests baseline_tests)}], [2, 2, 6, 5], 'the counts');
is($g->{new_failures}[0]{message}, 'b broke', 'a new failure with its message');
is_deeply($g->{rules}, { max_new_failures => 0, severity => 'high', max_count_drop => 0, min_pass_rate_pct => 0 },
    'the rules of testvis.conf (the defaults)');
is(gate('r2', '?max_new_failures=2')->{pass}, JSON::PP::true, 'max_new_failures=2: it passes');
my $r = $inst->cgi('runs', 'GET', '/api/tests/runs/r2/gate?fail_status=422');
is($r->{status}, 422, 'fail_status=422: a failed verdict answers 422 (curl --fail fails)');
is($r->{json}{pass}, JSON::PP::false, '... with the verdict in the body');
is(gate('r2', '?fail_status=422&max_new_failures=5')->{pass}, JSON::PP::true, '... and a passing one 200');
is(gate('b1')->{baseline_run_id}, undef, 'a first run has no baseline ...');
is(rules(gate('b1')), 'new_failures', '... and every failure of it is new');

# ---- a quarantined new failure alone passes ----
up('q1', 'q', [x => 'P'], [y2 => 'P']);
up('q2', 'q', [x => 'P'], [y2 => 'F']);
$q = $inst->cgi('tests', 'PUT', '/api/tests/' . tid('y2') . '/state', headers => { Authorization => "Bearer $admin" },
    body => '{"state":"quarantined","reason":"flaky infra"}', content_type => 'application/json');
is($q->{status}, 200, 'y2 is quarantined');
$g = gate('q2');
is($g->{pass}, JSON::PP::true, 'a run whose only new failure is quarantined passes');
is($g->{counts}{excused_failures}, 1, '... the failure excused');

# ---- an agent run that deleted tests ----
up('a1', 'agent', map { ["t$_", 'P'] } 1 .. 10);
up('a2', 'agent', map { ["t$_", 'P'] } 1 .. 6);
$g = gate('a2');
is($g->{pass}, JSON::PP::false, 'an agent run that deleted 4 tests fails');
is(rules($g), 'count_drop', '... on the count drop');
is($g->{reasons}[0]{message}, '4 tests fewer than the baseline (at most 0 allowed)', '... saying how many');
is(gate('a2', '?max_count_drop=4')->{pass}, JSON::PP::true, 'max_count_drop=4: it passes');
# an integrity signal on it (as the batch raises them)
my $a2 = $inst->sql("SELECT id FROM runs WHERE run_id = 'a2'");
$inst->sql("INSERT INTO signals (project_id, run, signal_type, severity, subject, message, created_at, updated_at) "
    . "VALUES ($pid, $a2, 'test_removed', 'high', 'suite s', '4 tests removed', 1, 1)");
is(rules(gate('a2', '?max_count_drop=4')), 'signals', 'a high signal fails it (severity high by default)');
is(gate('a2', '?max_count_drop=4')->{signals}[0]{signal_type}, 'test_removed', '... listing the signal');
is(gate('a2', '?max_count_drop=4&severity=critical')->{pass}, JSON::PP::true, 'severity=critical: a high one does not count');
is(gate('a2', '?max_count_drop=4&severity=off')->{pass}, JSON::PP::true, 'severity=off: none counts');
$inst->sql("UPDATE signals SET status = 'resolved' WHERE run = $a2");
is(gate('a2', '?max_count_drop=4')->{pass}, JSON::PP::true, 'a resolved signal does not count');

# ---- pass rate ----
up('p1', 'pr', [p1 => 'P'], [p2 => 'P'], [p3 => 'P'], [p4 => 'F']);
$g = gate('p1', '?max_new_failures=5&min_pass_rate_pct=80');
is(rules($g), 'pass_rate', 'a pass rate of 75% under 80%: fails');
is($g->{reasons}[0]{message}, 'pass rate 75% under the minimum 80%', '... saying both');
is(gate('p1', '?max_new_failures=5&min_pass_rate_pct=75')->{pass}, JSON::PP::true, '75% meets 75%');

# ---- bad requests ----
gate('nope', '', 404);
for my $bad (qw(severity=bogus max_new_failures=-1 max_new_failures=x fail_status=200 fail_status=600
    min_pass_rate_pct=101 max_count_drop=-2 nope=1)) {
	my $x = $inst->cgi('runs', 'GET', "/api/tests/runs/r2/gate?$bad");
	is($x->{status}, 400, "$bad: 400");
	(my $k = $bad) =~ s/=.*//;
	like($x->{body}, qr/\Q$k\E/, "$bad: names it");
}

# ---- the CLI and testvis.conf ----
$r = $inst->cli('gate', 'r2');
is($r->{exit}, 1, 'testvis gate r2: exit 1 (fails)');
is(TV::decode_json_safe($r->{stdout})->{pass}, JSON::PP::false, '... printing the verdict');
$r = $inst->cli('gate', 'q2');
is($r->{exit}, 0, 'testvis gate q2: exit 0 (passes)');
$r = $inst->cli('gate', 'nope');
is($r->{exit}, 1, 'an unknown run: exit 1');
like($r->{stderr}, qr/no run 'nope'/, '... saying so');
is($inst->cli('gate')->{exit}, 2, 'no run id: usage, exit 2');
my $conf = "$inst->{dir}/gate.conf";
open(my $fh, '<', $inst->{conf}) or die;
my $text = do { local $/; <$fh> };
close $fh;
open($fh, '>', $conf) or die;
print $fh $text, "gate_max_new_failures = 2\n";
close $fh;
$r = $inst->cli('--config', $conf, 'gate', 'r2');
is($r->{exit}, 0, 'gate_max_new_failures = 2 in testvis.conf: r2 passes');
is(TV::decode_json_safe($r->{stdout})->{rules}{max_new_failures}, 2, '... by that rule');
open($fh, '>', $conf) or die;
print $fh $text, "gate_severity = fatal\n";
close $fh;
$r = $inst->cli('--config', $conf, 'gate', 'r2');
isnt($r->{exit}, 0, 'an unknown gate_severity stops the program');
like($r->{stderr}, qr/gate_severity/, '... naming the key');

# ---- per-project rules: gate_KEY.SLUG ----
is($inst->cli('project', 'add', 'web')->{exit}, 0, 'project web');
for my $p (qw(default web)) {
	$t++;
	my $f = "$inst->{dir}/pp-$p.xml";
	open($fh, '>', $f) or die;
	print $fh '<testsuite name="s"><testcase classname="c.T" name="pp" time="0.01"><failure message="x">x</failure>'
	    . '</testcase></testsuite>';
	close $fh;
	is($inst->cli('ingest', '--project', $p, '--run-id', 'pp1', '--branch', 'pp', $f)->{exit}, 0, "pp1 in $p");
}
open($fh, '>', $conf) or die;
print $fh $text, "gate_max_new_failures.web = 3\ngate_severity.web = critical\ngate_min_pass_rate_pct.other = 50\n";
close $fh;
my $sib = $inst->sibling(conf => { 'gate_max_new_failures.web' => 3, 'gate_severity.web' => 'critical' });
$g = $sib->cgi('runs', 'GET', '/api/tests/runs/pp1/gate')->{json};
is($g->{pass}, JSON::PP::false, 'one testvis.conf: pp1 of project default fails (gate_max_new_failures 0) ...');
$g = $sib->cgi('runs', 'GET', '/api/tests/runs/pp1/gate?project=web')->{json};
is($g->{pass}, JSON::PP::true, '... and pp1 of project web passes (gate_max_new_failures.web = 3)');
is_deeply($g->{rules}, { max_new_failures => 3, severity => 'critical', max_count_drop => 0, min_pass_rate_pct => 0 },
    '... its rules: the two keys for web, the global ones for the rest');
is($sib->cgi('runs', 'GET', '/api/tests/runs/pp1/gate?project=web&max_new_failures=0')->{json}{pass}, JSON::PP::false,
    '... a request still overrides them');
$r = $inst->cli('--config', $conf, 'gate', 'pp1', '--project', 'web');
is($r->{exit}, 0, 'testvis gate pp1 --project web: the per-project rule, exit 0');
$r = $inst->cli('--config', $conf, 'gate', 'pp1');
is($r->{exit}, 1, 'testvis gate pp1 (default): the global rule, exit 1');
for my $bad (["gate_max_new_failures.web = -1", qr/:\d+: bad value for 'gate_max_new_failures\.web': '-1'/, 'a bad value'],
    ["gate_severity.web = fatal", qr/:\d+: bad value for 'gate_severity\.web'/, 'a bad severity'],
    ["gate_bogus.web = 1", qr/:\d+: unknown key 'gate_bogus\.web'/, 'an unknown rule'],
    ["db.web = x", qr/:\d+: unknown key 'db\.web' \(only the gate_\* rules take a \.PROJECT suffix\)/, 'a key that takes no project'],
    ["gate_max_new_failures.Web_1 = 1", qr/:\d+: bad project in 'gate_max_new_failures\.Web_1'/, 'a bad slug'],
    ["gate_max_new_failures.web = 1\ngate_max_new_failures.web = 2", qr/:\d+: duplicate key 'gate_max_new_failures\.web'/,
	'a duplicate']) {
	open($fh, '>', $conf) or die;
	print $fh $text, $bad->[0], "\n";
	close $fh;
	my $lines = () = ($text . $bad->[0]) =~ /\n/g;
	$r = $inst->cli('--config', $conf, 'gate', 'pp1');
	is($r->{exit}, 1, "$bad->[2] ($bad->[0]): refused at load");
	like($r->{stderr}, $bad->[1], '... naming the key');
	like($r->{stderr}, qr/gate\.conf:@{[$lines + 1]}:/, '... and its line');
}

done_testing();
