#!/usr/bin/perl
# Reports (REP-1, issue 16 item 1) on a scripted history with exact
# values: grouped by week (a run one second before and one at the Monday
# 00:00 UTC boundary; a date-only `to` that includes its day and not the
# next midnight), week and branch (a branch with a comma in its name,
# escaped in the group key), suite (nested suites), feature before and
# after the mapping pass maps the tests, domain, owner, day and month;
# filters by branch, job, run status, tag, suite (and nested), owner,
# feature and domain; an empty range; totals; the same definition kept
# once; GET again; the list; the drilldown with status and paging; the
# cells counted in by the migration; a dashboard's report widget; 400s
# naming what is wrong.  Runs on both engines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance();
my $seq = 0;

# up(run_id, {when, branch, job, ms, tags, shard}, [suite, name, P|F|E|S, ms,
# owner, feature]...): one run, its suites nested as the path says
sub up {
	my ($id, $o, @cases) = @_;
	my $x = qq{<testsuites time="} . $o->{ms} / 1000 . '">';
	my @open;
	for my $c (@cases) {
		my ($suite, $name, $s, $ms, $owner, $feature) = @$c;
		my @p = split m{/}, $suite;
		my $k = 0;
		$k++ while $k < @open && $k < @p && $open[$k] eq $p[$k];
		$x .= '</testsuite>' x (@open - $k);
		splice(@open, $k);
		for (@p[$k .. $#p]) { $x .= qq{<testsuite name="$_">}; push @open, $_ }
		$x .= qq{<testcase classname="k" name="$name" time="} . $ms / 1000 . '">'
		    . qq{<properties><property name="owner" value="$owner"/>}
		    . qq{<property name="feature" value="$feature"/></properties>};
		$x .= '<failure message="broke">at k:1</failure>' if $s eq 'F';
		$x .= '<error message="crashed">at k:2</error>' if $s eq 'E';
		$x .= '<skipped/>' if $s eq 'S';
		$x .= '</testcase>';
	}
	$x .= '</testsuite>' x @open . '</testsuites>';
	my $f = "$inst->{dir}/rep-" . ++$seq . '.xml';
	open(my $fh, '>', $f) or die;
	print $fh $x;
	close $fh;
	if ($o->{tags}) {
		(my $m = $f) =~ s/\.xml$/.meta.json/;
		open($fh, '>', $m) or die;
		print $fh TV::encode_json_text({ tags => $o->{tags} });
		close $fh;
	}
	my $r = $inst->cli('ingest', '--run-id', $id, '--branch', $o->{branch},
	    '--job', $o->{job} // 'unit', '--started-at', $o->{when},
	    ($o->{shard} ? ('--shard', $o->{shard}) : ()), $f);
	die "ingest $id: $r->{stderr}" if $r->{exit} != 0;
}

my ($CP, $UF) = ('checkout/pay', 'ui/forms');
up('r1', { when => '2026-03-01T23:59:59Z', branch => 'main', ms => 1000, tags => ['nightly'] },
    ['api', 'a1', 'P', 100, 'alice', $CP], ['api', 'a2', 'F', 200, 'alice', $CP],
    ['ui/forms', 'u1', 'P', 300, 'bob', $UF], ['ui/forms', 'u2', 'S', 0, 'bob', $UF]);
up('r2', { when => '2026-03-02T00:00:00Z', branch => 'main', ms => 2000 },
    ['api', 'a1', 'P', 150, 'alice', $CP], ['api', 'a2', 'P', 250, 'alice', $CP],
    ['ui/forms', 'u1', 'F', 350, 'bob', $UF], ['ui/forms', 'u2', 'P', 50, 'bob', $UF]);
up('r3', { when => '2026-03-03T10:00:00Z', branch => 'main', job => 'e2e', ms => 4000 },
    ['api', 'a1', 'E', 400, 'alice', $CP], ['ui/forms', 'u1', 'P', 100, 'bob', $UF]);
up('r4', { when => '2026-03-03T12:00:00Z', branch => 'dev', ms => 500 },
    ['api', 'a1', 'F', 10, 'alice', $CP], ['api', 'a2', 'F', 20, 'alice', $CP]);
up('r5', { when => '2026-04-01T00:00:00Z', branch => 'main', ms => 3000 },
    ['api', 'a1', 'P', 100, 'alice', $CP]);
up('r6', { when => '2026-03-04T08:00:00Z', branch => 'feat,x', ms => 700 },
    ['api', 'a1', 'P', 70, 'alice', $CP]);

# post(definition, status): the answer of POST /api/reports
sub post {
	my ($def, $want, $what) = @_;
	my $r = $inst->cgi('reports', 'POST', '/api/reports',
	    body => TV::encode_json_text($def), content_type => 'application/json');
	is($r->{status}, $want // 201, $what // 'POST /api/reports') or diag($r->{body});
	return $r->{json} // {};
}
sub get {
	my ($uri, $want) = @_;
	my $r = $inst->cgi('reports', 'GET', $uri);
	is($r->{status}, $want // 200, "GET $uri") or diag($r->{body});
	return $r->{json} // {};
}
# row(group): "key runs tests passed failed skipped pass_rate p50 p95"
sub row {
	my ($g) = @_;
	return join ' ', $g->{key}, (map { $g->{$_} } qw(runs tests passed failed skipped)),
	    defined $g->{pass_rate} ? sprintf('%.4f', $g->{pass_rate}) : 'null',
	    map { $g->{$_} // 'null' } qw(duration_p50_ms duration_p95_ms);
}
sub rows { [map { row($_) } @{$_[0]{groups} || []}] }
my %march = (from => '2026-03-01', to => '2026-03-31');

# ---- runs only: week, week x branch, day, month ----
my $a = post({ %march, branch => 'main', group_by => 'week' });
is_deeply(rows($a), ['2026-02-23 1 4 2 1 1 0.6667 1000 1000',
    '2026-03-02 2 6 4 2 0 0.6667 2000 4000'],
    'by week: Sunday 23:59:59 in the old week, Monday 00:00 in the new; errors count as failed; '
    . 'the run at April 1 00:00 is past a date-only `to`');
is(row({ %{$a->{totals}}, key => 'total' }), 'total 3 10 6 3 1 0.6667 2000 4000',
    'totals: p50 and p95 (nearest rank) of the run durations');
is($a->{duration}, 'run', 'durations are the runs\' own');
is_deeply($a->{groups}[0]{values}, { week => '2026-02-23' }, 'a group\'s values by key');
is($a->{range}{from}, '2026-03-01T00:00:00.000Z', 'the range from ...');
is($a->{range}{to}, '2026-04-01T00:00:00.000Z', '... to the end of the `to` day');
is_deeply($a->{query}{group_by}, ['week'], 'group_by normalised to an array');
ok(exists $a->{query}{owner} && !defined $a->{query}{owner}, 'every key in the query, null when not given');
my $id_a = $a->{report_id};
ok($id_a > 0, 'a report_id');

my $b = post({ %march, branch => '*', group_by => ['week', 'branch'] });
is_deeply(rows($b), ['2026-02-23,main 1 4 2 1 1 0.6667 1000 1000',
    '2026-03-02,dev 1 2 0 2 0 0.0000 500 500',
    '2026-03-02,feat\,x 1 1 1 0 0 1.0000 700 700',
    '2026-03-02,main 2 6 4 2 0 0.6667 2000 4000'],
    'by week and branch (every branch), a comma in a value escaped in the key');
is_deeply($b->{groups}[2]{values}, { week => '2026-03-02', branch => 'feat,x' }, '... the values unescaped');

is_deeply(rows(post({ %march, branch => 'main', job => 'e2e', group_by => 'day' })),
    ['2026-03-03 1 2 1 1 0 0.5000 4000 4000'], 'by day, job e2e');
is_deeply(rows(post({ from => '2026-03-01', to => '2026-04-30', branch => '*', group_by => 'month' })),
    ['2026-03 5 13 7 5 1 0.5833 1000 4000', '2026-04 1 1 1 0 0 1.0000 3000 3000'], 'by month');
is_deeply(rows(post({ from => '2026-03-01', to => '2026-04-30', branch => '*', status => 'failed', group_by => 'month' })),
    ['2026-03 4 12 6 5 1 0.5455 1000 4000'], 'failed runs only (the run\'s status)');
is_deeply(rows(post({ %march, branch => 'main', tag => 'nightly', group_by => 'week' })),
    ['2026-02-23 1 4 2 1 1 0.6667 1000 1000'], 'a run tag');
my $empty = post({ from => '2025-01-01', to => '2025-01-31', group_by => 'week' });
is_deeply($empty->{groups}, [], 'an empty range: no groups');
is(row({ %{$empty->{totals}}, key => 't' }), 't 0 0 0 0 0 null null null', '... totals of nothing');

# ---- cells: suite, feature, domain, owner ----
my $c = post({ %march, branch => 'main', group_by => 'suite' });
is_deeply(rows($c), ['api 3 5 3 2 0 0.6000 400 400', 'ui / forms 3 5 3 1 1 0.7500 300 400'],
    'by suite (nested suites by their path): per run what its tests took');
is(row({ %{$c->{totals}}, key => 't' }), 't 3 10 6 3 1 0.6667 600 800', '... totals');
is($c->{duration}, 'tests', '... durations summed from the tests');
is_deeply(rows(post({ %march, branch => 'main', group_by => 'feature' })),
    [' 3 10 6 3 1 0.6667 600 800'], 'by feature before the mapping pass: not mapped yet');
my $r = $inst->cli('batch', '--pass', 'mapping');
is($r->{exit}, 0, 'the mapping pass') or diag($r->{stderr});
my $f = post({ %march, branch => 'main', group_by => 'feature' }, 200, 'the same report again');
is_deeply(rows($f), ["$CP 3 5 3 2 0 0.6000 400 400", "$UF 3 5 3 1 1 0.7500 300 400"],
    'by feature after it: the tests\' results moved to their features');
is_deeply(rows(post({ %march, branch => 'main', group_by => ['domain', 'owner'] })),
    ['checkout,alice 3 5 3 2 0 0.6000 400 400', 'ui,bob 3 5 3 1 1 0.7500 300 400'],
    'by domain and owner');
is_deeply(rows(post({ %march, branch => 'main', owner => 'bob', group_by => 'week' })),
    ['2026-02-23 1 2 1 0 1 1.0000 300 300', '2026-03-02 2 3 2 1 0 0.6667 100 400'],
    'an owner filter reads the cells');
is_deeply(rows(post({ %march, branch => 'main', suite => 'ui', group_by => 'suite' })),
    ['ui / forms 3 5 3 1 1 0.7500 300 400'], 'a suite filter takes the suites under it');
is_deeply(rows(post({ %march, branch => 'main', suite => 'u', group_by => 'suite' })), [],
    '... but not a suite whose name merely starts the same');
is_deeply(rows(post({ %march, branch => '*', feature => $CP, group_by => 'branch' })),
    ['dev 1 2 0 2 0 0.0000 30 30', 'feat\,x 1 1 1 0 0 1.0000 70 70', 'main 3 5 3 2 0 0.6000 400 400'],
    'a feature filter, by branch');
is_deeply(rows(post({ %march, branch => 'main', domain => 'ui', group_by => 'week' })),
    ['2026-02-23 1 2 1 0 1 1.0000 300 300', '2026-03-02 2 3 2 1 0 0.6667 100 400'], 'a domain filter');
is_deeply(rows(post({ %march, branch => 'main', tag => 'nightly', group_by => 'owner' })),
    ['alice 1 2 1 1 0 0.5000 300 300', 'bob 1 2 1 0 1 1.0000 300 300'], 'by owner, a tag');

# ---- kept once; GET again; the list ----
my $again = post({ group_by => ['week'], branch => 'main', to => '2026-03-31', from => '2026-03-01' }, 200,
    'the same definition (other key order, group_by as an array) posted again: 200');
is($again->{report_id}, $id_a, '... the same report_id');
my $g = get("/api/reports/$id_a");
is_deeply(rows($g), rows($a), 'GET /api/reports/{id} computes it again');
my $list = get("/api/reports");
ok((grep { $_->{report_id} == $id_a } @{$list->{reports}}), 'the list holds it');
is($list->{reports}[0]{report_id}, $id_a, '... most recently used first');
get('/api/reports/999999', 404);
get('/api/reports/999999/drilldown?group=x', 404);
my $rolling = post({ branch => '*', group_by => 'branch' });
is($rolling->{query}{from}, undef, 'a report without a range keeps none ...');
like($rolling->{range}{to}, qr/^\d{4}-\d\d-\d\dT/, '... and answers for the 30 days up to now');

# ---- drilldown ----
my $id_c = $c->{report_id};
my $d = get("/api/reports/$id_c/drilldown?group=api&status=failed");
is(join(' ', map { "$_->{run_id}:$_->{name}:$_->{status}" } @{$d->{results}}),
    'r3:a1:error r1:a2:failed', 'the failed results behind a cell, newest run first');
is($d->{next_cursor}, undef, '... all of them');
is_deeply($d->{values}, { suite => 'api' }, '... with the group\'s values');
is($d->{results}[0]{suite}, 'api', '... each with its suite');
is($d->{results}[0]{job}, 'e2e', '... and job');
my $p1 = get("/api/reports/$id_c/drilldown?group=api&status=failed&limit=1");
is(scalar @{$p1->{results}}, 1, 'a page of one');
ok(defined $p1->{next_cursor}, '... with a cursor');
my $p2 = get("/api/reports/$id_c/drilldown?group=api&status=failed&limit=1&cursor=$p1->{next_cursor}");
is(join(' ', map { "$_->{run_id}:$_->{name}" } @{$p1->{results}}, @{$p2->{results}}), 'r3:a1 r1:a2',
    'the next page goes on where it stopped');
is($p2->{next_cursor}, undef, '... and is the last');
my $id_b = $b->{report_id};
$d = get("/api/reports/$id_b/drilldown?group=2026-03-02,main");
is(join(' ', map { $_->{run_id} } @{$d->{results}}), 'r3 r3 r2 r2 r2 r2', 'a week and branch cell: its six results');
$d = get("/api/reports/$id_b/drilldown?group=2026-03-02,feat%5C,x");
is(join(' ', map { "$_->{run_id}:$_->{branch}" } @{$d->{results}}), 'r6:feat,x', 'an escaped comma in a key');
$d = get("/api/reports/$id_b/drilldown?group=2026-02-23,main&status=skipped");
is(join(' ', map { "$_->{name}:$_->{status}" } @{$d->{results}}), 'u2:skipped', 'skipped results of a cell');
$d = get("/api/reports/$id_a/drilldown?group=2026-03-09");
is_deeply($d->{results}, [], 'a week without runs: nothing');
get("/api/reports/$id_b/drilldown?group=2026-03-02", 400);
get("/api/reports/$id_a/drilldown?group=2026-13-45", 400);
get("/api/reports/$id_a/drilldown?group=2026-03-02&cursor=abc", 400);
get("/api/reports/$id_a/drilldown?group=2026-03-02&status=green", 400);
get("/api/reports/$id_a/drilldown", 400);
get("/api/reports/$id_b/drilldown?group=2026-03-02,main,extra", 400);
get("/api/reports/$id_a/drilldown?group=%5C", 400);
get("/api/reports/$id_a/drilldown?group=" . ('x' x 5000), 400);
get("/api/reports/$id_a/drilldown?group=2026-03-02&cursor=99999999999999999999999.1.1", 400);
get("/api/reports/$id_a/drilldown?group=2026-03-02&cursor=-1.1.1", 400);
get("/api/reports/$id_a/drilldown?group=2026-03-02&cursor=1.1.1.", 400);
get("/api/reports/$id_a/drilldown?group=2026-03-02&limit=0", 400);
get("/api/reports/abc", 400);

# ---- bad definitions: 400 naming the key ----
for my $bad ([{ group_by => 'week', colour => 'red' }, qr/colour/],
    [{ branch => 'main' }, qr/group_by/],
    [{ group_by => 'hour' }, qr/group_by/],
    [{ group_by => ['week', 'week'] }, qr/group_by/],
    [{ group_by => ['week', 'branch', 'job'] }, qr/group_by/],
    [{ group_by => [] }, qr/group_by/],
    [{ group_by => 'week', from => 'yesterday' }, qr/from/],
    [{ group_by => 'week', to => '2026-02-30T99:00:00Z' }, qr/to/],
    [{ group_by => 'week', from => '2026-03-10', to => '2026-03-01' }, qr/before/],
    [{ group_by => 'week', feature => 'nope/x' }, qr/no feature/],
    [{ group_by => 'week', domain => 'nope' }, qr/no domain/],
    [{ group_by => 'week', status => 'green' }, qr/status/],
    [{ group_by => 'week', owner => '' }, qr/owner/],
    [{ group_by => 'week', job => 7 }, qr/job/]) {
	my $r2 = $inst->cgi('reports', 'POST', '/api/reports',
	    body => TV::encode_json_text($bad->[0]), content_type => 'application/json');
	is($r2->{status}, 400, 'bad definition ' . TV::encode_json_text($bad->[0]) . ': 400');
	like($r2->{body}, $bad->[1], '... naming it');
}
for my $body ('not json', '[1]', '"week"') {
	my $r2 = $inst->cgi('reports', 'POST', '/api/reports', body => $body,
	    content_type => 'application/json');
	is($r2->{status}, 400, "body $body: 400");
}
my $r3 = $inst->cgi('reports', 'POST', '/api/reports', body => '{"group_by":"week"}',
    content_type => 'text/plain');
is($r3->{status}, 415, 'not JSON: 415');
$r3 = $inst->cgi('reports', 'POST', '/api/reports', content_type => 'application/json',
    body => TV::encode_json_text({ group_by => 'week', suite => 'x' x 20000 }));
is($r3->{status}, 413, 'a definition over 16 KiB: 413');

# ---- a dashboard's report widget ----
my $admin = $inst->token('default', 'admin');
my $dash = $inst->cgi('dashboards', 'POST', '/api/dashboards', headers => { Authorization => "Bearer $admin" },
    body => TV::encode_json_text({ name => 'QA', widgets => [{ type => 'report', params => { report_id => $id_a } }] }),
    content_type => 'application/json');
is($dash->{status}, 201, 'a dashboard with a report widget') or diag($dash->{body});
$dash = $inst->cgi('dashboards', 'POST', '/api/dashboards', headers => { Authorization => "Bearer $admin" },
    body => TV::encode_json_text({ name => 'QA2', widgets => [{ type => 'report', params => {} }] }),
    content_type => 'application/json');
is($dash->{status}, 400, 'a report widget needs its report_id');

# ---- the migration counts the cells in from the results kept ----
my $cells_sql = 'SELECT run, suite, owner, feature, tests, passed, failed, skipped, duration_ms '
    . 'FROM report_cells ORDER BY run, suite, owner, feature';
my $before = $inst->sql($cells_sql);
ok(length $before > 0, 'cells kept at ingest');
# a mapping pass that stopped between mapping tests and rebuilding their
# cells left its mark: the next one rebuilds them all
$inst->sql("DELETE FROM report_cells; INSERT INTO batch_marks (pass, project_id, watermark) "
    . "SELECT 'mapping-cells', id, 1 FROM projects WHERE slug = 'default' ON CONFLICT (pass, project_id) DO UPDATE SET watermark = 1");
$r = $inst->cli('batch', '--pass', 'mapping');
is($r->{exit}, 0, 'a mapping pass after one that stopped') or diag($r->{stderr});
is($inst->sql($cells_sql), $before, '... rebuilds every cell');
is($inst->sql("SELECT watermark FROM batch_marks WHERE pass = 'mapping-cells'"), '0', '... and clears its mark');
$inst->unmigrate(16);
$r = $inst->cli('migrate');
is($r->{exit}, 0, 'migrations 0016 and later again') or diag($r->{stderr});
is($inst->sql($cells_sql), $before, 'it counts the same cells in from the results');

# ---- ingest sums a run's cells as the GROUP BY over its results does ----
# (on SQLite in C, by a hash of the cells: suites interleaved, an owner
# left empty, tests of one suite and owner in two features, a second
# shard of the run after the mapping pass, with a test not mapped yet)
up('cells', { when => '2026-05-01T00:00:00Z', branch => 'main', ms => 100, shard => 'a' },
    ['deep/a', 'c1', 'P', 10, 'ann', 'checkout'], ['z', 'c2', 'F', 20, 'bob', 'pricing'],
    ['deep/a', 'c3', 'S', 5, 'ann', 'checkout'], ['z', 'c4', 'E', 7, '', 'pricing'],
    ['deep/a', 'c5', 'P', 1, 'ann', 'pricing'], ['deep', 'c6', 'F', 3, 'ann', 'checkout'],
    ['deep/a', 'c7', 'P', 2, 'bob', 'checkout']);
$r = $inst->cli('batch', '--pass', 'mapping');
is($r->{exit}, 0, 'the mapping pass maps them') or diag($r->{stderr});
up('cells', { when => '2026-05-01T00:00:00Z', branch => 'main', ms => 100, shard => 'b' },
    ['y', 'c8', 'P', 9, 'cy', 'pricing']);
my $run_cells = "SELECT suite, owner, feature, tests, passed, failed, skipped, duration_ms FROM report_cells "
    . "WHERE run = (SELECT id FROM runs WHERE run_id = 'cells') ORDER BY suite, owner, feature";
my $grouped = "SELECT t.suite_path, coalesce(t.owner, ''), coalesce(t.feature, 0), count(*), "
    . "sum(CASE WHEN r.status = 0 THEN 1 ELSE 0 END), sum(CASE WHEN r.status IN (1, 2) THEN 1 ELSE 0 END), "
    . "sum(CASE WHEN r.status = 3 THEN 1 ELSE 0 END), sum(coalesce(r.duration_ms, 0)) "
    . "FROM results r JOIN tests t ON t.id = r.test WHERE r.run = (SELECT id FROM runs WHERE run_id = 'cells') "
    . "GROUP BY t.suite_path, coalesce(t.owner, ''), coalesce(t.feature, 0) ORDER BY 1, 2, 3";
my $cells = $inst->sql($run_cells);
is(scalar(split /\n/, $cells), 7, 'the run has its seven cells') or diag($cells);
is($cells, $inst->sql($grouped), 'each as the GROUP BY over the run\'s results counts it');

# ---- a feature's cells rebuilt test by test (migration 0023) ----
# The mapping pass rebuilds the cells of the features its new tests join
# from each test's results in the per-test order: the copy for the runs
# the history pass copied, the results of the runs still pending.
$r = $inst->cli('batch', '--pass', 'history');
is($r->{exit}, 0, 'the history pass copies every run') or diag($r->{stderr});
up('cells', { when => '2026-05-01T00:00:00Z', branch => 'main', ms => 100, shard => 'c' },
    ['z', 'c9', 'F', 4, 'bob', 'pricing']);
up('later', { when => '2026-05-02T00:00:00Z', branch => 'main', ms => 100 },
    ['z', 'c2', 'P', 6, 'bob', 'pricing'], ['z', 'c10', 'P', 8, 'bob', 'checkout']);
$r = $inst->cli('batch', '--pass', 'mapping');
is($r->{exit}, 0, 'the mapping pass maps the new tests') or diag($r->{stderr});
like($inst->sql("SELECT count(*) FROM history_pending"), qr/^[1-9]/, 'with runs pending and others copied');
(my $all_grouped = $grouped) =~ s/WHERE r\.run = \(SELECT id FROM runs WHERE run_id = 'cells'\) //;
$all_grouped =~ s/SELECT t\.suite_path/SELECT r.run, t.suite_path/;
$all_grouped =~ s/GROUP BY t\.suite_path/GROUP BY r.run, t.suite_path/;
$all_grouped =~ s/ORDER BY 1, 2, 3/ORDER BY 1, 2, 3, 4/;
is($inst->sql($cells_sql),
    $inst->sql($all_grouped), 'every run\'s cells as the GROUP BY over its results counts them');

done_testing();
