#!/usr/bin/perl
# The read API (API-0, 3 … 13, 20 … 23) on a scripted history of 30 runs
# across two branches, with exact values, paging to the end while runs
# arrive, every parameter's bounds, unknown ids and the disabled flag.
#
# The history: run i (1..30) starts (30.5 - i) hours ago; odd runs are on
# main, even on dev; runs 2k-1 and 2k share git sha "sha<k>".
#   alpha   passes, 100 ms every run
#   beta    fails ("beta broke") on main runs 5, 15, 25, else passes
#   gamma   always skipped
#   delta   passes on main; on dev fails ("delta flaked") when i/2 is odd
#   eps     passes; 10 ms in runs 1..15, 100 ms in 16..30 (a regression)
#   p[x]    passes;  p[y] passes
#   zeta    only in run 20, passes
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX qw(strftime);
use Time::HiRes qw(time);
use TV;

my $inst = new_instance(conf => { commit_url_template => 'https://git.example/c/{sha}',
    session_url_template => 'https://agents.example/s/{session_id}' });
my $now = time;
my $d = tv_scratch();

sub iso { my ($t) = @_; return strftime('%Y-%m-%dT%H:%M:%S', gmtime(int $t)) . 'Z' }
sub run_xml {
	my ($i) = @_;
	my $dev = $i % 2 == 0;
	my @c;
	push @c, ['alpha', 'P', 0.1];
	push @c, ['beta', (!$dev && $i % 10 == 5) ? 'F' : 'P', 0.2];
	push @c, ['gamma', 'S', 0];
	push @c, ['delta', ($dev && ($i / 2) % 2 == 1) ? 'F' : 'P', 0.05];
	push @c, ['eps', 'P', $i <= 15 ? 0.01 : 0.1];
	push @c, ['p[x]', 'P', 0.001], ['p[y]', 'P', 0.001];
	push @c, ['zeta', 'P', 0.003] if $i == 20;
	my $x = '<testsuite name="s" time="1.5">';
	for (@c) {
		my ($n, $s, $t) = @$_;
		$x .= qq{<testcase classname="suite.T" name="$n" time="$t">};
		$x .= qq{<failure message="$n broke at 0x7f0$i" type="AssertionError">at T.java:1$i</failure>} if $s eq 'F' && $n eq 'beta';
		$x .= qq{<failure message="delta flaked" type="AssertionError">at T.java:9</failure>} if $s eq 'F' && $n eq 'delta';
		$x .= '<skipped/>' if $s eq 'S';
		$x .= '</testcase>';
	}
	return "$x</testsuite>";
}
sub ingest_run {
	my ($i, $id) = @_;
	my $f = "$d/run$i.xml";
	open(my $fh, '>', $f) or die;
	print $fh run_xml($i);
	close $fh;
	if ($i == 30) {	# owners and tags (ING-5): by name, and by test_id
		open($fh, '>', "$d/run$i.meta.json") or die;
		print $fh TV::encode_json_text({ tests => { 'suite.T::alpha' => { owner => 'ann', tags => ['smoke', 'fast'] },
		    tid('beta') => { owner => 'bob', tags => ['smoke'] }, tid('delta') => { tags => ['smoke-slow'] } } });
		close $fh;
	}
	my $r = $inst->cli('ingest', '--run-id', $id // "run-$i", '--branch', $i % 2 ? 'main' : 'dev',
	    '--git-sha', 'sha' . int(($i + 1) / 2), '--session-id', $i % 2 ? 'sess-main' : 'sess-dev',
	    '--started-at', iso($now - (30.5 - $i) * 3600), $f);
	die "ingest $i: $r->{stdout}$r->{stderr}" unless $r->{exit} == 0;
}
ingest_run($_) for 1 .. 30;
# the flaky states of API-21 and the dashboard come from the batch (FLK-1)
my $batch = $inst->cli('batch');
is($batch->{exit}, 0, 'batch passes ran') or diag($batch->{stdout} . $batch->{stderr});

sub get { my ($prog, $uri, %o) = @_; return $inst->cgi($prog, 'GET', $uri, %o) }
sub tid { my ($name) = @_; return $inst->sql("SELECT test_id FROM tests WHERE name = '$name'") }
# Pages through a list; returns the items' ids in order and the page count.
sub page_all {
	my ($prog, $path, $key, $idkey, $between) = @_;
	my (@ids, $cursor, $pages);
	do {
		my $u = $path . ($cursor ? ($path =~ /\?/ ? '&' : '?') . "cursor=$cursor" : '');
		my $r = get($prog, $u);
		die "$u: $r->{body}" unless $r->{status} == 200;
		push @ids, map { $_->{$idkey} } @{$r->{json}{$key}};
		$cursor = $r->{json}{next_cursor};
		$pages++;
		$between->() if $between && $pages == 1;
	} while ($cursor);
	return (\@ids, $pages);
}
my %seen;

# ---- API-4 runs ----
my ($ids, $pages) = page_all('runs', '/api/tests/runs?limit=7', 'runs', 'run_id');
is($pages, 5, 'paging runs takes ceil(30/7) pages');
is_deeply($ids, [map { "run-$_" } reverse 1 .. 30], 'newest first, no duplicates, no gaps');
my $r = get('runs', '/api/tests/runs?limit=500');
is(scalar @{$r->{json}{runs}}, 30, 'all runs on one page');
is($r->{json}{next_cursor}, undef, 'next_cursor is null on the last page');
is(scalar @{get('runs', '/api/tests/runs?branch=main&limit=500')->{json}{runs}}, 15, 'branch filter');
is(scalar @{get('runs', '/api/tests/runs?status=failed&limit=500')->{json}{runs}}, 11, 'status filter: 3 beta + 8 delta runs');
is(scalar @{get('runs', '/api/tests/runs?git_sha=sha3')->{json}{runs}}, 2, 'git_sha filter');
is(scalar @{get('runs', '/api/tests/runs?session_id=sess-dev&limit=500')->{json}{runs}}, 15, 'session filter');
$r = get('runs', '/api/tests/runs?since=' . iso($now - 5 * 3600 - 60) . '&until=' . iso($now - 60));
is_deeply([map { $_->{run_id} } @{$r->{json}{runs}}], [map { "run-$_" } reverse 26 .. 30], 'since/until window');
$r = get('runs', '/api/tests/runs?limit=1');
my $run = $r->{json}{runs}[0];
is_deeply($run->{counts}, { tests => 7, passed => 5, failed => 1, errors => 0, skipped => 1, flaky => 0 }, 'run counts');
is($run->{git_sha}, 'sha15', 'run metadata');

# ---- API-5 run detail ----
$r = get('runs', '/api/tests/runs/run-6');
is($r->{status}, 200, 'run detail');
is($r->{json}{diff}{previous_run_id}, 'run-4', 'previous run on the same branch');
is_deeply([map { $_->{name} } @{$r->{json}{diff}{new_failures}}], ['delta'], 'new failure');
is($r->{json}{failure_groups}[0]{count}, 1, 'failures grouped by fingerprint');
is($r->{json}{failure_groups}[0]{message}, 'delta flaked', 'group message');
is_deeply($r->{json}{signals}, [], 'no integrity signals without the batch');
is(scalar @{$r->{json}{shards}}, 1, 'shards listed');
$r = get('runs', '/api/tests/runs/run-8');
is_deeply([map { $_->{name} } @{$r->{json}{diff}{fixed}}], ['delta'], 'fixed');
$r = get('runs', '/api/tests/runs/run-20');
is_deeply([map { $_->{name} } @{$r->{json}{diff}{added}}], ['zeta'], 'added test');
$r = get('runs', '/api/tests/runs/run-22');
is_deeply([map { $_->{name} } @{$r->{json}{diff}{removed}}], ['zeta'], 'removed test');
is_deeply([map { $_->{name} } @{$r->{json}{diff}{still_failing}}], [], 'nothing still failing');
$r = get('runs', '/api/tests/runs/run-1');
is($r->{json}{diff}, undef, 'the first run has no diff');

# ---- API-6 run results ----
($ids) = page_all('runs', '/api/tests/runs/run-20/results?limit=3', 'results', 'name');
is_deeply([sort @$ids], [sort qw(alpha beta gamma delta eps p[x] p[y] zeta)], 'paging a run\'s results');
for my $limit (1, 2) {	# a page boundary between the failure, the skip and the passes
	($ids) = page_all('runs', "/api/tests/runs/run-6/results?limit=$limit", 'results', 'name');
	is_deeply([@$ids[0, 1]], ['delta', 'gamma'], "issue 13 item 8: a run's results list the failure, then the skip (limit $limit)");
	is_deeply([sort @$ids[2 .. $#$ids]], [sort qw(alpha beta eps p[x] p[y])], "then the passes, none lost or repeated (limit $limit)");
}
$r = get('runs', '/api/tests/runs/run-6/results?status=failed');
is_deeply([map { $_->{name} } @{$r->{json}{results}}], ['delta'], 'results status filter');
is($r->{json}{results}[0]{message}, 'delta flaked', 'result message');
$r = get('runs', '/api/tests/runs/run-6/results?q=P%5B');
is_deeply([sort map { $_->{name} } @{$r->{json}{results}}], ['p[x]', 'p[y]'], 'q is a case-insensitive substring, [ is literal');
$r = get('runs', '/api/tests/runs/run-6/results?q=%25');
is(scalar @{$r->{json}{results}}, 0, '% in q is literal');

# ---- API-7 catalogue ----
# branch=*: every branch, the project's rollups (issue 13 item 4)
($ids) = page_all('tests', '/api/tests?branch=*&limit=3', 'tests', 'name');
is_deeply($ids, [sort qw(alpha beta delta eps gamma p[x] p[y] zeta)], 'catalogue by name, paged');
$r = get('tests', '/api/tests?branch=*&sort=fail_rate&limit=3');
is_deeply([map { $_->{name} } @{$r->{json}{tests}}[0, 1]], ['delta', 'beta'], 'sort by fail rate');
($ids) = page_all('tests', '/api/tests?branch=*&sort=fail_rate&limit=3', 'tests', 'name');
is($ids->[-1], 'gamma', 'a never-run test sorts last by fail rate');
is(scalar @$ids, 8, 'paging by fail rate covers every test once');
my %cat = map { $_->{name} => $_ } @{get('tests', '/api/tests?branch=*&limit=50')->{json}{tests}};
is($cat{beta}{pass_rate} + 0, 0.9, 'pass rate over the recent window (27/30)');
is($cat{gamma}{pass_rate}, undef, 'pass rate of an always-skipped test is null');
is($cat{alpha}{p50_ms}, 100, 'p50 duration');
is($cat{delta}{last_status}, 'failed', 'latest status (run 30 on dev)');
is(scalar @{get('tests', '/api/tests?status=skipped')->{json}{tests}}, 1, 'status filter');
is(scalar @{get('tests', '/api/tests?q=P%5B')->{json}{tests}}, 2, 'q filter');
# issue 13 item 5: the catalogue's flip rate is the flaky pass's on the
# default branch (main): beta flips there; delta flips only on dev
is_deeply([sort map { $_->{name} } @{get('tests', '/api/tests?flaky=true')->{json}{tests}}], ['beta'],
    'issue 13 item 5: flaky filter: flaky on the default branch (delta flips only on dev)');
is_deeply([map { $_->{name} } @{get('tests', '/api/tests?sort=duration&limit=2')->{json}{tests}}], ['beta', 'alpha'], 'sort by duration (p95)');
is(get('tests', '/api/tests?branch=*&sort=last_failed&limit=1')->{json}{tests}[0]{name}, 'delta', 'sort by last failure');
is(get('tests', '/api/tests?sort=last_failed&limit=1')->{json}{tests}[0]{name}, 'beta', 'issue 13 item 4: on main, beta failed last (delta only fails on dev)');
# issue 11: owner and tag filters (set by run 30's sidecar), sort by flakiness
sub names { my ($u) = @_; my $r = get('tests', $u); die "$u: $r->{body}" unless $r->{status} == 200;
	return [map { $_->{name} } @{$r->{json}{tests}}] }
is_deeply(names('/api/tests?owner=ann'), ['alpha'], 'issue 11: owner filter (owner set by name in the sidecar)');
is_deeply(names('/api/tests?owner=bob'), ['beta'], 'issue 11: owner filter (owner set by test_id in the sidecar)');
is_deeply(names('/api/tests?owner=an'), [], 'owner is matched whole: "an" is nobody\'s');
is_deeply(names('/api/tests?tag=smoke'), ['alpha', 'beta'], 'issue 11: tag filter: every test with the tag, by name');
is_deeply(names('/api/tests?tag=fast'), ['alpha'], 'tag filter: the second of two tags');
is_deeply(names('/api/tests?tag=smoke-slow'), ['delta'], 'tag filter: a tag containing another is its own tag');
is_deeply(names('/api/tests?tag=smok'), [], 'a tag is matched whole: no test has "smok"');
is_deeply(names('/api/tests?tag=smoke&owner=bob'), ['beta'], 'owner and tag together');
is_deeply(names('/api/tests?tag=smoke&sort=fail_rate'), ['beta', 'alpha'], 'a tag filter with a sort');
is(get('tests', '/api/tests?tag=' . ('x' x 65))->{status}, 400, 'negative: a tag over 64 bytes is 400');
$r = get('tests', '/api/tests?sort=flakiness&limit=2');
is($r->{json}{sort}, 'flakiness', 'issue 11: sort=flakiness');
is($r->{json}{tests}[0]{name}, 'beta', 'issue 13 item 5: the flakiest on the default branch first: beta flips on main');
ok($r->{json}{tests}[0]{flaky_score} > $r->{json}{tests}[1]{flaky_score}, 'by flaky score');
is($r->{json}{tests}[1]{flaky_score}, 0, 'the others do not flip on main (delta flips only on dev)');
($ids) = page_all('tests', '/api/tests?branch=*&sort=flakiness&limit=3', 'tests', 'name');
is_deeply([sort @$ids], [sort qw(alpha beta delta eps gamma p[x] p[y] zeta)], 'paging by flakiness covers every test once, ties included');
is($ids->[0], 'beta', 'in the same order');

# issue 13 item 4: the catalogue answers for the default branch (main)
# unless branch= says otherwise: its tests, with their figures there
$r = get('tests', '/api/tests?limit=50');
is_deeply([@{$r->{json}}{qw(branch job)}], ['main', undef], 'issue 13 item 4: the catalogue says which branch it is for');
%cat = map { $_->{name} => $_ } @{$r->{json}{tests}};
is_deeply([sort keys %cat], [sort qw(alpha beta delta eps gamma p[x] p[y])], 'issue 13 item 4: main lists the tests that ran on main (zeta ran on dev only)');
is($cat{delta}{last_status}, 'passed', 'issue 13 item 4: delta passes on main (it fails on dev)');
is($cat{beta}{pass_rate} + 0, 0.8, 'issue 13 item 4: beta\'s pass rate on main (12 of its 15 runs there)');
is($cat{beta}{runs}, 15, 'issue 13 item 4: runs on main');
is(length $cat{beta}{recent}, 15, 'issue 13 item 4: the status strip of main');
%cat = map { $_->{name} => $_ } @{get('tests', '/api/tests?branch=dev&limit=50')->{json}{tests}};
is($cat{delta}{last_status}, 'failed', 'issue 13 item 4: delta failed last on dev');
ok(exists $cat{zeta}, 'issue 13 item 4: dev lists zeta');
is_deeply(names('/api/tests?branch=dev&status=failing'), ['delta'], 'issue 13 item 4: status=failing on dev');
is_deeply(names('/api/tests?status=failing'), [], 'issue 13 item 4: nothing fails on main');
is_deeply(names('/api/tests?branch=nosuch'), [], 'issue 13 item 4: a branch without runs lists no test');
is_deeply(names('/api/tests?job=nosuch'), [], 'issue 13 item 4: a job without runs lists no test');
is(get('tests', '/api/tests?branch=')->{status}, 400, 'negative: an empty branch is 400');

# ---- API-8 … API-13 ----
my ($alpha, $beta, $gamma, $delta) = map { tid($_) } qw(alpha beta gamma delta);
$r = get('tests', "/api/tests/$delta?branch=dev");
is($r->{json}{name}, 'delta', 'test detail');
is($r->{json}{open_incident}{opened_run_id}, 'run-30', 'open incident as an object (on dev)');
is($r->{json}{state}, 'active', 'state');
is($r->{json}{branch}, 'dev', 'issue 13 item 4: the detail says its branch');
my $dm = get('tests', "/api/tests/$delta")->{json};
is_deeply([@$dm{qw(branch last_status open_incident)}], ['main', 'passed', undef], 'issue 13 item 4: on main, delta passes and has no incident (its incident is dev\'s)');
is_deeply([sort map { $_->{branch} } @{$dm->{streams}}], ['dev', 'main'], 'issue 13 item 4: the detail lists the branches it ran on');
is_deeply([map { $_->{runs} } grep { $_->{branch} eq 'dev' } @{$dm->{streams}}], [15], 'issue 13 item 4: runs per stream');
is(get('tests', "/api/tests/$gamma?branch=nosuch")->{json}{last_status}, 'pending', 'issue 13 item 4: a branch it never ran on: pending');

is_deeply([map { [$_->{provider}, $_->{feature}, $_->{primary} ? 1 : 0] } @{$r->{json}{mappings}}],
    [['heuristic', 'suite/t', 1]], 'the mapping pass mapped it by its class name');
($ids) = page_all('tests', "/api/tests/$delta/history?limit=4", 'history', 'run_id');
is_deeply($ids, [map { "run-$_" } reverse 1 .. 30], 'history newest first, paged');
is(scalar @{get('tests', "/api/tests/$delta/history?branch=dev&limit=100")->{json}{history}}, 15, 'history branch filter');
$r = get('tests', "/api/tests/$delta/results?limit=20&offset=20");
is_deeply([$r->{json}{total}, $r->{json}{limit}, $r->{json}{offset}, scalar @{$r->{json}{results}}], [30, 20, 20, 10], 'offset pagination');
$r = get('tests', "/api/tests/$delta/results?limit=1");
is_deeply([@{$r->{json}{results}[0]}{qw(run_id passed status error)}], ['run-30', JSON::PP::false, 'failed', 'delta flaked'], 'result fields');
is(TV::iso_ms($r->{json}{results}[0]{completed_at}) - TV::iso_ms($r->{json}{results}[0]{started_at}), 1500, 'completed_at from the suite time');
$r = get('tests', "/api/tests/$alpha/timing");
is($r->{json}{total}, 30, 'timing total');
is(scalar(grep { $_->{duration_ms} == 100 } @{$r->{json}{timing}}), 30, 'equal durations all appear');
is(scalar @{get('tests', "/api/tests/$alpha/timing?limit=5")->{json}{timing}}, 5, 'timing limit');
$r = get('tests', "/api/tests/$delta/uptime?hours=24");
is_deeply([@{$r->{json}}{qw(uptime_pct total_runs passed_runs failed_runs window_hours)}], [75, 24, 18, 6, 24], 'uptime over 24 h');
$r = get('tests', "/api/tests/$gamma/uptime");
is_deeply([@{$r->{json}}{qw(uptime_pct total_runs)}], [100, 0], 'no runs: 100.0 with total_runs 0 (skipped excluded)');
$r = get('tests', "/api/tests/$delta/incidents");
is($r->{json}{total}, 8, 'incident total');
is($r->{json}{incidents}[0]{opened_run_id}, 'run-30', 'incidents newest first');
is($r->{json}{incidents}[0]{resolved_at}, undef, 'the newest is open');
is($r->{json}{incidents}[1]{resolved_run_id}, 'run-28', 'an older one was resolved by the next pass');
is(scalar @{get('tests', "/api/tests/$delta/incidents?limit=3")->{json}{incidents}}, 3, 'incident limit');

# ---- API-3 dashboard ----
$r = get('insights', '/api/dashboard');
my $dash = $r->{json};
# issue 13 item 4: the counts are main's: zeta ran on dev only, and the
# open incident (delta's) is dev's
is_deeply([@$dash{qw(total_tests passing failing skipped pending open_incidents)}], [7, 6, 0, 1, 0, 0], 'dashboard counts, of the default branch');
my $devdash = get('insights', '/api/dashboard?branch=dev')->{json};
is_deeply([@$devdash{qw(branch total_tests passing failing skipped open_incidents flaky)}], ['dev', 8, 6, 1, 1, 1, 1],
    'issue 13 item 4: dev counts its own tests (zeta), delta failing, its incident, delta flaky there');
is(scalar @{$dash->{recent_runs}}, 5, 'five recent runs');
# issue 13 item 4: the runs of the default branch (main, the odd runs)
is($dash->{recent_runs}[0]{run_id}, 'run-29', 'newest first, of the default branch');
is($dash->{branch}, 'main', 'issue 13 item 4: the dashboard is for the default branch');
is($dash->{flaky}, 1, 'flaky count on main: beta flips there; delta flaked on dev only');

# ---- API-21 flaky, API-22 slowest, API-23 failures ----
$r = get('insights', '/api/tests/flaky?branch=*');
my %fl = map { $_->{name} => $_ } @{$r->{json}{flaky}};
# each sha ran once on main and once on dev: two streams, so no same-sha
# conflict (issue 13 item 5); delta is flaky by its flips on dev
is($fl{delta}{evidence}{same_sha_conflicts}, 0, 'issue 13 item 5: a sha passing on main and failing on dev is no same-sha conflict');
ok($fl{delta}{evidence}{flip_rate} > 0.4, 'flip rate evidence');
is($fl{delta}{flaky_state}, 'flaky', 'flaky state');
is_deeply([map { $_->{name} } @{get('insights', '/api/tests/flaky')->{json}{flaky}}], ['beta'],
    'issue 13 item 4: the flaky list of main: beta (delta flaked on dev only)');
ok((grep { $_->{name} eq 'delta' } @{get('insights', '/api/tests/flaky?branch=dev')->{json}{flaky}}), 'issue 13 item 4: delta is in dev\'s flaky list');

# issue 12 item 9: the test page reads one test's flaky state (test_id)
$r = get('insights', "/api/tests/flaky?state=all&test_id=$delta");
is($r->{status}, 200, 'test_id filter: 200');
is_deeply([map { $_->{test_id} } @{$r->{json}{flaky}}], [$delta], 'test_id filter: only that test');
is_deeply($r->{json}{flaky}[0], $fl{delta}, 'test_id filter: the same object as in the whole list');
is_deeply(get('insights', "/api/tests/flaky?state=all&test_id=$alpha")->{json},
    { flaky => [], next_cursor => undef, branch => undef, job => undef }, 'test_id filter: a test without a flaky state gives an empty list');
is_deeply(get('insights', '/api/tests/flaky?state=all&test_id=0123456789abcdef')->{json},
    { flaky => [], next_cursor => undef, branch => undef, job => undef }, 'negative: test_id filter: an unknown test gives an empty list');
# the row key drops the top bit of the id: its twin must not read delta
my $twin = sprintf('%x', hex(substr($delta, 0, 1)) ^ 8) . substr($delta, 1);
is_deeply(get('insights', "/api/tests/flaky?state=all&test_id=$twin")->{json}{flaky}, [],
    'negative: test_id filter: an id sharing the row key of a flaky test is not that test');
$r = get('insights', '/api/tests/flaky?test_id=0123456789ABCDEF');
is($r->{status}, 400, 'negative: test_id filter: upper-case hex is 400');
is($r->{json}{error}{details}{param}, 'test_id', 'negative: test_id filter: the 400 names test_id');
$r = get('insights', '/api/tests/slowest?limit=3');
is_deeply([map { $_->{name} } @{$r->{json}{regressions}}], ['eps'], 'duration regression found');
is($r->{json}{regressions}[0]{before_p50_ms}, 10, 'before');
is($r->{json}{regressions}[0]{after_p50_ms}, 100, 'after');
# the slowest list: from the slow tests' partial index (p95 >= 50 ms) when
# they fill the limit, else from every test; the same order either way
for my $by (qw(p50 p95)) {
	my $scope = "s.project_id = (SELECT id FROM projects WHERE slug = 'default')";
	my @want = split /\n/, $inst->sql("SELECT t.name FROM test_stats s JOIN tests t ON t.id = s.test "
	    . "WHERE $scope AND s.${by}_ms IS NOT NULL ORDER BY s.${by}_ms DESC, s.test DESC");
	my $slow = $inst->sql("SELECT count(*) FROM test_stats s WHERE $scope AND s.${by}_ms >= 50");
	chomp $slow;
	ok($slow >= 1 && $slow < @want, "slowest by $by: $slow of " . scalar(@want) . ' tests are slow');
	for my $limit (1, $slow, $slow + 1, scalar @want) {
		my $got = get('insights', "/api/tests/slowest?by=$by&limit=$limit")->{json}{slowest};
		is_deeply([map { $_->{name} } @$got], [@want[0 .. $limit - 1]], "slowest by $by, limit $limit");
	}
}
# branch=*: the groups of every branch (issue 13 item 4)
$r = get('insights', '/api/failures?branch=*');
my %fg = map { $_->{message} => $_ } @{$r->{json}{failures}};
is($fg{'delta flaked'}{occurrences}, 8, 'failure group occurrences');
is_deeply($fg{'delta flaked'}{branches}, ['dev'], 'failure group branches');
is(scalar(grep { /^beta broke/ } keys %fg), 1, 'beta\'s three failures are one group despite different addresses');
($ids) = page_all('insights', '/api/failures?branch=*&limit=1', 'failures', 'fingerprint');
is(scalar @$ids, 2, 'failure groups page');
# issue 11: since= keeps the groups seen since then (delta last failed in
# run 30, half an hour ago; beta in run 25, five and a half hours ago)
sub groups { my ($u) = @_; my $r = get('insights', $u); die "$u: $r->{body}" unless $r->{status} == 200;
	return [map { $_->{message} } @{$r->{json}{failures}}] }
is_deeply(groups('/api/failures?branch=*&since=' . iso($now - 3 * 3600)), ['delta flaked'], 'issue 11: failures since 3 h ago: delta\'s group only');
is_deeply(groups('/api/failures?branch=*&since=' . iso($now - 10 * 3600)), ['delta flaked', 'beta broke at 0x7f05'],
    'since 10 h ago: both, most recently seen first');
is_deeply(groups('/api/failures'), ['beta broke at 0x7f05'], 'issue 13 item 4: the failures of the default branch (main): beta\'s only');
is(get('insights', '/api/failures')->{json}{branch}, 'main', 'issue 13 item 4: the failures say their branch');
is_deeply(groups('/api/failures?since=' . iso($now + 3600)), [], 'since a time after the last failure: none');
is(get('insights', '/api/failures?since=yesterday')->{status}, 400, 'negative: since must be a time');

# ---- API-20 correlate ----
$r = get('insights', '/api/tests/correlate?run_id=run-5');
is_deeply([sort map { $_->{run_id} } @{$r->{json}{runs}}], [sort 'run-6', map { "run-$_" } grep { $_ % 2 } 1 .. 30], 'by run: runs of its session, and run-6 of its sha');
my %c = map { $_->{git_sha} => $_ } @{$r->{json}{commits}};
is($c{sha3}{url}, 'https://git.example/c/sha3', 'commit deep link from the template');
is($r->{json}{sessions}[0]{url}, 'https://agents.example/s/sess-main', 'session deep link');
is($r->{json}{runs}[0]{links}{api}, '/api/tests/runs/run-29?project=default', 'API deep link');
$r = get('insights', '/api/tests/correlate?git_sha=sha3');
is(scalar @{$r->{json}{runs}}, 2, 'by git sha');
is(get('insights', '/api/tests/correlate?git_sha=nope')->{status}, 404, 'negative: nothing linked is 404');
# features and signals (from the batch): run-5 links the main session
# and run-6 (same sha); beta broke in main runs 5/15/25, delta in run-6
sub sqlv { return $inst->sql($_[0]) }
my $fid = sqlv("SELECT id FROM features WHERE path = 'suite/t'");
ok($fid, 'the batch mapped suite.T to feature suite/t');
$r = get('insights', '/api/tests/correlate?run_id=run-5');
is_deeply([map { [$_->{path}, $_->{name}, $_->{broken_tests}, $_->{signals}] } @{$r->{json}{features}}],
    [['suite/t', 't', 1, 0]], 'by run: the feature its newest 10 linked runs broke (beta, in runs 25 and 15; run-6 is older)');
is($r->{json}{features}[0]{links}{ui}, "#/features/$fid/timeline", 'feature UI deep link');
is($r->{json}{features}[0]{links}{api}, "/api/tests/features/$fid/timeline?project=default", 'feature API deep link');
is_deeply($r->{json}{signals}, [], 'no signals in the main session');
$r = get('insights', '/api/tests/correlate?session_id=sess-dev');
is_deeply([map { [$_->{signal_type}, $_->{test_name}, $_->{run_id}] } @{$r->{json}{signals}}],
    [['suite_shrink', undef, 'run-22'], ['test_removed', 'zeta', 'run-22']],
    'by session: the signals its runs raised (zeta vanished in run-22, so the suite shrank), newest first');
is_deeply([map { [$_->{broken_tests}, $_->{signals}] } @{$r->{json}{features}}], [[1, 1]],
    'by session: delta broke, one signal on the feature');
$r = get('insights', "/api/tests/correlate?feature_id=$fid");
is($r->{status}, 200, 'by feature');
is($r->{json}{by}, 'feature_id', 'by feature_id');
is_deeply([map { $_->{run_id} } @{$r->{json}{runs}}], [map { "run-$_" } 30, 26, 25, 22, 18, 15, 14, 10, 6, 5, 2],
    'by feature: the runs that broke its tests or raised a signal, newest first');
is_deeply({ map { $_->{session_id} => $_->{runs} } @{$r->{json}{sessions}} }, { 'sess-dev' => 8, 'sess-main' => 3 },
    'by feature: the sessions that touched it');
is(scalar @{$r->{json}{commits}}, 9, 'by feature: nine commits');
is_deeply([map { [$_->{feature_id}, $_->{broken_tests}, $_->{signals}] } @{$r->{json}{features}}], [[$fid, 2, 1]],
    'by feature: the feature itself');
is(scalar @{$r->{json}{signals}}, 1, 'by feature: the signal on its test');
is($r->{json}{links}{ui}, "#/features/$fid/timeline", 'by feature: its own link is its timeline');
# a feature nothing broke: 200 with no runs, and itself at zero
sqlv("INSERT INTO domains (project_id, path, name) VALUES (1, 'quiet', 'quiet')");
sqlv("INSERT INTO features (project_id, path, name, domain) SELECT 1, 'quiet/idle', 'idle', id FROM domains WHERE path = 'quiet'");
my $idle = sqlv("SELECT id FROM features WHERE path = 'quiet/idle'");
$r = get('insights', "/api/tests/correlate?feature_id=$idle");
is($r->{status}, 200, 'a feature nothing broke is found');
is_deeply([$r->{json}{runs}, $r->{json}{signals}, $r->{json}{commits}], [[], [], []], 'with no runs, signals or commits');
is_deeply([map { [$_->{path}, $_->{name}, $_->{broken_tests}, $_->{signals}] } @{$r->{json}{features}}],
    [['quiet/idle', 'idle', 0, 0]], 'and itself at zero');
$r = get('insights', '/api/tests/correlate?feature_id=999999');
is($r->{status}, 404, 'negative: unknown feature is 404');
like($r->{json}{error}{message}, qr/no feature 999999/, 'the 404 names the feature');
is(get('insights', "/api/tests/correlate?feature_id=$fid&project=nope")->{status}, 404, 'negative: another project');
for my $bad ('0', '-1', 'abc', '1.5', '') {
	$r = get('insights', "/api/tests/correlate?feature_id=$bad");
	is($r->{status}, 400, "negative: feature_id='$bad' is 400");
	is($r->{json}{error}{details}{param}, 'feature_id', "the 400 names feature_id ('$bad')");
}
is(get('insights', "/api/tests/correlate?feature_id=$fid&session_id=x")->{status}, 400, 'negative: feature_id with another key');
is(get('insights', '/api/tests/correlate')->{status}, 400, 'negative: correlate needs one key');
is(get('insights', '/api/tests/correlate?run_id=run-1&git_sha=x')->{status}, 400, 'negative: correlate takes one key');

# ---- ETag ----
$r = get('tests', "/api/tests/$alpha");
is(get('tests', "/api/tests/$alpha", headers => { 'If-None-Match' => $r->{headers}{etag} })->{status}, 304, 'ETag revalidation');

# ---- negative: bounds, unknown ids, cursors, disabled ----
my @bad = (
    ['runs', '/api/tests/runs?limit=0', 'limit'], ['runs', '/api/tests/runs?limit=501', 'limit'],
    ['runs', '/api/tests/runs?status=green', 'status'], ['runs', '/api/tests/runs?since=today', 'since'],
    ['runs', '/api/tests/runs?cursor=bad!', 'cursor'], ['runs', '/api/tests/runs/run-1/results?status=ok', 'status'],
    ['tests', '/api/tests?sort=random', 'sort'], ['tests', '/api/tests?flaky=yes', 'flaky'],
    ['tests', "/api/tests/$alpha/results?limit=101", 'limit'], ['tests', "/api/tests/$alpha/results?offset=-1", 'offset'],
    ['tests', "/api/tests/$alpha/timing?limit=201", 'limit'], ['tests', "/api/tests/$alpha/uptime?hours=0", 'hours'],
    ['tests', "/api/tests/$alpha/uptime?hours=8761", 'hours'], ['tests', "/api/tests/$alpha/incidents?limit=51", 'limit'],
    ['tests', "/api/tests/$alpha/history?limit=0", 'limit'], ['tests', '/api/tests/ABC', 'test_id'],
    ['insights', '/api/tests/slowest?by=p99', 'by'], ['insights', '/api/failures?limit=1000', 'limit'],
    ['insights', '/api/tests/flaky?cursor=x', 'cursor'], ['tests', '/api/tests?nope=1', 'nope'],
);
for my $b (@bad) {
	$r = get($b->[0], $b->[1]);
	is($r->{status}, 400, "negative: $b->[1] is 400");
	is($r->{json}{error}{details}{param}, $b->[2], "negative: $b->[1] names '$b->[2]'");
}
my $runs_cursor = get('runs', '/api/tests/runs?limit=1')->{json}{next_cursor};
$r = get('tests', "/api/tests?cursor=$runs_cursor");
is($r->{status}, 400, "negative: another list's cursor is 400");
$r = get('tests', "/api/tests?sort=fail_rate&cursor=" . get('tests', '/api/tests?limit=1')->{json}{next_cursor});
is($r->{status}, 400, "negative: a cursor of another sort is 400");
for my $u (["/api/tests/0123456789abcdef", 'tests'], ["/api/tests/0123456789abcdef/history", 'tests'],
    ["/api/tests/0123456789abcdef/uptime", 'tests'], ['/api/tests/runs/no-such-run', 'runs'],
    ['/api/tests/runs/no-such-run/results', 'runs']) {
	$r = get($u->[1], $u->[0]);
	is($r->{status}, 404, "negative: $u->[0] is 404");
	is($r->{json}{error}{code}, 'not_found', "negative: $u->[0] code not_found");
}
is(get('tests', '/api/tests?project=ghost')->{status}, 404, 'negative: unknown project is 404');
for my $u (['tests', '/api/tests'], ['tests', "/api/tests/$alpha"], ['runs', '/api/tests/runs'],
    ['insights', '/api/dashboard'], ['insights', '/api/tests/flaky']) {
	$r = get($u->[0], $u->[1], env => { TESTVIS_ENABLED => 0 });
	is($r->{status}, 503, "negative: disabled $u->[1] is 503");
	is($r->{json}{error}{code}, 'disabled', "negative: disabled $u->[1] code");
}

# ---- issue 11: the default limit of list endpoints is 50 ----
{
	my $big = new_instance();
	my $f = "$d/many.xml";
	open(my $fh, '>', $f) or die;
	print $fh '<testsuite name="many">', (map { sprintf('<testcase classname="many.T" name="m%02d" time="0.1"/>', $_) } 1 .. 55), '</testsuite>';
	close $fh;
	my $c = $big->cli('ingest', '--run-id', 'many', $f);
	die "ingest: $c->{stdout}$c->{stderr}" unless $c->{exit} == 0;
	$r = $big->cgi('tests', 'GET', '/api/tests');
	is(scalar @{$r->{json}{tests}}, 50, 'issue 11: /api/tests without limit answers 50 of 55 tests');
	is_deeply([map { $_->{name} } @{$r->{json}{tests}}], [map { sprintf('m%02d', $_) } 1 .. 50], 'the first 50 by name');
	ok(defined $r->{json}{next_cursor}, 'with a next_cursor');
	$r = $big->cgi('tests', 'GET', "/api/tests?cursor=$r->{json}{next_cursor}");
	is_deeply([map { $_->{name} } @{$r->{json}{tests}}], [map { sprintf('m%02d', $_) } 51 .. 55], 'the next page has the other 5');
	is($r->{json}{next_cursor}, undef, 'and ends the list');
	$r = $big->cgi('runs', 'GET', '/api/tests/runs/many/results');
	is(scalar @{$r->{json}{results}}, 50, 'issue 11: a run\'s results default to 50 as well');
	ok(defined $r->{json}{next_cursor}, 'with a next_cursor');
}

# ---- issue 11: sort=flakiness is not sort=fail_rate ----
{
	my $fi = new_instance();
	my %plan = (steady => 'FFFF', flappy => 'PFPF', rare => 'PPPF', fine => 'PPPP');
	for my $i (0 .. 3) {
		my $f = "$d/flaky$i.xml";
		open(my $fh, '>', $f) or die;
		print $fh '<testsuite name="f">', (map { qq{<testcase classname="f.T" name="$_">}
		    . (substr($plan{$_}, $i, 1) eq 'F' ? '<failure message="x"/>' : '') . '</testcase>' } sort keys %plan), '</testsuite>';
		close $fh;
		my $c = $fi->cli('ingest', '--run-id', "f$i", '--branch', 'main', '--started-at', iso($now - (4 - $i) * 3600), $f);
		die "ingest: $c->{stdout}$c->{stderr}" unless $c->{exit} == 0;
	}
	# issue 13 item 5: the catalogue's flip rate comes from the flaky pass
	my $b = $fi->cli('batch', '--pass', 'flaky');
	die "batch: $b->{stdout}$b->{stderr}" unless $b->{exit} == 0;
	my $order = sub { [map { $_->{name} } @{$fi->cgi('tests', 'GET', "/api/tests?sort=$_[0]")->{json}{tests}}] };
	is_deeply([@{$order->('flakiness')}[0, 1]], ['flappy', 'rare'],
	    'issue 11: sort=flakiness: the test that flips most first, a steady failure not before a rare flip');
	is_deeply([sort @{$order->('flakiness')}[2, 3]], ['fine', 'steady'], 'tests that never flip come last');
	is_deeply([@{$order->('fail_rate')}[0, 1, 2]], ['steady', 'flappy', 'rare'], 'whereas by fail rate the steady failure leads');
}

# ---- paging while runs arrive (last: it changes the history) ----
($ids, $pages) = page_all('runs', '/api/tests/runs?limit=7', 'runs', 'run_id', sub { ingest_run(30 + $_) for 1 .. 3 });
is_deeply($ids, [map { "run-$_" } reverse 1 .. 30], 'runs arriving between pages neither repeat nor skip an item');
is(scalar @{get('runs', '/api/tests/runs?limit=500')->{json}{runs}}, 33, 'and they are there afterwards');
($ids) = page_all('tests', "/api/tests/$delta/history?limit=4", 'history', 'run_id', sub { ingest_run(33 + $_) for 1 .. 2 });
is_deeply($ids, [map { "run-$_" } reverse 1 .. 33], 'history paging is stable while runs arrive');

done_testing();
