#!/usr/bin/perl
# Storage faults (ING-3, ING-6, I-2): a write lock held by another process
# makes an ingest answer 503 busy with Retry-After; a full disk makes it
# answer 507 storage_full over HTTP and `testvis ingest` exit 3; neither
# stores anything, and both recover once the cause is gone.
#
# The full disk is a small tmpfs mounted in a private mount namespace:
# the script re-runs itself under `unshare --user --map-root-user
# --mount`, so it needs no root and leaves no mount behind.  Where user
# namespaces are not available, the disk-full tests are skipped with the
# reason; the busy tests run either way.
use strict;
use warnings;
no warnings 'exec';
use FindBin;
use POSIX ();

BEGIN {
	if (!defined $ENV{TV_T53_NS}) {
		$ENV{TV_T53_NS} = 'none';
		my @ns = ('unshare', '--user', '--map-root-user', '--mount');
		my $pid = fork // die "fork: $!";
		if ($pid == 0) {
			open(STDOUT, '>', '/dev/null');
			open(STDERR, '>', '/dev/null');
			exec { $ns[0] } @ns, 'true';
			POSIX::_exit(127);
		}
		waitpid($pid, 0);
		if ($? == 0) {
			$ENV{TV_T53_NS} = 'private';
			exec { $ns[0] } @ns, $^X, $0, @ARGV;
			$ENV{TV_T53_NS} = 'none';
		}
	}
}

use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use TV;

my $d = tv_scratch();
my $MNT;

sub sql { my ($i, $q) = @_; my $r = run_cmd(argv => ['sqlite3', $i->{db}, $q]); chomp(my $o = $r->{stdout}); $o }
sub stored {
	my ($i) = @_;
	return sql($i, q{SELECT (SELECT count(*) FROM runs) || ',' || (SELECT count(*) FROM tests) || ',' || }
	    . q{(SELECT count(*) FROM results) || ',' || (SELECT count(*) FROM result_texts) || ',' || }
	    . q{(SELECT count(*) FROM run_shards) || ',' || (SELECT count(*) FROM events)});
}
sub report {
	my ($n, $msg) = @_;
	return '<testsuite name="s">' . join('', map { qq{<testcase classname="st.T" name="t$_">}
	    . ($msg ? qq{<failure message="m">$msg $_</failure>} : '') . '</testcase>' } 1 .. $n) . '</testsuite>';
}
sub write_file { my ($f, $c) = @_; open(my $fh, '>', $f) or die "$f: $!"; print $fh $c; close $fh; return $f }

# ===================== 503 busy, with Retry-After =====================
{
	my $inst = new_instance(conf => { auth_ingest => 'open' });
	# The request path's wait for a lock is a configured short time
	# (issue 11 item 9: busy_timeout_ms).  Until that key exists the
	# built-in wait (30 s) applies: slower, the same answer.
	open(my $fh, '>>', $inst->{conf}) or die;
	print $fh "busy_timeout_ms = 500\n";
	close $fh;
	my $probe = $inst->cli('project', 'list');
	if ($probe->{exit} != 0) {
		diag('busy_timeout_ms is not a config key yet: the ingest waits the built-in 30 s');
		my $c = TV::slurp($inst->{conf});
		$c =~ s/^busy_timeout_ms = 500\n//m;
		write_file($inst->{conf}, $c);
	}
	my $r = $inst->cgi('ingest', 'POST', '/api/tests/ingest?run_id=before', body => report(2), content_type => 'application/xml');
	is($r->{status}, 201, 'an ingest before the lock is taken') or diag($r->{body});
	my $before = stored($inst);

	# another process takes the write lock and keeps it
	pipe(my $rd, my $wr) or die "pipe: $!";
	my $holder = fork // die "fork: $!";
	if ($holder == 0) {
		close $wr;
		open(STDIN, '<&', $rd) or POSIX::_exit(1);
		open(STDOUT, '>', "$d/holder.out");
		open(STDERR, '>&', \*STDOUT);
		exec { 'sqlite3' } 'sqlite3', $inst->{db};
		POSIX::_exit(127);
	}
	close $rd;
	$wr->autoflush(1);
	print $wr "BEGIN IMMEDIATE;\nINSERT INTO projects (slug, name) VALUES ('holder', 'holder');\n";
	my $held = 0;
	for (1 .. 100) {
		my $p = run_cmd(argv => ['sqlite3', '-cmd', '.timeout 0', $inst->{db}, 'BEGIN IMMEDIATE; ROLLBACK;']);
		if ($p->{stderr} =~ /database is locked/) { $held = 1; last }
		sleep 0.05;
	}
	ok($held, 'another process holds the write lock');

	$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest?run_id=during', body => report(3), content_type => 'application/xml');
	is($r->{status}, 503, 'issue 11: an ingest while the lock is held is 503');
	is($r->{json}{error}{code}, 'busy', 'code busy');
	like($r->{json}{error}{message}, qr/busy/, 'the message says so');
	like($r->{headers}{'retry-after'} // '', qr/^[1-9]\d*$/, 'with Retry-After in seconds');
	like($r->{headers}{'content-type'}, qr{^application/json(;|$)}, 'a JSON answer');
	$r = $inst->cgi('tests', 'GET', '/api/tests');
	is($r->{status}, 200, 'reads go on while the lock is held');
	is(scalar @{$r->{json}{tests}}, 2, 'and see the committed data');

	close $wr;	# the holder's session ends: its transaction is rolled back
	waitpid($holder, 0);
	is(stored($inst), $before, 'the busy ingest stored nothing');
	is(sql($inst, "SELECT count(*) FROM projects WHERE slug = 'holder'"), '0', 'nor did the holder');
	$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest?run_id=during', body => report(3), content_type => 'application/xml');
	is($r->{status}, 201, 'the same ingest succeeds once the lock is released') or diag($r->{body});
	is(sql($inst, "SELECT tests FROM runs WHERE run_id = 'during'"), '3', 'and stores the run whole');
}

# ===================== 507 storage_full, CLI exit 3 =====================
SKIP: {
	skip 'no private mount namespace (unshare --user --mount unavailable): cannot make a small disk', 18
	    if $ENV{TV_T53_NS} ne 'private';
	$MNT = "$d/small";
	mkdir $MNT or die "$MNT: $!";
	my $m = run_cmd(argv => ['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tvsmall', $MNT]);
	skip "cannot mount a tmpfs: $m->{stderr}", 18 if $m->{exit} != 0;
	my $inst = new_instance(conf => { auth_ingest => 'open', db => "$MNT/testvis.db" });
	my $srv = $inst->start_lighttpd();
	my $r = http_req($srv, 'POST', '/api/tests/ingest?run_id=small', body => report(3, 'small'),
	    headers => { 'Content-Type' => 'application/xml' });
	is($r->{status}, 201, 'a small report fits on the small disk') or diag($r->{body});
	my $before = stored($inst);

	# about 2.5 MB of failure texts on a 1 MB filesystem
	my $big = report(5000, 'x' x 500);
	$r = http_req($srv, 'POST', '/api/tests/ingest?run_id=big', body => $big,
	    headers => { 'Content-Type' => 'application/xml' });
	is($r->{status}, 507, 'issue 11: a report the disk cannot hold is 507 over HTTP') or diag($r->{body});
	is($r->{json}{error}{code}, 'storage_full', 'code storage_full');
	like($r->{json}{error}{message}, qr/full/, 'the message says the disk is full');
	is($r->{headers}{'x-content-type-options'}, 'nosniff', 'our JSON envelope, with our headers');
	is(stored($inst), $before, 'nothing partial was stored');
	is(sql($inst, 'PRAGMA integrity_check'), 'ok', 'the database is intact');
	is(sql($inst, "SELECT count(*) FROM runs WHERE run_id = 'big' OR run_id LIKE 'pending-%'"), '0', 'no run, not even a provisional one');

	# the CLI: exit 3 for a storage error, the error as JSON
	my $f = write_file("$d/big.xml", $big);
	my $c = $inst->cli('ingest', '--run-id', 'big-cli', $f);
	is($c->{exit}, 3, 'issue 11: testvis ingest exits 3 when the disk is full') or diag("$c->{stdout}$c->{stderr}");
	my $j = TV::decode_json_safe($c->{stdout});
	is($j->{error}{code}, 'storage_full', 'and prints the error code');
	is($j->{file}, $f, 'naming the file');
	is(stored($inst), $before, 'nothing partial was stored by the CLI either');
	my $bad = write_file("$d/bad.xml", '<testsuite><testcase');
	is($inst->cli('ingest', $bad)->{exit}, 1, 'bad input is still exit 1, not 3');

	# space returns: the same uploads succeed
	$m = run_cmd(argv => ['mount', '-o', 'remount,size=64m', $MNT]);
	is($m->{exit}, 0, 'the disk grows') or diag($m->{stderr});
	$r = http_req($srv, 'POST', '/api/tests/ingest?run_id=big', body => $big,
	    headers => { 'Content-Type' => 'application/xml' });
	is($r->{status}, 201, 'the same report is stored once there is space') or diag($r->{body});
	is(sql($inst, "SELECT tests, failed FROM runs WHERE run_id = 'big'"), '5000|5000', 'whole');
	$c = $inst->cli('ingest', '--run-id', 'big-cli', $f);
	is($c->{exit}, 0, 'and the CLI succeeds') or diag("$c->{stdout}$c->{stderr}");
	is(sql($inst, 'PRAGMA integrity_check'), 'ok', 'the database is intact');
	stop_lighttpd($srv);
}

END {
	run_cmd(argv => ['umount', '-l', $MNT]) if defined $MNT;
}

done_testing();
