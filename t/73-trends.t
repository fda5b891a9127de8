#!/usr/bin/perl
# GET /api/trends (REP-2, issue 16 item 2) on scripted histories with
# exact values: weekly series with a run one second before and one at
# the Monday 00:00 UTC boundary, every metric (pass rate, failures, the
# newest run's test count, the p95 of run durations, flaky tests and open
# incidents at each interval's end), branch and job scoping, an empty
# range; a daily series with one known anomaly (median ± k·MAD) and the
# least-squares forecast with its 95% interval worked out by hand; and
# 400s for bad parameters.  Runs on both engines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance();

# run(id, when, branch, suite ms, [name, P|F]...)
sub run {
	my ($id, $when, $branch, $ms, @cases) = @_;
	$inst->ingest_cases($id, { branch => $branch, job => 'unit',
	    started_at => $when, suite_ms => $ms }, @cases);
}
# trend(query): the answer of GET /api/trends?query (200 expected)
sub trend {
	my ($q) = @_;
	my $r = $inst->cgi('trends', 'GET', "/api/trends?$q");
	is($r->{status}, 200, "trends?$q") or diag($r->{body});
	return $r->{json} // {};
}
sub vals { join ' ', map { $_->{value} // 'null' } @{$_[0]{series} || []} }

run('w1', '2026-03-01T23:59:59Z', 'main', 1000, [a => 'P'], [b => 'P'], [c => 'P'], [d => 'F']);
run('w2a', '2026-03-02T00:00:00Z', 'main', 2000, [a => 'P'], [b => 'P'], [c => 'P'], [d => 'P']);
run('w2b', '2026-03-03T10:00:00Z', 'main', 4000, [a => 'P'], [b => 'P'], [c => 'F'], [d => 'F']);
run('w4', '2026-03-17T10:00:00Z', 'main', 3000, [a => 'P'], [b => 'P'], [c => 'P']);
run('dev', '2026-03-17T11:00:00Z', 'dev', 9000, [a => 'F'], [b => 'F']);
# flaky spans, as the batch keeps them: one from Feb 25 to Mar 10, one
# since Mar 5
my $t = $inst->sql("SELECT min(id) FROM tests");
my $pid = $inst->sql("SELECT id FROM projects WHERE slug = 'default'");
$inst->sql("INSERT INTO flaky_states (test, project_id, state, first_at, last_at, resolved_at) VALUES "
    . "($t, $pid, 'resolved', " . TV::iso_ms('2026-02-25T00:00:00.000Z') . ', ' . TV::iso_ms('2026-03-01T00:00:00.000Z') . ', ' . TV::iso_ms('2026-03-10T00:00:00.000Z') . '), '
    . '(' . ($t + 1) . ", $pid, 'flaky', " . TV::iso_ms('2026-03-05T00:00:00.000Z') . ', ' . TV::iso_ms('2026-03-05T00:00:00.000Z') . ', NULL)');

my $w = 'window=4&until=2026-03-18T12:00:00Z&branch=main';
my $j = trend("metric=pass_rate&$w");
is_deeply([map { $_->{start} } @{$j->{series}}], ['2026-02-23T00:00:00.000Z',
    '2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z', '2026-03-16T00:00:00.000Z'],
    'weeks start on Monday 00:00 UTC, the last holds `until`');
is(join(' ', map { $_->{runs} } @{$j->{series}}), '1 2 0 1',
    'Sunday 23:59:59 is the old week, Monday 00:00:00 the new one');
is(vals($j), '0.75 0.75 null 1', 'pass rate: passed / (passed + failed + errors); no runs: null');
is($j->{unit}, 'ratio', '... a ratio');
is($j->{branch}, 'main', 'the branch it answers for');
is(vals(trend("metric=failures&$w")), '1 2 null 0', 'failures: failed + errors');
is(vals(trend("metric=tests_count&$w")), '4 4 null 3', 'tests of the newest run of each week');
is(vals(trend("metric=duration_p95&$w")), '1000 4000 null 3000', 'p95 of run durations (ms)');
is(vals(trend("metric=incidents_open&$w")), '1 2 2 1',
    'incidents open at each week\'s end, on main (d never ran again)');
is(vals(trend('metric=incidents_open&window=4&until=2026-03-18T12:00:00Z&branch=*')),
    '1 2 2 3', 'every branch: dev\'s two as well');
is(vals(trend("metric=flaky_count&$w")), '1 2 1 1', 'flaky tests at each week\'s end');
is(vals(trend("metric=pass_rate&$w&job=e2e")), 'null null null null', 'another job: no runs');
is(vals(trend('metric=pass_rate&window=4&until=2026-03-18T12:00:00Z&branch=dev')),
    'null null null 0', 'dev: its own run');
my $empty = trend('metric=failures&window=3&until=2020-01-01T00:00:00Z&branch=main');
is(vals($empty), 'null null null', 'an empty range: no values');
is(scalar @{$empty->{anomalies}{points}}, 0, '... no anomalies');
is(scalar @{$empty->{forecast}{points}}, 0, '... and no forecast');

# ---- a daily series with a known anomaly and trend ----
my @fails = (1, 1, 1, 1, 1, 1, 1, 6, 1, 1);
for my $d (0 .. 9) {
	run("z$d", sprintf('2026-04-%02dT12:00:00Z', $d + 1), 'z', 1000,
	    map { ["t$_", $_ < $fails[$d] ? 'F' : 'P'] } 0 .. 7);
}
$j = trend('metric=failures&interval=day&window=10&until=2026-04-10T13:00:00Z&branch=z&horizon=2');
is(vals($j), '1 1 1 1 1 1 1 6 1 1', 'daily failures');
like($j->{anomalies}{method}, qr/median.*MAD/, 'the anomaly method is named');
is($j->{anomalies}{k}, 3, '... with its k');
is_deeply([map { [$_->{start}, $_->{value}, $_->{low}, $_->{high}] } @{$j->{anomalies}{points}}],
    [['2026-04-08T00:00:00.000Z', 6, 1, 1]],
    'the one anomaly: 6 outside the band [1, 1] of the previous 7');
like($j->{forecast}{method}, qr/least-squares.*95%/, 'the forecast method is named');
my @f = @{$j->{forecast}{points}};
is(scalar @f, 2, 'horizon 2: two points');
is($f[0]{start}, '2026-04-11T00:00:00.000Z', 'the next day first');
ok(abs($f[0]{value} - 2.3333) < 1e-3 && $f[0]{low} == 0 && abs($f[0]{high} - 6.8154) < 1e-3,
    "day 11: 2.333 in [0 (clamped), 6.815] ($f[0]{value}, $f[0]{low}, $f[0]{high})");
ok(abs($f[1]{value} - 2.4848) < 1e-3 && abs($f[1]{high} - 7.1839) < 1e-3,
    "day 12: 2.485, up to 7.184 ($f[1]{value}, $f[1]{high})");
$j = trend('metric=failures&interval=day&window=10&until=2026-04-10T13:00:00Z&branch=z&k=10');
is($j->{anomalies}{k}, 10, 'k is taken from the request');

# ---- bad parameters ----
for my $q ('', 'metric=speed', 'metric=failures&window=1', 'metric=failures&k=0',
    'metric=failures&interval=month', 'metric=failures&horizon=13',
    'metric=failures&until=yesterday', 'metric=failures&colour=red') {
	my $r = $inst->cgi('trends', 'GET', "/api/trends?$q");
	is($r->{status}, 400, "400 for '$q'");
	ok($r->{json}{error}{details}{param}, '... naming the parameter');
}

done_testing();
