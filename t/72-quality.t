#!/usr/bin/perl
# GET /api/quality (issue 16 item 3, REP-3) on a scripted history, with
# exact values for every list and for MTTR, branch and job scoping, an
# empty range and the 400s of bad parameters.  Runs on either engine.
#
# The history (hours after t0, ten days ago; suites alpha, beta, gamma):
#   main/unit  u1..u6 at 1..6 h:
#     alpha  a_ok P (100 ms; 300 ms in u6), a_p1 P, a_p2 P (not in u6),
#            a_flip P F P F P F (feature shop/pay),
#            a_broke P P F F P P (feature shop/cart)      100 ms each
#     beta   b_ok P (1000 ms; 3000 ms in u6), b_new P from u4 (500 ms)
#   main/e2e   e1, e2 at 1.5 h and 2.5 h: a_ok P, gamma's e_only P
#   feat-x/unit f1, f2 at 7 h and 8 h: a_ok P, a_broke F then P
# Incidents closed: a_flip on main u2->u3 and u4->u5 (1 h each), a_broke
# on main u3->u5 (2 h), a_broke on feat-x f1->f2 (1 h); a_flip's from u6
# stays open.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX qw(strftime);
use TV;

my $inst = new_instance(conf => { default_branch => 'main' });
note("engine: " . $inst->engine);
my $d = tv_scratch();
my $t0 = int(time() / 3600) * 3600 - 10 * 86400;
my $H = 3600 * 1000;

sub iso { my ($t) = @_; return strftime('%Y-%m-%dT%H:%M:%S', gmtime(int $t)) . 'Z' }

# case(name, status P|F, seconds, feature): one testcase's XML
sub case {
	my ($n, $s, $t, $feature) = @_;
	my $x = qq{<testcase classname="c.T" name="$n" time="$t">};
	$x .= qq{<properties><property name="feature" value="$feature"/></properties>}
	    if defined $feature;
	$x .= qq{<failure message="$n broke">at T:1</failure>} if $s eq 'F';
	return "$x</testcase>";
}
# ingest(run_id, branch, job, hours after t0, suite => [cases]...)
my $seq = 0;
sub ingest {
	my ($id, $branch, $job, $h, %suites) = @_;
	my $x = '<testsuites>';
	for my $s (sort keys %suites) {
		$x .= qq{<testsuite name="$s">} . join('', map { case(@$_) } @{$suites{$s}})
		    . '</testsuite>';
	}
	my $f = "$d/q" . ++$seq . '.xml';
	open(my $fh, '>', $f) or die;
	print $fh "$x</testsuites>";
	close $fh;
	my $r = $inst->cli('ingest', '--run-id', $id, '--branch', $branch, '--job', $job,
	    '--git-sha', "sha$seq", '--started-at', iso($t0 + $h * 3600), $f);
	die "ingest $id: $r->{stdout}$r->{stderr}" unless $r->{exit} == 0;
}

my @flip = qw(P F P F P F);
my @broke = qw(P P F F P P);
for my $i (1 .. 6) {
	my @alpha = (['a_ok', 'P', $i == 6 ? 0.3 : 0.1], ['a_p1', 'P', 0.1]);
	push @alpha, ['a_p2', 'P', 0.1] if $i < 6;
	push @alpha, ['a_flip', $flip[$i - 1], 0.1, 'shop/pay'],
	    ['a_broke', $broke[$i - 1], 0.1, 'shop/cart'];
	my @beta = (['b_ok', 'P', $i == 6 ? 3 : 1]);
	push @beta, ['b_new', 'P', 0.5] if $i >= 4;
	ingest("u$i", 'main', 'unit', $i, alpha => \@alpha, beta => \@beta);
	ingest("e$i", 'main', 'e2e', $i + 0.5, alpha => [['a_ok', 'P', 0.1]],
	    gamma => [['e_only', 'P', 0.2]]) if $i <= 2;
}
ingest('f1', 'feat-x', 'unit', 7, alpha => [['a_ok', 'P', 0.1], ['a_broke', 'F', 0.1, 'shop/cart']]);
ingest('f2', 'feat-x', 'unit', 8, alpha => [['a_ok', 'P', 0.1], ['a_broke', 'P', 0.1, 'shop/cart']]);
my $bt = $inst->cli('batch', '--now', iso($t0 + 9 * 3600));
die "batch: $bt->{stdout}$bt->{stderr}" unless $bt->{exit} == 0;

my %fid = map { (split /\|/)[1, 0] } split /\n/, $inst->sql('SELECT id, path FROM features');
my %tid = map { (split /\|/)[1, 0] } split /\n/, $inst->sql('SELECT id, name FROM tests');

# quality(query): the answer's JSON, after checking the status is 200
sub quality {
	my ($qs, $status) = @_;
	my $r = $inst->cgi('quality', 'GET', "/api/quality$qs");
	is($r->{status}, $status // 200, "GET /api/quality$qs: " . ($status // 200))
	    or diag($r->{body});
	return $r->{json};
}
# Floats compared to 1e-9 (the JSON writer's digits), the rest exactly:
# rounds every number of a structure to 9 decimals.
sub rnd {
	my ($v) = @_;
	return [map { rnd($_) } @$v] if ref $v eq 'ARRAY';
	return { map { ($_ => rnd($v->{$_})) } keys %$v } if ref $v eq 'HASH';
	return $v if !defined $v || ref $v || $v !~ /^-?[\d.]+(?:e[-+]?\d+)?$/i;
	return 0 + sprintf('%.9f', $v);
}
sub same { my ($got, $want, $what) = @_; is_deeply(rnd($got), rnd($want), $what) }
# rows(keys, [values]...): a list of objects
sub rows {
	my ($keys, @v) = @_;
	return [map { my $r = $_; +{ map { ($keys->[$_] => $r->[$_]) } 0 .. $#$keys } } @v];
}
sub mttr_group {
	my ($n, $mean, $median) = @_;
	return (incidents => $n, mean_ms => $mean, median_ms => $median);
}
sub flaky { my ($n, $score, $flip) = @_;
	return { test_id => tid_of($n), name => $n, classname => 'c.T', score => $score,
	    flip_rate => $flip, state => 'flaky' } }
my %test_id = map { (split /\|/)[1, 0] } split /\n/, $inst->sql('SELECT test_id, name FROM tests');
sub tid_of { $test_id{$_[0]} }
# never(name => runs, ...) ordered by runs, then the tests' integer ids
sub never {
	my @p;
	push @p, [splice(@_, 0, 2)] while @_;
	return [map { +{ test_id => tid_of($_->[0]), name => $_->[0], runs => $_->[1] } }
	    sort { $b->[1] <=> $a->[1] || $tid{$a->[0]} <=> $tid{$b->[0]} } @p];
}
sub failing {
	my ($n, $f, $runs) = @_;
	return { test_id => tid_of($n), name => $n, failed => $f, runs => $runs, fail_rate => $f / $runs };
}

# ---- the default branch (main), every job ----
my $q = quality('?min_runs=5');
is($q->{branch}, 'main', 'the default branch');
is($q->{job}, undef, 'every job');
is($q->{min_runs}, 5, 'min_runs echoed');
like($q->{since}, qr/^\d{4}-\d\d-\d\dT/, 'since: 90 days back by default');
same($q->{flakiness}, [flaky('a_flip', 1, 1), flaky('a_broke', 0.4, 0.4)],
    'flakiness: by score (flip rate on main/unit)');
same($q->{stability}, { tests => 8, stable => 6, unstable => 2,
    suites => rows([qw(suite tests pass_rate stability)], ['alpha', 5, 26 / 31, 0.6],
	['beta', 2, 1, 1], ['gamma', 1, 1, 1]) }, 'stability: tests and suites');
same($q->{mttr}, { mttr_group(3, 4 * $H / 3, $H),
    by_branch => [{ branch => 'main', mttr_group(3, 4 * $H / 3, $H) }],
    by_feature => [{ feature_id => $fid{'shop/pay'}, feature => 'shop/pay', mttr_group(2, $H, $H) },
	{ feature_id => $fid{'shop/cart'}, feature => 'shop/cart', mttr_group(1, 2 * $H, 2 * $H) }] },
    'mttr on main: three closed incidents');
same($q->{most_failing}, [failing('a_flip', 3, 6), failing('a_broke', 2, 6)], 'most failing');
same($q->{never_failing}, never(a_ok => 8, a_p1 => 6, b_ok => 6, a_p2 => 5),
    'never failing: at least 5 runs');
same($q->{count_drift}, rows([qw(suite first last change)], ['alpha', 5, 4, -1], ['beta', 1, 2, 1]),
    'count drift: u1 against u6');
same($q->{slowest_growing}, rows([qw(suite first_ms last_ms change_ms)], ['beta', 1000, 3500, 2500],
    ['alpha', 500, 600, 100]), 'slowest growing suites');

# defaults: min_runs 20 leaves none; limit cuts every list
$q = quality('');
same($q->{never_failing}, [], 'min_runs defaults to 20');
$q = quality('?min_runs=1&limit=1');
is(scalar @{$q->{$_}}, 1, "limit=1: one row of $_")
    for qw(flakiness most_failing never_failing count_drift slowest_growing);
is(scalar @{$q->{stability}{suites}}, 1, 'limit=1: one suite');
is($q->{stability}{tests}, 8, '... the totals count every suite');
is(scalar @{$q->{mttr}{by_feature}}, 1, 'limit=1: one feature');
is($q->{mttr}{incidents}, 3, '... MTTR counts every incident');

# ---- since: incidents closed from 4.5 h on, runs from 5.5 h on ----
$q = quality('?since=' . iso($t0 + 4.5 * 3600));
same([@{$q->{mttr}}{qw(incidents mean_ms median_ms)}], [2, 1.5 * $H, 1.5 * $H],
    'since: the two incidents closed in u5');
same($q->{count_drift}, rows([qw(suite first last change)], ['alpha', 5, 4, -1]),
    'since: u5 against u6 (beta unchanged)');
same($q->{slowest_growing}, rows([qw(suite first_ms last_ms change_ms)], ['beta', 1500, 3500, 2000],
    ['alpha', 500, 600, 100]), 'since: growth from u5');
same($q->{stability}{suites}, rows([qw(suite tests pass_rate stability)], ['alpha', 5, 24 / 29, 0.6],
    ['beta', 2, 1, 1]), "since: the e2e stream (a_ok's, gamma's) last ran before it");

# ---- every branch ----
$q = quality('?branch=*&min_runs=2');
is($q->{branch}, undef, 'branch=*: every branch');
same($q->{mttr}, { mttr_group(4, 1.25 * $H, $H),
    by_branch => [{ branch => 'main', mttr_group(3, 4 * $H / 3, $H) },
	{ branch => 'feat-x', mttr_group(1, $H, $H) }],
    by_feature => [{ feature_id => $fid{'shop/cart'}, feature => 'shop/cart', mttr_group(2, 1.5 * $H, 1.5 * $H) },
	{ feature_id => $fid{'shop/pay'}, feature => 'shop/pay', mttr_group(2, $H, $H) }] },
    'mttr on every branch');
same($q->{most_failing}, [failing('a_flip', 3, 6), failing('a_broke', 3, 8)],
    'most failing: ties on failures by fail rate');
same($q->{never_failing}, never(a_ok => 10, a_p1 => 6, b_ok => 6, a_p2 => 5, b_new => 3, e_only => 2),
    'never failing on every branch');
same($q->{flakiness}, [flaky('a_flip', 1, 1), flaky('a_broke', 0.4, 0.4)], 'flakiness: highest stream rate');
same($q->{count_drift}, rows([qw(suite first last change)], ['alpha', 5, 2, -3], ['beta', 1, 0, -1]),
    'count drift: u1 against f2');

# ---- another branch ----
$q = quality('?branch=feat-x&min_runs=2');
same($q->{flakiness}, [], 'feat-x: no flaky test (one change is no flip)');
same($q->{stability}, { tests => 2, stable => 1, unstable => 1,
    suites => rows([qw(suite tests pass_rate stability)], ['alpha', 2, 0.75, 0.5]) }, 'feat-x: stability');
same($q->{mttr}, { mttr_group(1, $H, $H), by_branch => [{ branch => 'feat-x', mttr_group(1, $H, $H) }],
    by_feature => [{ feature_id => $fid{'shop/cart'}, feature => 'shop/cart', mttr_group(1, $H, $H) }] },
    'feat-x: one incident');
same($q->{most_failing}, [failing('a_broke', 1, 2)], 'feat-x: most failing');
same($q->{never_failing}, never(a_ok => 2), 'feat-x: never failing');
same([$q->{count_drift}, $q->{slowest_growing}], [[], []], 'feat-x: no drift, no growth');

# ---- a job ----
$q = quality('?job=e2e&min_runs=2');
is($q->{job}, 'e2e', 'job echoed');
same($q->{flakiness}, [], 'e2e: no flaky test');
same($q->{stability}, { tests => 2, stable => 2, unstable => 0,
    suites => rows([qw(suite tests pass_rate stability)], ['alpha', 1, 1, 1], ['gamma', 1, 1, 1]) },
    'e2e: stability');
same($q->{mttr}, { mttr_group(0, undef, undef), by_branch => [], by_feature => [] },
    "e2e: none of its tests' incidents");
same($q->{most_failing}, [], 'e2e: nothing failed');
same($q->{never_failing}, never(a_ok => 2, e_only => 2), 'e2e: never failing');
same($q->{slowest_growing}, [], 'e2e: e1 and e2 alike');
$q = quality('?job=unit&min_runs=5');
same($q->{never_failing}, never(a_ok => 6, a_p1 => 6, b_ok => 6, a_p2 => 5), 'unit: never failing');
is($q->{mttr}{incidents}, 3, 'unit: its tests\' incidents on main');
$q = quality('?job=nightly');
same([$q->{stability}{tests}, $q->{most_failing}, $q->{count_drift}], [0, [], []], 'an unknown job: empty');

# ---- an empty range ----
$q = quality('?since=' . iso(time() + 86400) . '&min_runs=1');
same($q, { branch => 'main', job => undef, since => $q->{since}, min_runs => 1, flakiness => [],
    stability => { tests => 0, stable => 0, unstable => 0, suites => [] },
    mttr => { mttr_group(0, undef, undef), by_branch => [], by_feature => [] },
    most_failing => [], never_failing => [], count_drift => [], slowest_growing => [] },
    'since in the future: empty lists, zeros and nulls');

# ---- MTTR from the repair times: whole days, a day's part, the migration ----
# every close: [closed at, duration]; a since at a midnight reads whole
# days of repair times, a since one second later that day's incidents
# themselves up to the next midnight
my @closes = ([$t0 + 3 * $H / 1000, $H], [$t0 + 5 * $H / 1000, $H], [$t0 + 5 * $H / 1000, 2 * $H],
    [$t0 + 8 * $H / 1000, $H]);
my $midnight = int(($t0 + 5 * 3600) / 86400) * 86400;
for my $since ($midnight, $midnight + 1, $t0 + 5 * 3600, $t0 + 5 * 3600 + 1) {
	my @d = sort { $a <=> $b } map { $_->[1] } grep { $_->[0] >= $since } @closes;
	my $med = !@d ? undef : @d % 2 ? $d[$#d / 2] : ($d[@d / 2 - 1] + $d[@d / 2]) / 2;
	my $mean = !@d ? undef : eval { my $t = 0; $t += $_ for @d; $t / @d };
	$q = quality('?branch=*&since=' . iso($since));
	same([@{$q->{mttr}}{qw(incidents mean_ms median_ms)}], [scalar @d, $mean, $med],
	    'mttr since ' . iso($since) . ': ' . scalar(@d) . ' incidents');
}
my $before = quality('?branch=*')->{mttr};
my $rows = $inst->sql('SELECT project_id, day, branch, feature, secs, n, sum_ms FROM repair_times '
    . 'ORDER BY project_id, day, branch, feature, secs');
like($rows, qr/\|3600\|/, 'repair times kept as incidents closed (whole seconds)');
$inst->unmigrate(17);
my $m = $inst->cli('migrate');
is($m->{exit}, 0, 'migrations 0017 on again') or diag($m->{stderr});
is($inst->sql('SELECT project_id, day, branch, feature, secs, n, sum_ms FROM repair_times '
    . 'ORDER BY project_id, day, branch, feature, secs'), $rows,
    '... counts the same repair times in from the incidents');
same(quality('?branch=*')->{mttr}, $before, '... and MTTR answers the same');

# ---- bad parameters ----
for my $bad (qw(limit=0 limit=101 limit=x min_runs=0 min_runs=-3 since=yesterday
    branch= job= nope=1 limit=5&limit=6)) {
	my $r = $inst->cgi('quality', 'GET', "/api/quality?$bad");
	is($r->{status}, 400, "$bad: 400");
	(my $name = $bad) =~ s/=.*//;
	like($r->{body}, qr/\Q$name\E/, "$bad: names the parameter");
}
my $r = $inst->cgi('quality', 'POST', '/api/quality', body => '{}', content_type => 'application/json');
is($r->{status}, 405, 'POST: 405');

done_testing;
