#!/usr/bin/perl
# Issue 18: results are written run-major only; the per-test order lives
# in result_history, which the batch's history pass fills from the runs
# written since (history_pending).  Every by-test answer (a test's history,
# results, timing, uptime, the dashboard's streaks, a feature's days) is
# the same before the pass, after it, and when a run the pass copied is
# written again (another shard), renamed (an alias) or purged (retention);
# a database from before migration 0021 gets its copy at migrate.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(strftime);
use Test::More;
use TV;

my $DAY = 86400;
my $t0 = time - 5 * $DAY;
sub iso { return strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(int $_[0])) }

my $rules = tv_scratch() . '/history.rules';
open(my $rfh, '>', $rules) or die;
print $rfh "core/things classname pkg.*\n";
close $rfh;
my $inst = new_instance(conf => { auth_ingest => 'open', retention_days => 15, mapping_rules => $rules });
my $n = 0;

# Ingests run $id (branch, hours after t0, shard) of cases [name, P|F|S].
sub upload {
	my ($id, $branch, $hours, $shard, @cases) = @_;
	my $x = '<testsuite name="s">';
	for (@cases) {
		my ($name, $s) = @$_;
		$x .= qq{<testcase classname="pkg.T" name="$name" time="0.0} . (length($name) + $hours % 7) . '">';
		# the run in the message: each copied row's own message, or not
		$x .= qq{<failure message="$name broke in $id">at T:1</failure>} if $s eq 'F';
		$x .= '<skipped/>' if $s eq 'S';
		$x .= '</testcase>';
	}
	my $f = "$inst->{dir}/h" . ++$n . '.xml';
	open(my $fh, '>', $f) or die;
	print $fh "$x</testsuite>";
	close $fh;
	my $r = $inst->cli('ingest', '--run-id', $id, '--branch', $branch, '--shard', $shard,
	    '--started-at', iso($t0 + $hours * 3600), $f);
	die "ingest $id: $r->{stdout}$r->{stderr}" if $r->{exit} != 0;
}
sub sql { return $inst->sql($_[0]) }
sub tid { return sql("SELECT test_id FROM tests WHERE name = '$_[0]' AND alias_of IS NULL") }
sub pending { return sql('SELECT count(*) FROM history_pending') }
sub copied { return sql('SELECT count(*) FROM result_history') }

# Every by-test answer about the named tests, as one comparable text.
sub answers {
	my (@names) = @_;
	my $all = '';
	for my $name (@names) {
		my $t = tid($name);
		for my $u ("/api/tests/$t/history?limit=3", "/api/tests/$t/history?branch=main",
		    "/api/tests/$t/results?limit=2&offset=1", "/api/tests/$t/results",
		    "/api/tests/$t/timing", "/api/tests/$t/uptime", "/api/tests/$t",
		    # windows that cut the runs' days (history_days): t0 + 2 h, + 4 h
		    "/api/tests/$t/uptime?hours=8760", "/api/tests/$t/uptime?hours=118",
		    "/api/tests/$t/uptime?hours=116") {
			my $r = $inst->cgi('tests', 'GET', $u);
			die "$u: $r->{status} $r->{body}" if $r->{status} != 200;
			$all .= "$u $r->{body}\n";
		}
		# the next page of the history, by its cursor
		my $j = $inst->cgi('tests', 'GET', "/api/tests/$t/history?limit=2")->{json};
		if (defined $j->{next_cursor}) {
			my $r = $inst->cgi('tests', 'GET', "/api/tests/$t/history?limit=2&cursor=$j->{next_cursor}");
			$all .= "page2 $r->{body}\n";
		}
	}
	for my $u ('/api/dashboard?branch=main', '/api/dashboard?branch=dev') {
		my $r = $inst->cgi('insights', 'GET', $u);
		die "$u: $r->{status} $r->{body}" if $r->{status} != 200;
		# the dashboard's clock-dependent parts aside
		$all .= "$u " . TV::encode_json_text($r->{json}{now} // $r->{json}) . "\n";
	}
	return $all;
}
# Days of history_days that are not the count of result_history's rows
# that day, and days of those rows history_days lacks: 0 when the
# triggers (migration 0024) kept every count exact.
sub days_off {
	my $recount = 'SELECT test, started_at / 86400000, count(*), count(duration_ms), '
	    . 'count(*) FILTER (WHERE status = 0), count(*) FILTER (WHERE status IN (1, 2)) '
	    . 'FROM result_history GROUP BY test, started_at / 86400000';
	my $kept = 'SELECT test, day, results, timed, passed, failed FROM history_days';
	return sql("SELECT (SELECT count(*) FROM ($kept EXCEPT $recount) AS a) + "
	    . "(SELECT count(*) FROM ($recount EXCEPT $kept) AS b)");
}
# Copied rows whose message (0026) is not their result's in result_texts
# (a pending run's rows wait for the copy, and the reads ignore them).
sub messages_off {
	return sql('SELECT count(*) FROM result_history h LEFT JOIN result_texts x ON x.run = h.run '
	    . 'AND x.test = h.test WHERE h.run NOT IN (SELECT run FROM history_pending) '
	    . 'AND h.message IS DISTINCT FROM x.message');
}
# Result rows of copied runs with no twin in the copy, copies of no
# result, days counted wrong, and messages not the result's: 0 when
# every run off the pending list is copied exactly.
sub mismatch {
	return days_off() + messages_off() + sql('SELECT (SELECT count(*) FROM results r WHERE r.run NOT IN (SELECT run FROM history_pending) '
	    . 'AND NOT EXISTS (SELECT 1 FROM result_history h WHERE h.test = r.test AND h.run = r.run '
	    . 'AND h.started_at = r.started_at AND h.status = r.status)) + (SELECT count(*) FROM result_history h '
	    . 'WHERE h.run NOT IN (SELECT run FROM history_pending) AND NOT EXISTS (SELECT 1 FROM results r '
	    . 'WHERE r.test = h.test AND r.run = h.run))');
}
# alpha's totals and year: results, timed results, uptime's counts
sub alpha_counts {
	my $t = tid('alpha');
	my $u = $inst->cgi('tests', 'GET', "/api/tests/$t/uptime?hours=8760")->{json};
	return join(' ', $inst->cgi('tests', 'GET', "/api/tests/$t/results")->{json}{total},
	    $inst->cgi('tests', 'GET', "/api/tests/$t/timing")->{json}{total},
	    map { $u->{$_} } qw(total_runs passed_runs failed_runs uptime_pct));
}
sub statuses {
	my ($name, $q) = @_;
	my $r = $inst->cgi('tests', 'GET', '/api/tests/' . tid($name) . '/history' . ($q // ''));
	return join(',', map { "$_->{run_id}:$_->{status}" } @{$r->{json}{history} || $r->{json}{items} || []});
}

# ---- uploads: their results wait in results, by run ----
upload('r1', 'main', 1, 'a', ['alpha', 'P'], ['beta', 'F'], ['gamma', 'P']);
upload('r2', 'dev', 2, 'a', ['alpha', 'F'], ['beta', 'F'], ['gamma', 'S']);
upload('r3', 'main', 3, 'a', ['alpha', 'F'], ['beta', 'P'], ['gamma', 'P']);
upload('r4', 'main', 4, 'a', ['alpha', 'F'], ['beta', 'F']);
is(pending(), 4, 'each upload lists its run as pending');
is(copied(), 0, 'and copies nothing itself');
my $before = answers(qw(alpha beta gamma));
is(alpha_counts(), '4 4 4 1 3 25', 'alpha\'s totals and uptime from results (P F F F)');
is(statuses('alpha'), 'r4:failed,r3:failed,r2:failed,r1:passed', 'a test\'s history comes from results before the pass');
is(statuses('alpha', '?branch=main'), 'r4:failed,r3:failed,r1:passed', 'with its branch filter');

# ---- the pass copies them; every answer stays ----
my $r = $inst->cli('batch', '--pass', 'history');
is($r->{exit}, 0, 'the history pass runs') or diag($r->{stdout} . $r->{stderr});
like($r->{stdout}, qr/^batch: history ok in [\d.]+ s: 4 runs copied \(11 results\)/m, 'and says what it copied');
is(pending(), 0, 'no run is pending after it');
is(copied(), 11, 'every result has its per-test copy');
is(answers(qw(alpha beta gamma)), $before, 'every by-test answer is the same from the copy');
is(alpha_counts(), '4 4 4 1 3 25', 'alpha\'s totals and uptime from its days in the copy');
is(sql('SELECT sum(results) FROM history_days'), 11, 'history_days counts every copied result');
is(days_off(), 0, 'each day exactly');
$r = $inst->cli('batch', '--pass', 'history');
like($r->{stdout}, qr/^batch: history ok in [\d.]+ s: nothing pending$/m, 'a second pass has nothing to do');

# ---- rounds: a slice of the tests per batch (history_copy_slices) ----
# A copy costs about one page per test whether it takes one run or
# several, so the pass copies the runs pending when a round begins a slice
# of the test ids per batch; runs uploaded meanwhile wait for the next
# round, and no answer waits for any of it.
{
	my $saved = $inst;
	$inst = new_instance(conf => { auth_ingest => 'open', history_copy_slices => 3 });
	my @six = map { ["t$_", 'P'] } 1 .. 6;
	my $mismatch = \&mismatch;
	my $pass = sub { my $o = $inst->cli('batch', '--pass', 'history', @_); die $o->{stderr} if $o->{exit}; return $o->{stdout} };
	upload('g1', 'main', 3.5, 'a', @six);
	upload('g2', 'main', 3.6, 'a', map { [$_->[0], $_->[0] eq 't2' || $_->[0] eq 't5' ? 'F' : 'P'] } @six);
	my $gb = answers(qw(t1 t2 t5));
	like($pass->(), qr/: 0 runs copied \(\d+ results\); a round of 2 runs at slice 1 of 3$/m,
	    'the first batch copies the first slice of the tests of both runs');
	is(pending(), 2, 'both runs stay pending meanwhile');
	is(answers(qw(t1 t2 t5)), $gb, 'and the answers ignore their half copy');
	upload('g1', 'main', 3.5, 'b', ['t2', 'F'], ['t9', 'P']);
	upload('g3', 'main', 3.7, 'a', @six);
	$gb = answers(qw(t1 t2 t5 t9));
	like($pass->(), qr/: 0 runs copied \(\d+ results\); a round of 2 runs at slice 2 of 3$/m,
	    'the second batch the second slice');
	like($pass->(), qr/: 1 runs copied \(\d+ results\)$/m,
	    'the third the rest (a test newer than the round included), ending the round');
	is(join(',', sort split /\n/, sql("SELECT u.run_id FROM history_pending q JOIN runs u ON u.id = q.run")), 'g1,g3',
	    'g1, written again during the round, stays pending, as does g3 that came after it');
	is(answers(qw(t1 t2 t5 t9)), $gb, 'every answer the same');
	is($mismatch->(), 0, 'g2\'s copy is whole and exact');
	$pass->() for 1 .. 3;
	is(pending(), 0, 'the next round copies g1 and g3 in three batches');
	is($mismatch->(), 0, 'every copy whole and exact');
	is(answers(qw(t1 t2 t5 t9)), $gb, 'every answer the same');

	# an alias during a round moves tests into a slice already passed
	upload('g4', 'main', 3.8, 'a', ['t1', 'P'], ['t6', 'F'], ['t10', 'F']);
	like($pass->(), qr/a round of 1 runs at slice 1 of 3$/m, 'a round is under way');
	my $upto = sql("SELECT watermark FROM batch_marks WHERE pass = 'history'");
	my ($id2, $id10) = map { sql("SELECT id FROM tests WHERE name = '$_'") } qw(t2 t10);
	ok($id2 <= $upto && $id10 > $upto, 'the round has passed t2 and not t10 (test ids are hashes of the names)');
	my $admin = $inst->token('default', 'admin');
	my $r = $inst->cgi('features', 'POST', '/api/tests/aliases', content_type => 'application/json',
	    headers => { Authorization => "Bearer $admin" },
	    body => sprintf('{"from":"%s","to":"%s"}', tid('t10'), tid('t2')));
	is($r->{status}, 201, 't10 renamed t2 (into the slice the round passed)') or diag($r->{body});
	$gb = answers(qw(t1 t2 t6));
	$pass->() for 1 .. 2;
	is(pending(), 1, 'the round does not count g4 as copied: the alias had it read again');
	$pass->() for 1 .. 3;
	is(pending(), 0, 'the next round copies it');
	is($mismatch->(), 0, 'whole and exact');
	is(answers(qw(t1 t2 t6)), $gb, 'every answer the same');

	# a round's mark that is no round: a new round begins
	upload('g5', 'main', 3.9, 'a', @six);
	$pass->();
	$inst->sql("UPDATE batch_marks SET state = '12 x 5:0' WHERE pass = 'history'");
	like($pass->(), qr/a round of 1 runs at slice 1 of 3$/m, 'a mark that does not parse begins a new round');
	$pass->() for 1 .. 2;
	is(pending(), 0, 'which copies the run');
	is($mismatch->(), 0, 'whole and exact');

	# a backlog of more runs than a round takes is copied in one go
	upload("b$_", 'dev', 4 + $_ / 100, 'a', ['t1', $_ % 2 ? 'P' : 'F']) for 1 .. 65;
	like($pass->(), qr/: 65 runs copied \(65 results\)$/m, 'a backlog of 65 runs is copied in one pass');
	is(pending(), 0, 'none left');
	is($mismatch->(), 0, 'whole and exact');
	$inst = $saved;
}

# ---- a run forgotten during its round, then written again ----
# Retention purges a run a round has begun copying, and a new shard
# writes to it again: the round must not take the run off the list for
# the state it read (a forgotten run's gen moves on, it never restarts).
{
	my $saved = $inst;
	$inst = new_instance(conf => { auth_ingest => 'open', history_copy_slices => 3, retention_days => 15 });
	my $pass = sub { my $o = $inst->cli('batch', '--pass', @_); die $o->{stderr} if $o->{exit}; return $o->{stdout} };
	upload('old', 'main', -24 * 20, 'a', map { ["t$_", 'F'] } 1 .. 6);
	like($pass->('history'), qr/a round of 1 runs at slice 1 of 3$/m, 'a round begins with the old run');
	like($pass->('retention'), qr/^batch: retention ok/m, 'retention purges it meanwhile');
	upload('old', 'main', -24 * 20, 'b', map { ["t$_", 'P'] } 1 .. 6);
	ok(sql("SELECT count(*) FROM results r JOIN runs u ON u.id = r.run WHERE u.run_id = 'old'") > 0,
	    'a new shard writes to it again');
	$pass->('history') for 1 .. 2;
	is(pending(), 1, 'the round ends without taking the run off the list');
	is(mismatch(), 0, 'so no run counts as copied with rows missing');
	$pass->('history') for 1 .. 3;
	is(pending(), 0, 'the next round copies it');
	is(mismatch(), 0, 'whole and exact');
	$inst = $saved;
}

# ---- a run the pass copied takes another shard: it is pending again ----
upload('r3', 'main', 3, 'b', ['delta', 'F'], ['gamma', 'F']);
is(pending(), 1, 'another shard lists the copied run again');
is(statuses('delta'), 'r3:failed', 'the new test\'s result is read from results');
is(statuses('gamma'), 'r3:failed,r2:skipped,r1:passed', 'the shard\'s new status for gamma wins over the stale copy');
is(sql("SELECT count(*) FROM result_history h JOIN tests t ON t.id = h.test WHERE t.name = 'gamma'"), 3,
    'while the stale copy is still there');
my $j = $inst->cgi('tests', 'GET', '/api/tests/' . tid('gamma') . '/results')->{json};
is($j->{total}, 3, 'counted once');
$before = answers(qw(alpha beta gamma delta));
$r = $inst->cli('batch', '--pass', 'history');
like($r->{stdout}, qr/: 1 runs copied \(4 results\)/, 'the pass copies the run again, whole');
is(pending(), 0, 'and takes it off the list');
is(sql("SELECT h.status FROM result_history h JOIN tests t ON t.id = h.test JOIN runs u ON u.id = h.run "
    . "WHERE t.name = 'gamma' AND u.run_id = 'r3'"), 1, 'replacing the stale copy');
is(answers(qw(alpha beta gamma delta)), $before, 'the answers are the same from the new copy');

# ---- an alias moves the copy with the results ----
upload('r5', 'main', 5, 'a', ['alpha2', 'P'], ['beta', 'P']);
my $admin = $inst->token('default', 'admin');
$r = $inst->cgi('features', 'POST', '/api/tests/aliases', content_type => 'application/json',
    headers => { Authorization => "Bearer $admin" },
    body => sprintf('{"from":"%s","to":"%s"}', tid('alpha'), tid('alpha2')));
is($r->{status}, 201, 'alpha renamed alpha2') or diag($r->{body});
is($r->{json}{results_moved}, 4, 'its four results moved (three from the copy, none lost)');
is(statuses('alpha2'), 'r5:passed,r4:failed,r3:failed,r2:failed,r1:passed', 'the new name has the whole history');
is(sql("SELECT count(*) FROM result_history h JOIN tests t ON t.id = h.test WHERE t.name = 'alpha'"), 0,
    'the old name has no copy left');
is(days_off(), 0, 'and its days went with the copy to the new name');
is(sql("SELECT count(*) FROM history_days d JOIN tests t ON t.id = d.test WHERE t.name = 'alpha'"), 0,
    'none left under the old one');
$before = answers(qw(alpha2 beta));
$inst->cli('batch', '--pass', 'history');
is(answers(qw(alpha2 beta)), $before, 'the same after the pass');

# ---- the mapping pass's days: the same from the copy as from results ----
sub days {
	return sql('SELECT ' . $inst->agg("day || ':' || runs || ':' || passed || ':' || failed || ':' || skipped", ' ', 'day')
	    . ' FROM feature_days');
}
$r = $inst->cli('batch', '--pass', 'mapping');
is($r->{exit}, 0, 'the mapping pass maps the tests') or diag($r->{stdout} . $r->{stderr});
# rules that changed since: every feature's days are rebuilt at once
sql("UPDATE batch_marks SET state = 'older' WHERE pass = 'mapping-rules'");
$r = $inst->cli('batch', '--pass', 'mapping');
like($r->{stdout}, qr/timelines rebuilt/, 'new rules: the timelines are rebuilt from the copy');
my $days = days();
like($days, qr/^\d+:\d+:\d+:\d+:\d+/, 'a feature has days');
sql("DELETE FROM result_history; INSERT INTO history_pending (run, gen) SELECT id, 0 FROM runs; "
    . "UPDATE batch_marks SET state = 'older' WHERE pass = 'mapping-rules'");
$r = $inst->cli('batch', '--pass', 'mapping');
like($r->{stdout}, qr/timelines rebuilt/, 'rebuilt again with every run pending');
is(days(), $days, 'the same days from results');
$inst->cli('batch', '--pass', 'history');
is(pending(), 0, 'the pass copies them all again');

# ---- retention purges a run and its copy ----
upload('old', 'main', -24 * 20, 'a', ['beta', 'F']);
$inst->cli('batch', '--pass', 'history');
is(sql("SELECT count(*) FROM result_history h JOIN runs u ON u.id = h.run WHERE u.run_id = 'old'"), 1,
    'an old run has its copy');
$r = $inst->cli('batch', '--pass', 'retention');
is($r->{exit}, 0, 'retention runs') or diag($r->{stdout} . $r->{stderr});
is(sql("SELECT count(*) FROM result_history h JOIN runs u ON u.id = h.run WHERE u.run_id = 'old'"), 0,
    'retention deletes the purged run\'s copy');
is(sql("SELECT count(*) FROM result_history"), sql('SELECT count(*) FROM results'), 'and only that');
unlike(statuses('beta'), qr/old:/, 'the purged run is gone from the history');
is(days_off(), 0, 'its days are counted down with it');

# ---- a database from before 0021: migrate builds the copy ----
upload('r6', 'dev', 6, 'a', ['beta', 'F'], ['gamma', 'P']);
$before = answers(qw(alpha2 beta gamma delta));
my $results = sql('SELECT count(*) FROM results');
is($results, 16, 'sixteen results kept');
$inst->unmigrate(21);
is(sql('SELECT count(*) FROM results'), $results, 'the results as 0020 left them');
$r = $inst->cli('migrate');
is($r->{exit}, 0, 'testvis migrate takes it to 0021') or diag($r->{stderr});
is(copied(), $results, 'with a copy of every result');
is(days_off(), 0, 'and its days (0024 counts them in)');
is(pending(), 0, 'and nothing pending');
is(answers(qw(alpha2 beta gamma delta)), $before, 'every by-test answer is the same');
is(messages_off(), 0, 'and each copied row has its message (0026 fills it in)');

# ---- a database from before 0026: migrate gives the copy its messages ----
my $with = sql('SELECT count(*) FROM result_history WHERE message IS NOT NULL');
ok($with >= 4, "$with copied rows have a message");
$inst->unmigrate(26);
$r = $inst->cli('migrate');
is($r->{exit}, 0, 'testvis migrate takes it to 0026') or diag($r->{stderr});
is(sql('SELECT count(*) FROM result_history WHERE message IS NOT NULL'), $with,
    'the messages are back');
is(messages_off(), 0, 'each on its own row');
is(days_off(), 0, 'the days untouched');
is(answers(qw(alpha2 beta gamma delta)), $before, 'every by-test answer is the same again');

done_testing();
