#!/usr/bin/perl
# Scale-out on PostgreSQL (issue 14): two hosts, each a lighttpd with its
# own configuration directory, spool and port on 127.0.0.1, share one
# PostgreSQL database.  What is uploaded to one is read from the other (runs
# list, run detail with its diff, results, test detail); `testvis batch`
# run by a third process with its own configuration does its passes on the
# same data, and both hosts see them; the same run uploaded to both hosts
# at the same moment, ten times over, is stored exactly once each time (the
# other upload gets ingest's duplicate answer, 200 "skipped").  Runs against
# TESTVIS_TEST_PG, or a private cluster (t/lib/PG.pm); skips without
# PostgreSQL.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use TV;
use PG qw(pg_start pg_stop);

my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
plan skip_all => 'lighttpd is not installed' unless $lighttpd;
my $pg;
if (tv_engine() ne 'postgresql') {
	$pg = pg_start() or plan skip_all => "no PostgreSQL: $PG::why";
	tv_use_pg($pg->{url}, private => !$pg->{external});
}

my $scratch = tv_scratch();
sub spool { my ($n) = @_; my $d = "$scratch/spool-$n"; mkdir $d or die "$d: $!"; return $d }
my $h1 = new_instance(conf => { auth_ingest => 'open', spool_dir => spool(1) });
my $h2 = $h1->sibling(conf => { auth_ingest => 'open', spool_dir => spool(2) });
my $h3 = $h1->sibling(conf => { spool_dir => spool(3), spool_settle_seconds => 0 });
is($h1->engine, 'postgresql', 'the hosts run on PostgreSQL');
isnt($h2->{conf}, $h1->{conf}, 'each host has its own configuration');
my $s1 = $h1->start_lighttpd(max_procs => 2);
my $s2 = $h2->start_lighttpd(max_procs => 2);
isnt($s1->{port}, $s2->{port}, "two servers, ports $s1->{port} and $s2->{port}");
is(http_req($_, 'GET', '/api/health')->{json}{db}{reachable}, JSON::PP::true(),
    "host on port $_->{port} reaches the database") for $s1, $s2;

# a report: name => P (passed), F (failed), S (skipped)
sub report {
	my ($suite, %t) = @_;
	return qq{<testsuite name="$suite">} . join('', map {
	    qq{<testcase classname="$suite.T" name="$_" time="0.25">}
	    . ($t{$_} eq 'F' ? qq{<failure message="boom $_">at line 1</failure>} : '')
	    . ($t{$_} eq 'S' ? '<skipped/>' : '') . '</testcase>' } sort keys %t)
	    . '</testsuite>';
}
sub upload {
	my ($srv, $qs, $body) = @_;
	return http_req($srv, 'POST', "/api/tests/ingest$qs",
	    headers => { 'Content-Type' => 'application/xml', Expect => '' }, body => $body);
}

# ---- written on host 1, read on host 2, and the other way round ----
my $r = upload($s1, '?run_id=two-1&branch=main&started_at=2026-06-01T10:00:00Z',
    report('s', a => 'P', b => 'F', c => 'S'));
is($r->{status}, 201, 'host 1 stores a run') or diag($r->{body});
$r = http_req($s2, 'GET', '/api/tests/runs');
is_deeply([map { $_->{run_id} } @{$r->{json}{runs} || []}], ['two-1'], 'host 2 lists it');
$r = http_req($s2, 'GET', '/api/tests/runs/two-1');
is($r->{status}, 200, 'host 2 answers its detail');
is_deeply($r->{json}{counts}, { tests => 3, passed => 1, failed => 1, errors => 0, skipped => 1, flaky => 0 },
    'with the counts host 1 stored');
is($r->{json}{failure_groups}[0]{message}, 'boom b', 'and its failure group');
$r = http_req($s2, 'GET', '/api/tests/runs/two-1/results');
my %res = map { $_->{name} => $_ } @{$r->{json}{results} || []};
is_deeply([sort keys %res], [qw(a b c)], 'host 2 lists its results');
my $tid = $res{b}{test_id} // '';
like($tid, qr/^[0-9a-f]{16}$/, 'with test ids');
$r = http_req($s2, 'GET', "/api/tests/$tid");
is($r->{status}, 200, 'host 2 answers the test detail');
is($r->{json}{name}, 'b', 'of the test host 1 stored');

$r = upload($s2, '?run_id=two-2&branch=main&started_at=2026-06-01T11:00:00Z',
    report('s', a => 'F', b => 'P', c => 'S', d => 'P'));
is($r->{status}, 201, 'host 2 stores the next run');
$r = http_req($s1, 'GET', '/api/tests/runs/two-2');
is($r->{json}{counts}{tests}, 4, 'host 1 reads it');
ok($r->{json}{diff}, 'with a diff against the run host 1 stored') or diag($r->{body});
$r = http_req($s1, 'GET', '/api/tests/runs');
is_deeply([map { $_->{run_id} } @{$r->{json}{runs} || []}], ['two-2', 'two-1'], 'host 1 lists both, newest first');

# ---- the batch from a third process, with its own configuration ----
open(my $fh, '>', "$scratch/spool-3/spooled.xml") or die;
print $fh report('s', a => 'P', b => 'P', c => 'P', d => 'P');
close $fh;
$r = $h3->cli('batch');
is($r->{exit}, 0, 'testvis batch runs on the shared database') or diag($r->{stdout} . $r->{stderr});
for my $pass (qw(spool history fingerprints mapping flaky integrity alerts exports retention)) {
	like($r->{stdout}, qr/^batch: $pass /m, "it runs the $pass pass");
}
$r = http_req($s1, 'GET', '/api/tests/runs');
is(scalar @{$r->{json}{runs} || []}, 3, 'host 1 sees the run the batch took from its spool');
my $h = http_req($s2, 'GET', '/api/health')->{json};
is_deeply([sort keys %{$h->{batch_passes} || {}}], [qw(alerts exports fingerprints flaky history integrity mapping retention spool)],
    'host 2 sees every pass of the batch');
ok(defined TV::iso_ms($h->{last_batch_at} // ''), 'and when it last ran');

# ---- the same run to both hosts at the same moment ----
my $body = report('c', map { ("t$_" => $_ % 5 ? 'P' : 'F') } 1 .. 300);
my $ROUNDS = 10;
for my $k (1 .. $ROUNDS) {
	my $at = time + 0.3;
	my @kids;
	for my $srv ($s1, $s2) {
		my $out = "$scratch/dup-$k-$srv->{port}";
		my $pid = fork // die "fork: $!";
		if ($pid == 0) {
			sleep($at - time) if $at > time;
			my $a = upload($srv, "?run_id=dup-$k&branch=main", $body);
			open(my $o, '>', $out) or POSIX::_exit(1);
			print $o ($a->{status} // 0), ' ', ($a->{json}{status} // '-'), "\n";
			close $o;
			POSIX::_exit(0);
		}
		push @kids, [$pid, $out];
	}
	my @got;
	for (@kids) {
		waitpid($_->[0], 0);
		chomp(my $l = TV::slurp($_->[1]));
		push @got, $l;
	}
	is_deeply([sort @got], ['200 skipped', '201 created'],
	    "dup-$k: one host stores it, the other answers the duplicate");
	is($h1->sql("SELECT count(*) || '|' || coalesce(sum(tests), 0) || '|' || coalesce(sum(shards), 0) "
	    . "FROM runs WHERE run_id = 'dup-$k'"), '1|300|1', "dup-$k: one run, stored once");
	is($h1->sql("SELECT count(*) FROM results r JOIN runs u ON u.id = r.run WHERE u.run_id = 'dup-$k'"),
	    '300', "dup-$k: its results once");
}
my $runs = $h1->sql('SELECT count(*) FROM runs');
is($runs, 3 + $ROUNDS, 'no other run appeared');
is(http_req($s2, 'GET', '/api/projects')->{json}{projects}[0]{run_count}, $runs,
    'the project counter counts each run once');
is($h1->sql(q{SELECT count(*) FROM (SELECT run, test FROM results GROUP BY run, test HAVING count(*) > 1) AS d}),
    '0', 'no result is stored twice');

stop_lighttpd($_) for $s1, $s2;
pg_stop($pg) if $pg;
done_testing();
