#!/usr/bin/perl
# End-to-end fault test (issue 11): concurrent uploads through lighttpd
# while the FastCGI ingest processes are killed (SIGKILL) mid-upload.
# Afterwards every acknowledged (201) run is exact (its counts and each
# result match its report), every refused one is absent or whole, the
# database passes integrity_check, and the refused uploads land when sent
# again.  Bounded: a fixed number of uploads and kills, a few seconds.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use TV;

my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
plan skip_all => 'lighttpd is not installed' unless $lighttpd;

my $WORKERS = 3;
my $PER_WORKER = 4;
my $MAX_KILLS = 6;

my $inst = new_instance(conf => { auth_ingest => 'open' });
my $srv = $inst->start_lighttpd(max_procs => 2);
my $dir = tv_scratch();

sub sql { my ($q) = @_; return $inst->sql($q) }

# Report k: 1000 + 100 k testcases; case i fails when i % 7 == k % 7.
sub report {
	my ($k) = @_;
	my $n = 1000 + 100 * $k;
	my (@failed, $x);
	$x = qq{<?xml version="1.0"?>\n<testsuite name="fault$k">\n};
	for my $i (1 .. $n) {
		$x .= qq{<testcase classname="fault.S$k" name="t$i" time="0.001">};
		if ($i % 7 == $k % 7) {
			$x .= qq{<failure message="f$i">trace $i</failure>};
			push @failed, "t$i";
		}
		$x .= "</testcase>\n";
	}
	return ("$x</testsuite>\n", $n, \@failed);
}

# The ingest programs lighttpd spawned, alive (a killed one not reaped
# yet is a zombie).
sub ingest_pids {
	my @pids;
	opendir(my $d, '/proc') or return ();
	for my $p (grep { /^\d+$/ } readdir $d) {
		open(my $fh, '<', "/proc/$p/stat") or next;
		my $st = <$fh> // '';
		close $fh;
		my ($comm, $state, $ppid) = $st =~ /^\d+ \((.*)\) (\S) (\d+)/ or next;
		push @pids, $p if $ppid == $srv->{pid} && $comm eq 'testvis-ingest' && $state ne 'Z';
	}
	closedir $d;
	return @pids;
}

my %rep;
for my $k (1 .. $WORKERS * $PER_WORKER) {
	my ($x, $n, $failed) = report($k);
	$rep{$k} = { xml => $x, n => $n, failed => $failed };
}

sub upload {
	my ($k) = @_;
	return http_req($srv, 'POST', "/api/tests/ingest?run_id=fault-$k&branch=main",
	    headers => { 'Content-Type' => 'application/xml', Expect => '' },
	    body => $rep{$k}{xml});
}

# Warm up: the programs run before the storm.
is(http_req($srv, 'GET', '/api/health')->{status}, 200, 'lighttpd and the programs are up');

# Each worker uploads its reports one after another and records the status.
my @kids;
for my $w (0 .. $WORKERS - 1) {
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(my $out, '>', "$dir/worker$w") or POSIX::_exit(1);
		for my $j (1 .. $PER_WORKER) {
			my $k = $w * $PER_WORKER + $j;
			my $r = upload($k);
			print $out "$k $r->{status}\n";
			# a refused client backs off before its next upload,
			# as CI clients do: the uploads outlast the kills
			sleep(0.5) if $r->{status} >= 500;
		}
		close $out;
		POSIX::_exit(0);
	}
	push @kids, $pid;
}

# Kill an ingest process every 300-600 ms until the workers are done.
my ($kills, $deadline) = (0, time + 60);
my %left = map { $_ => 1 } @kids;
while (%left && time < $deadline) {
	sleep(0.3 + rand(0.3));
	for my $p (keys %left) {
		delete $left{$p} if waitpid($p, WNOHANG) == $p;
	}
	last unless %left;
	if ($kills < $MAX_KILLS) {
		my @p = ingest_pids();
		if (@p) {
			kill 'KILL', $p[int rand @p];
			$kills++;
		}
	}
}
for my $p (keys %left) {
	kill 'KILL', $p;
	waitpid($p, 0);
}
ok(!%left, 'every upload worker finished in time');
ok($kills > 0, "ingest processes were killed during the uploads ($kills)");

my %status;
for my $w (0 .. $WORKERS - 1) {
	for (split /\n/, TV::slurp("$dir/worker$w")) {
		my ($k, $s) = split ' ';
		$status{$k} = $s;
	}
}
is(scalar keys %status, $WORKERS * $PER_WORKER, 'every upload got an answer');

# Checks that run fault-k is stored exactly as its report says: counts,
# number of results, and which tests failed (one query).
sub exact {
	my ($k) = @_;
	my $e = $rep{$k};
	my $nf = scalar @{$e->{failed}};
	my $got = sql("SELECT u.tests || '|' || u.passed || '|' || u.failed || '|' || "
	    . "(SELECT count(*) FROM results r WHERE r.run = u.id) || '|' || "
	    . "(SELECT " . $inst->agg('name', ',', 'name') . " FROM (SELECT t.name FROM results r "
	    . "JOIN tests t ON t.id = r.test WHERE r.run = u.id AND r.status = 1 "
	    . "ORDER BY t.name) AS f) FROM runs u WHERE u.run_id = 'fault-$k'");
	return $got eq join('|', $e->{n}, $e->{n} - $nf, $nf, $e->{n},
	    join(',', sort @{$e->{failed}}));
}

my ($acked, $refused) = (0, 0);
for my $k (sort { $a <=> $b } keys %status) {
	if ($status{$k} == 201) {
		$acked++;
		ok(exact($k), "acknowledged run fault-$k is exact");
	} else {
		$refused++;
		like($status{$k}, qr/^5\d\d$/, "refused upload fault-$k got a 5xx ($status{$k})");
		my $present = sql("SELECT count(*) FROM runs WHERE run_id = 'fault-$k'");
		ok($present eq '0' || exact($k), "refused upload fault-$k is absent or whole");
	}
}
ok($acked > 0, "some uploads were acknowledged ($acked; $refused refused)");
SKIP: {
	skip 'SQLite file checks (PostgreSQL enforces its foreign keys itself)', 2
	    if $inst->engine ne 'sqlite';
	is(sql('PRAGMA integrity_check'), 'ok', 'PRAGMA integrity_check is ok');
	is(sql('PRAGMA foreign_key_check'), '', 'no dangling references');
}

# What was refused lands when sent again (or is known already), once
# lighttpd has respawned the killed programs (a kill in the storm's last
# moment leaves it none for up to a second, and it answers 503 then:
# a client backs off, as the workers do).
my $respawned = time + 5;
sleep(0.1) while ingest_pids() < 2 && time < $respawned;
for my $k (grep { $status{$_} != 201 } sort { $a <=> $b } keys %status) {
	my $r = upload($k);
	ok($r->{status} == 201 || ($r->{status} == 200 && $r->{json}{status} eq 'skipped'),
	    "fault-$k sent again lands ($r->{status})");
	ok(exact($k), "and fault-$k is exact");
}

stop_lighttpd($srv);
done_testing();
