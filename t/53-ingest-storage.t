#!/usr/bin/perl
# Storage faults during an upload (SPEC ING-3, I-2): another program holds
# the write lock (503 busy with Retry-After, after busy_timeout_ms: issue 11
# item 9), the disk fills up (a real tmpfs where this test may mount one:
# 507 storage_full), the database reaches max_db_mb (the same 507).  Each
# time nothing of the refused upload is stored, the database stays
# consistent, and the next upload succeeds once the cause is gone.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use TV;

# Every case here is a SQLite file's: its database-wide write lock, the disk
# under its file, its max_page_count cap.
plan skip_all => 'SQLite storage faults (write lock held by BEGIN IMMEDIATE, '
    . 'the file on a full disk, max_db_mb as max_page_count)'
    if tv_engine() eq 'postgresql';

sub sql { my ($i, $q) = @_; return $i->sql($q) }

sub post {
	my ($i, $qs, $body) = @_;
	return $i->cgi('ingest', 'POST', "/api/tests/ingest$qs", body => $body,
	    content_type => 'application/xml');
}

# A report of n testcases, every third failing with a long message.
sub report {
	my ($n, $tag) = @_;
	my $s = qq{<?xml version="1.0"?>\n<testsuite name="store">};
	for my $k (1 .. $n) {
		$s .= qq{<testcase classname="pkg.$tag" name="case_$k" time="0.01">};
		$s .= qq{<failure message="boom $k">} . ("trace line $k\n" x 20)
		    . '</failure>' if $k % 3 == 0;
		$s .= '</testcase>';
	}
	return "$s</testsuite>\n";
}

# Writes file until the file system of dir has at most keep_kb KiB free.
sub fill {
	my ($file, $dir, $keep_kb) = @_;
	my $df = run_cmd(argv => ['df', '-k', '--output=avail', $dir])->{stdout};
	my ($avail) = $df =~ /(\d+)\s*$/ or die "df $dir: $df";
	my $left = ($avail - $keep_kb) * 1024;
	open(my $fh, '>:raw', $file) or die "$file: $!";
	while ($left > 0) {
		my $n = $left > 65536 ? 65536 : $left;
		last unless syswrite($fh, "\0" x $n);
		$left -= $n;
	}
	if ($keep_kb == 0) {
		1 while syswrite($fh, "\0" x 512);
	}
	close $fh;
}

# What an upload may leave behind: rows of every table it writes.
sub footprint {
	my ($i) = @_;
	return sql($i, q{SELECT (SELECT count(*) FROM runs) || ',' || }
	    . q{(SELECT count(*) FROM run_shards) || ',' || }
	    . q{(SELECT count(*) FROM results) || ',' || }
	    . q{(SELECT count(*) FROM tests) || ',' || }
	    . '(SELECT count(*) FROM events)');
}

# Checks that run `id` holds exactly n results with n/3 failures.
sub exact_run {
	my ($i, $id, $n, $what) = @_;
	my $f = int($n / 3);
	is(sql($i, "SELECT tests, passed, failed FROM runs WHERE run_id = '$id'"),
	    "$n|" . ($n - $f) . "|$f", "$what: run counts match the report");
	is(sql($i, "SELECT count(*), sum(CASE WHEN r.status = 1 THEN 1 ELSE 0 END) FROM results r JOIN runs u "
	    . "ON u.id = r.run WHERE u.run_id = '$id'"), "$n|$f",
	    "$what: every result stored");
}

# --- 503 busy: a write lock held by another program (issue 11 item 9) ---
{
	my $inst = new_instance(conf => { auth_ingest => 'open',
	    busy_timeout_ms => 200 });
	my $admin = $inst->token('default', 'admin');
	is(post($inst, '?run_id=before', report(6, 'B'))->{status}, 201,
	    'a first upload lands');
	my $before = footprint($inst);
	# sqlite3 holds BEGIN IMMEDIATE until it is stopped (by PID).
	pipe(my $rd, my $wr) or die "pipe: $!";
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		close $wr;
		open(STDIN, '<&', $rd) or die;
		open(STDOUT, '>', '/dev/null');
		{ exec 'sqlite3', $inst->{db} }
		POSIX::_exit(127);
	}
	close $rd;
	syswrite($wr, ".timeout 10000\nBEGIN IMMEDIATE;\nINSERT INTO events (project_id, at, kind, subject, payload) "
	    . "VALUES (1, 0, 'lock_holder', 'x', '{}');\n");
	my ($locked, $deadline) = (0, time + 10);
	while (!$locked && time < $deadline) {
		my $r = run_cmd(argv => ['sqlite3', $inst->{db},
		    'BEGIN IMMEDIATE; ROLLBACK;']);
		$locked = $r->{stderr} =~ /locked/;
		sleep 0.05 unless $locked;
	}
	ok($locked, 'another program holds the write lock');
	my $r = post($inst, '?run_id=during', report(6, 'B'));
	is($r->{status}, 503, 'issue 11 item 9: an upload under a held write lock answers 503');
	is($r->{json}{error}{code}, 'busy', 'issue 11 item 9: with code busy');
	like($r->{headers}{'retry-after'} // '', qr/^[1-9][0-9]*$/,
	    'issue 11 item 9: and Retry-After');
	# the other writes: they answered 500 when the lock outlasted the wait
	my $tid = run_cmd(argv => ['sqlite3', $inst->{db}, 'SELECT test_id FROM tests LIMIT 1'])->{stdout};
	chomp $tid;
	$r = $inst->cgi('tests', 'PUT', "/api/tests/$tid/state", body => '{"state":"muted","reason":"x"}',
	    content_type => 'application/json', headers => { Authorization => 'Bearer ' . $admin });
	is($r->{status}, 503, 'issue 11 item 9: PUT state under a held write lock answers 503, not 500');
	is($r->{json}{error}{code}, 'busy', 'issue 11 item 9: PUT state: code busy');
	like($r->{headers}{'retry-after'} // '', qr/^[1-9][0-9]*$/, 'issue 11 item 9: PUT state: Retry-After');
	kill 'TERM', $pid;
	close $wr;
	waitpid($pid, 0);
	is(footprint($inst), $before, 'the refused upload stored nothing (nor the lock holder)');
	$r = post($inst, '?run_id=during', report(6, 'B'));
	is($r->{status}, 201, 'once the lock is gone the same upload lands');
	exact_run($inst, 'during', 6, 'after busy');
}

# --- 507 storage_full on a real full disk (a small tmpfs) ---
my $mounted;
END { system('umount', $mounted) if $mounted }
SKIP: {
	my $mnt = tv_scratch() . '/full';
	mkdir $mnt or die "$mnt: $!";
	$mounted = $> == 0 && system('mount', '-t', 'tmpfs', '-o',
	    'size=4m,mode=0700', 'tmpfs', $mnt) == 0 ? $mnt : undef;
	skip('no tmpfs mount here (not root, or mounts not allowed): the '
	    . 'max_db_mb case below covers 507', 14) unless $mounted;
	my $inst = new_instance(conf => { auth_ingest => 'open',
	    db => "$mnt/testvis.db" });
	is(post($inst, '?run_id=small', report(30, 'D'))->{status}, 201,
	    'an upload lands on the small filesystem');
	my $before = footprint($inst);
	# Leave 256 KiB: the database opens, the upload runs out mid-way.
	fill("$mnt/filler", $mnt, 256);
	my $r = post($inst, '?run_id=big', report(3000, 'D'));
	is($r->{status}, 507, 'a disk filling up during an upload answers 507');
	is($r->{json}{error}{code}, 'storage_full', 'with code storage_full');
	is(footprint($inst), $before, 'nothing of the refused upload is stored');
	# Not a block left: a fresh process cannot even open the database.
	fill("$mnt/filler2", $mnt, 0);
	$r = post($inst, '?run_id=big', report(30, 'D'));
	is($r->{status}, 507, 'an upload to a database on a full disk answers 507');
	is($r->{json}{error}{code}, 'storage_full', 'with code storage_full');
	unlink "$mnt/filler2";
	unlink "$mnt/filler";
	is(footprint($inst), $before, 'nor of the one refused at open');
	is(sql($inst, 'PRAGMA integrity_check'), 'ok', 'the database is intact');
	is(sql($inst, "SELECT count(*) FROM runs WHERE run_id = 'big'"), '0',
	    'no partial run');
	$r = post($inst, '?run_id=big', report(3000, 'D'));
	is($r->{status}, 201, 'with space back the same upload lands');
	exact_run($inst, 'big', 3000, 'after disk full');
	exact_run($inst, 'small', 30, 'the earlier run');
}

# --- 507 storage_full at the configured cap max_db_mb ---
{
	my $inst = new_instance(conf => { auth_ingest => 'open', max_db_mb => 1 });
	is(post($inst, '?run_id=small', report(30, 'M'))->{status}, 201,
	    'an upload under the cap lands');
	my $before = footprint($inst);
	my $r = post($inst, '?run_id=big', report(3000, 'M'));
	is($r->{status}, 507, 'past max_db_mb an upload answers 507');
	is($r->{json}{error}{code}, 'storage_full', 'with code storage_full');
	is(footprint($inst), $before, 'nothing of it is stored');
	is(sql($inst, 'PRAGMA integrity_check'), 'ok', 'the database is intact');
	# over HTTP through lighttpd: the same 507, in our envelope
	my $srv = $inst->start_lighttpd();
	$r = http_req($srv, 'POST', '/api/tests/ingest?run_id=big', body => report(3000, 'M'),
	    headers => { 'Content-Type' => 'application/xml' });
	is($r->{status}, 507, 'issue 11: through lighttpd, past max_db_mb an upload answers 507');
	is($r->{json}{error}{code}, 'storage_full', 'issue 11: through lighttpd: code storage_full');
	like($r->{json}{error}{message}, qr/full/, 'the message says the storage is full');
	is($r->{headers}{'x-content-type-options'}, 'nosniff', 'our JSON envelope with our headers');
	stop_lighttpd($srv);
	# testvis ingest: exit 3 (storage error), the error as JSON
	my $file = tv_scratch() . '/big-cli.xml';
	open(my $out, '>', $file) or die "$file: $!";
	print $out report(3000, 'C');
	close $out;
	my $c = $inst->cli('ingest', '--run-id', 'big-cli', $file);
	is($c->{exit}, 3, 'issue 11: testvis ingest past max_db_mb exits 3') or diag("$c->{stdout}$c->{stderr}");
	my $j = decode_json_safe($c->{stdout});
	is($j->{error}{code}, 'storage_full', 'issue 11: and prints code storage_full');
	is($j->{file}, $file, 'naming the file');
	is(footprint($inst), $before, 'nothing of either is stored');
	open($out, '>', tv_scratch() . '/bad-cli.xml') or die;
	print $out '<testsuite><testcase';
	close $out;
	is($inst->cli('ingest', tv_scratch() . '/bad-cli.xml')->{exit}, 1, 'bad input is still exit 1, not 3');
	# raise the cap: the next upload lands
	open(my $fh, '<', $inst->{conf}) or die;
	my $conf = join('', <$fh>);
	close $fh;
	$conf =~ s/^max_db_mb = 1$/max_db_mb = 64/m or die 'no max_db_mb line';
	open($fh, '>', $inst->{conf}) or die;
	print $fh $conf;
	close $fh;
	$r = post($inst, '?run_id=big', report(3000, 'M'));
	is($r->{status}, 201, 'with the cap raised the same upload lands');
	exact_run($inst, 'big', 3000, 'after the cap');
	$c = $inst->cli('ingest', '--run-id', 'big-cli', $file);
	is($c->{exit}, 0, 'and so does the CLI\'s') or diag("$c->{stdout}$c->{stderr}");
	exact_run($inst, 'big-cli', 3000, 'the CLI after the cap');
}

done_testing();
