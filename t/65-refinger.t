#!/usr/bin/perl
# The batch `fingerprints` pass (issue 13 item 7): failures stored with
# fingerprints of an older algorithm are recomputed by cause from their
# stored texts and their test's identity, and the failure groups rebuilt;
# a killed run resumes where it stopped; a database at the current
# version is left alone.
#
# The history (all on main, job api):
#   r1 10:00  t01..t12 fail "assert 404 == 200", each in its own test
#             function and file, through lib/client.py; ok passes
#   r2 11:00  t01..t03 fail the same way
# Then every stored fingerprint is made per test, as the algorithm before
# version 2 gave them, and the failure tables and incidents with it: twelve
# groups of one test.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open' });

sub api_case {
	my ($i) = @_;
	my $n = sprintf('%02d', $i);
	return qq{<testcase classname="tests.test_mod$n" file="tests/test_mod$n.py" name="test_case$n" time="0.1">}
	    . qq{<failure message="assert 404 == 200" type="AssertionError">tests/test_mod$n.py:$i: in test_case$n\n}
	    . qq{lib/client.py:40: in get\nlib/http.py:9: in send</failure></testcase>};
}
sub post {
	my ($qs, $cases) = @_;
	my $r = $inst->cgi('ingest', 'POST', "/api/tests/ingest$qs",
	    body => '<testsuite name="s">' . join('', @$cases) . '</testsuite>',
	    content_type => 'application/xml');
	die "ingest $qs: $r->{status} $r->{body}" unless $r->{status} == 201;
}
sub sql { my ($q) = @_; return $inst->sql($q) }
sub failures {
	my ($qs) = @_;
	my $r = $inst->cgi('insights', 'GET', "/api/failures$qs");
	die "failures$qs: $r->{status} $r->{body}" unless $r->{status} == 200;
	return [grep { ($_->{message} // '') eq 'assert 404 == 200' } @{$r->{json}{failures}}];
}
# Everything the pass may write, to compare two states.
sub snapshot {
	return join("\n--\n", map { sql($_) }
	    'SELECT run, test, fingerprint FROM results ORDER BY run, test',
	    'SELECT * FROM failure_groups ORDER BY fingerprint',
	    'SELECT * FROM failure_tests ORDER BY fingerprint, test',
	    'SELECT * FROM failure_streams ORDER BY fingerprint, test',
	    'SELECT id, fingerprint FROM incidents ORDER BY id',
	    "SELECT * FROM batch_marks WHERE pass LIKE 'fingerprints%'");
}

post('?run_id=r1&branch=main&job=api&started_at=2026-01-01T10:00:00Z', [
    (map { api_case($_) } 1 .. 12),
    '<testcase classname="tests.test_ok" file="tests/test_ok.py" name="test_ok" time="0.1"/>']);
post('?run_id=r2&branch=main&job=api&started_at=2026-01-01T11:00:00Z', [map { api_case($_) } 1 .. 3]);

my $cause = sql('SELECT DISTINCT fingerprint FROM results WHERE status = 1');
like($cause, qr/^[0-9a-f]{12}$/, 'ingest gives the fifteen failures one fingerprint by cause');

# ---- the database as the old algorithm left it ----
# (the old fingerprint: the test's id as 12 hex digits)
my $old_fp = $inst->engine eq 'postgresql' ? q{lpad(to_hex(test & 281474976710655), 12, '0')} :
    q{printf('%012x', test & 281474976710655)};
sql(<<"SQL");
BEGIN;
UPDATE results SET fingerprint = $old_fp WHERE fingerprint IS NOT NULL;
UPDATE incidents SET fingerprint = $old_fp;
DELETE FROM failure_groups; DELETE FROM failure_tests; DELETE FROM failure_streams;
INSERT INTO failure_groups SELECT u.project_id, r.fingerprint, count(*), min(r.started_at), max(r.started_at),
    max(x.message), max(x.error_type) FROM results r JOIN runs u ON u.id = r.run
    LEFT JOIN result_texts x ON x.run = r.run AND x.test = r.test WHERE r.status IN (1, 2) GROUP BY 1, 2;
INSERT INTO failure_tests SELECT u.project_id, r.fingerprint, r.test, count(*), max(r.started_at)
    FROM results r JOIN runs u ON u.id = r.run WHERE r.status IN (1, 2) GROUP BY 1, 2, 3;
INSERT INTO failure_streams SELECT u.project_id, r.fingerprint, u.branch, u.job, r.test, count(*), max(r.started_at)
    FROM results r JOIN runs u ON u.id = r.run WHERE r.status IN (1, 2) GROUP BY 1, 2, 3, 4, 5;
DELETE FROM batch_marks WHERE pass LIKE 'fingerprints%';
COMMIT;
SQL
is(scalar @{failures('')}, 12, 'set-up: old fingerprints make twelve groups of one test');
is(sql("SELECT count(*) FROM results WHERE fingerprint = '$cause'"), 0, 'set-up: no result has the new fingerprint');

# ---- killed after two chunks of four: half done, groups untouched ----
my $r = $inst->cli({ TESTVIS_REFINGER_CHUNK => 4, TESTVIS_BATCH_CRASH_AFTER => 2 }, 'batch', '--pass', 'fingerprints');
is($r->{exit}, 137, 'the test hook kills the batch after two commits') or diag($r->{stdout} . $r->{stderr});
is(sql("SELECT count(*) FROM results WHERE fingerprint = '$cause'"), 8, 'the two committed chunks recomputed eight results');
is(scalar @{failures('')}, 12, 'the groups are rebuilt only once every result is recomputed');
is(sql("SELECT count(*) FROM batch_marks WHERE pass = 'fingerprints'"), 0, 'the version is not marked done');

# ---- the next batch (every pass, by default) resumes and finishes ----
$r = $inst->cli({ TESTVIS_REFINGER_CHUNK => 4 }, 'batch');
is($r->{exit}, 0, 'the batch runs') or diag($r->{stdout} . $r->{stderr});
like($r->{stdout}, qr/^batch: fingerprints ok .*: version 2: 7 fingerprints recomputed, 7 changed, 1 failure groups$/m,
    'issue 13 item 7: the batch resumes the walk: the seven results left are recomputed, not all fifteen');
is(sql("SELECT count(*) FROM results WHERE fingerprint = '$cause'"), 15, 'every failure has the fingerprint by cause');
my $g = failures('');
is(scalar @$g, 1, 'issue 13 item 7: the twelve old groups are one group');
is($g->[0]{test_count}, 12, 'issue 13 item 7: of twelve tests');
is($g->[0]{occurrences}, 15, 'counting all fifteen failures');
is($g->[0]{fingerprint}, $cause, 'under the fingerprint ingest gives now');
is_deeply($g->[0]{branches}, ['main'], 'with its branch');
$g = failures('?branch=main&job=api');
is(scalar @$g, 1, 'the streams are rebuilt: branch=main&job=api has the one group');
is($g->[0]{test_count}, 12, 'of twelve tests');
is(sql("SELECT count(*) FROM failure_streams WHERE fingerprint != '$cause'"), 0, 'no stream row keeps an old fingerprint');
is(sql("SELECT count(*) || '/' || count(*) FILTER (WHERE fingerprint = '$cause') FROM incidents"), '12/12',
    'the twelve incidents carry the new fingerprint');
is(sql("SELECT state FROM batch_marks WHERE pass = 'fingerprints'"), '2', 'the mark says version 2 is done');
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/r1');
is(scalar @{$r->{json}{failure_groups}}, 1, 'the run detail groups its twelve failures as one');

# ---- a second run does nothing ----
my $before = snapshot();
$r = $inst->cli('batch', '--pass', 'fingerprints');
is($r->{exit}, 0, 'a second run succeeds');
like($r->{stdout}, qr/^batch: fingerprints ok .*: up to date \(version 2\)$/m, 'and says the project is up to date');
is(snapshot(), $before, 'a second run changes nothing');

# ---- a failure ingested now is counted in the rebuilt group ----
post('?run_id=r3&branch=main&job=api&started_at=2026-01-01T12:00:00Z', [api_case(4)]);
$g = failures('');
is($g->[0]{occurrences}, 16, 'a new failure joins the rebuilt group');

$r = $inst->cli('batch', '--pass', 'nosuch');
is($r->{exit}, 2, 'negative: an unknown pass is a usage error');
like($r->{stderr}, qr/spool, history, fingerprints, mapping/, 'negative: the message lists the fingerprints and history passes');

done_testing();
