#!/usr/bin/perl
# Integrity baselines (issue 13 items 3 and 4): a run is compared with the
# previous run of its own branch and job; a branch's first run with the
# newest earlier run of its job on the default branch (default_branch in
# testvis.conf, else main/master/trunk, else the branch with the most
# runs); for the unnamed job only suites both runs report count, so two
# unnamed jobs with different suites never shrink against each other.
# Every history goes through `testvis ingest` and `testvis batch`.
use strict;
use warnings;
use POSIX qw(strftime);
use Test::More;
use lib 't/lib';
use TV;

my $d = tv_scratch();
my $t0 = time - 10 * 86400;

sub iso { my ($t) = @_; return strftime('%Y-%m-%dT%H:%M:%S', gmtime(int $t)) . 'Z' }

# A report of suite $suite: cases [name, status P|F|S, file].
sub xml {
	my ($suite, @cases) = @_;
	my $x = qq{<?xml version="1.0"?>\n<testsuite name="$suite">};
	for my $c (@cases) {
		my ($n, $s, $file) = @$c;
		(my $cls = $file) =~ s/\.\w+$//;
		$cls =~ s{/}{.}g;
		$x .= qq{<testcase classname="$cls" name="$n" file="$file" time="0.1">};
		$x .= qq{<failure message="no">x</failure>} if $s eq 'F';
		$x .= '<skipped/>' if $s eq 'S';
		$x .= "</testcase>\n";
	}
	return "$x</testsuite>\n";
}

# A report of several suites: [suite, [cases]], ...
sub xml_multi {
	my (@suites) = @_;
	my $x = join('', map { xml($_->[0], @{$_->[1]}) =~ s/^<\?xml[^>]*>\n//r } @suites);
	return qq{<?xml version="1.0"?>\n<testsuites>$x</testsuites>\n};
}

my $seq = 0;
# ingest($inst, run_id, branch, job (undef: unnamed), minutes after t0, suite, [cases])
sub ingest {
	my ($inst, $id, $branch, $job, $min, $suite, $cases) = @_;
	my $f = "$d/r" . $seq++ . '.xml';
	open(my $fh, '>', $f) or die;
	print $fh ref $suite ? xml_multi(@$suite) : xml($suite, @$cases);
	close $fh;
	my @a = ('ingest', '--run-id', $id, '--branch', $branch, '--git-sha', "s$seq",
	    '--started-at', iso($t0 + 60 * $min));
	push @a, '--job', $job if defined $job;
	my $r = $inst->cli(@a, $f);
	die "ingest $id: $r->{stdout}$r->{stderr}" unless $r->{exit} == 0;
}

sub sql { my ($i, $q) = @_; return $i->sql($q) }

# Runs the integrity pass; answers "run:type:subject" of every signal, sorted.
sub signals {
	my ($inst) = @_;
	my $r = $inst->cli('batch', '--pass', 'integrity');
	is($r->{exit}, 0, 'the integrity pass runs') or diag($r->{stdout} . $r->{stderr});
	my $o = sql($inst, q{SELECT r.run_id || ':' || s.signal_type || ':' || s.subject FROM signals s
	    JOIN runs r ON r.id = s.run ORDER BY 1});
	return [grep { $_ ne '' } split /\n/, $o];
}

# cases: n tests named "${p}N" in file $file
sub cases { my ($p, $file, $n, $st) = @_; return map { ["$p$_", $st // 'P', $file] } 1 .. $n }

my @unit = (cases('cart', 'tests/test_cart.py', 10), cases('user', 'tests/test_user.py', 10),
    cases('order', 'tests/test_order.py', 10), cases('pay', 'tests/test_pay.py', 10));
my @e2e = cases('flow', 'e2e/flows.spec.ts', 4);

# ===================== two named jobs on main =====================
{
	my $inst = new_instance();
	for my $i (1 .. 5) {
		ingest($inst, "u$i", 'main', 'unit', 10 * $i, 'pytest', \@unit);
		ingest($inst, "e$i", 'main', 'e2e', 10 * $i + 1, 'playwright', \@e2e);
	}
	is_deeply(signals($inst), [],
	    'issue 13 item 3: two jobs uploading interleaved to main raise no signal');
	# the pass did compare: a real shrink within a job is seen
	ingest($inst, 'u6', 'main', 'unit', 60, 'pytest', [@unit[0 .. 19]]);
	is_deeply(signals($inst), ['u6:suite_shrink:'], 'a job that loses half its tests is still caught');
}

# ===================== two unnamed jobs with disjoint suites =====================
{
	my $inst = new_instance();
	# the same class name in both, so only the suite tells them apart
	my @api = map { ["api$_", 'P', 'tests/t.py'] } 1 .. 30;
	my @web = map { ["web$_", 'P', 'tests/t.py'] } 1 .. 3;
	for my $i (1 .. 4) {
		ingest($inst, "a$i", 'main', undef, 10 * $i, 'api', \@api);
		ingest($inst, "w$i", 'main', undef, 10 * $i + 1, 'web', \@web);
	}
	is_deeply(signals($inst), [],
	    'issue 13 item 3: two unnamed jobs reporting disjoint suites raise no suite_shrink or test_removed');
	# each is still compared with the previous run of its own suites
	my @api2 = @api[0 .. 27];
	$api2[0] = ['api1', 'S', 'tests/t.py'];
	ingest($inst, 'a5', 'main', undef, 50, 'api', \@api2);
	is_deeply(signals($inst), ['a5:newly_skipped:' . sql($inst, q{SELECT test_id FROM tests WHERE name = 'api1'}),
	    'a5:test_removed:tests.t::api29', 'a5:test_removed:tests.t::api30'],
	    'an unnamed run is compared with the last run reporting its suite');
	# the same again: nothing
	ingest($inst, 'aw6', 'main', undef, 60, 'api', [@api2]);
	is_deeply([grep { /^aw6:/ } @{signals($inst)}], [], 'an unchanged suite raises nothing');
	# a run of both suites, then one of api alone: web's tests are not
	# removed (their class still reports, in api)
	ingest($inst, 'both7', 'main', undef, 70, [['api', \@api2], ['web', \@web]]);
	ingest($inst, 'a8', 'main', undef, 80, 'api', \@api2);
	is(sql($inst, 'SELECT ' . ($inst->engine eq 'postgresql' ?
	    q{string_agg(DISTINCT t.suite_path, ',' ORDER BY t.suite_path)} : 'group_concat(DISTINCT t.suite_path)')
	    . q{ FROM results r JOIN tests t ON t.id = r.test
	    JOIN runs u ON u.id = r.run WHERE u.run_id = 'both7'}), 'api,web', 'the run of both reports both suites');
	is_deeply([grep { /^(?:both7|a8):/ } @{signals($inst)}], [],
	    'issue 13 item 3: only suites both runs report are compared');
}

# ===================== an agent branch checked on its first upload =====================
{
	my $inst = new_instance();
	for my $i (1 .. 3) {
		ingest($inst, "m$i", 'main', 'unit', 10 * $i, 'pytest', \@unit);
		ingest($inst, "me$i", 'main', 'e2e', 10 * $i + 1, 'playwright', \@e2e);
	}
	# the agent deletes 3 of test_cart.py's tests and skips two others
	my @agent = map { [@$_] } grep { $_->[0] !~ /^cart(?:[89]|10)$/ } @unit;
	$_->[1] = 'S' for grep { $_->[0] =~ /^user[12]$/ } @agent;
	ingest($inst, 'ag1', 'agent/quick-fix', 'unit', 35, 'pytest', \@agent);
	my $tid = sub { sql($inst, "SELECT test_id FROM tests WHERE name = '$_[0]'") };
	is_deeply(signals($inst), [sort('ag1:newly_skipped:' . $tid->('user1'), 'ag1:newly_skipped:' . $tid->('user2'),
	    map { "ag1:test_removed:tests.test_cart::cart$_" } 8, 9, 10)],
	    'issue 13 item 3: an agent branch\'s first run is compared with main\'s newest run of its job');
	is(sql($inst, q{SELECT DISTINCT b.run_id FROM signals s JOIN runs b ON b.id = s.baseline_run}), 'm3',
	    'the baseline is main\'s newest unit run');
	# its second run is compared with its first: nothing changed
	ingest($inst, 'ag2', 'agent/quick-fix', 'unit', 45, 'pytest', \@agent);
	# its first e2e run has main's e2e run as baseline: equal, nothing
	ingest($inst, 'age1', 'agent/quick-fix', 'e2e', 46, 'playwright', \@e2e);
	is_deeply(signals($inst), [sort('ag1:newly_skipped:' . $tid->('user1'), 'ag1:newly_skipped:' . $tid->('user2'),
	    map { "ag1:test_removed:tests.test_cart::cart$_" } 8, 9, 10)],
	    'later runs of the branch, and its other job, add nothing');
	# a branch whose first run deletes a whole test file: suite_shrink
	ingest($inst, 'del1', 'agent/cleanup', 'unit', 50, 'pytest', [@unit[0 .. 29]]);
	my @s = grep { /^del1:/ } @{signals($inst)};
	is_deeply(\@s, ['del1:suite_shrink:'], 'a deleted test file shows as suite_shrink, not as removed tests');
	# a job main never ran has no baseline
	ingest($inst, 'lint1', 'agent/cleanup', 'lint', 51, 'ruff', [['style', 'P', 'setup.py']]);
	ok(!grep({ /^lint1:/ } @{signals($inst)}), 'a job without runs on main has no baseline');
}

# ===================== the default branch =====================
# Resolution is seen through the first run of another branch: compared
# with the default branch's newest run (a shrink), or with nothing.
{
	my @small = @unit[0 .. 9];
	# default_branch set: its runs are the baseline, even over main's
	my $inst = new_instance(conf => { default_branch => 'release' });
	ingest($inst, 'r1', 'release', 'unit', 10, 'pytest', \@unit);
	ingest($inst, 'm1', 'main', 'unit', 11, 'pytest', \@small);
	ingest($inst, 'f1', 'feature/y', 'unit', 12, 'pytest', \@small);
	is_deeply(signals($inst), ['f1:suite_shrink:', 'm1:suite_shrink:'],
	    'issue 13 item 4: default_branch in testvis.conf names the baseline branch');

	# unset, with main: main
	$inst = new_instance();
	ingest($inst, "r$_", 'release', 'unit', 10 + $_, 'pytest', \@unit) for 1 .. 4;
	ingest($inst, 'm1', 'main', 'unit', 20, 'pytest', \@small);
	ingest($inst, 'f1', 'feature/y', 'unit', 21, 'pytest', \@small);
	is_deeply(signals($inst), [], 'unset: main has runs, so it is the default (its first run has no baseline)');

	# unset, only develop and feature/x: the one with the most runs
	$inst = new_instance();
	ingest($inst, "d$_", 'develop', 'unit', 10 + $_, 'pytest', \@unit) for 1 .. 3;
	ingest($inst, 'x1', 'feature/x', 'unit', 20, 'pytest', \@small);
	is_deeply(signals($inst), ['x1:suite_shrink:'],
	    'unset, no main/master/trunk: develop (most runs) is the default');
	is(sql($inst, q{SELECT b.run_id FROM signals s JOIN runs b ON b.id = s.baseline_run}), 'd3',
	    'and its newest run is the baseline');

	# unset, master's one run and trunk's three: master comes first
	# (main, master, trunk in that order, whatever their run counts)
	$inst = new_instance();
	ingest($inst, 'ms1', 'master', 'unit', 10, 'pytest', \@unit);
	ingest($inst, "t$_", 'trunk', 'unit', 10 + $_, 'pytest', \@small) for 1 .. 3;
	ingest($inst, 'x1', 'feature/x', 'unit', 20, 'pytest', \@small);
	is_deeply(signals($inst), ['t1:suite_shrink:', 'x1:suite_shrink:'],
	    'unset, master and a busier trunk: master is the default')
	    or diag explain signals($inst);
	# unset, trunk the only usual name, develop with more runs: trunk
	$inst = new_instance();
	ingest($inst, "d$_", 'develop', 'unit', 10 + $_, 'pytest', \@unit) for 1 .. 3;
	ingest($inst, 'tr1', 'trunk', 'unit', 20, 'pytest', \@small);
	ingest($inst, 'x1', 'feature/x', 'unit', 21, 'pytest', \@small);
	is_deeply(signals($inst), [],
	    'unset, trunk and a busier develop: trunk is the default (develop would see tr1 and x1 shrink)')
	    or diag explain signals($inst);
}

done_testing();
