#!/usr/bin/perl
# Issue 18: an upload's commit stays in SQLite's write-ahead log (copying
# it into the database file is scattered writes and two fsyncs nobody
# should wait for); the batch copies it, and so does a FastCGI program
# once its answer is sent.  Read from the database file alone (a copy
# without the -wal file), what was checkpointed is there and what was not
# is not; through SQLite (log and file), everything always is.
use strict;
use warnings;
use File::Copy qw(copy);
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

plan skip_all => 'the write-ahead log is SQLite\'s' if tv_engine() ne 'sqlite';
my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
plan skip_all => 'lighttpd is not installed' unless $lighttpd;

my $inst = new_instance(conf => { auth_ingest => 'open' });
my $db = $inst->{db};
my $r;

# The runs named run_id that the database file alone holds (its copy
# without the log, opened read-only by sqlite3 on a scratch path).
my $seq = 0;
# A report of 200 tests (a few dozen pages of log), written to a file.
sub write_report {
	my ($name) = @_;
	my $f = "$inst->{dir}/$name.xml";
	open(my $fh, '>', $f) or die;
	print $fh '<testsuite name="s">', (map { qq{<testcase classname="c.T" name="t$_"/>} } 1 .. 200), '</testsuite>';
	close $fh;
	return $f;
}
sub file_only_runs {
	my ($run_id) = @_;
	my $copy = "$inst->{dir}/file-only-" . ++$seq . '.db';
	copy($db, $copy) or die "copy: $!";
	my $r = run_cmd(argv => ['sqlite3', $copy,
	    "SELECT count(*) FROM runs WHERE run_id = '$run_id'"]);
	die "sqlite3: $r->{stderr}" if $r->{exit} != 0;
	unlink $copy;
	chomp(my $n = $r->{stdout});
	return $n;
}

# (sqlite3 itself checkpoints when it closes the last connection: the
# file is looked at before any query through it)
$inst->ingest_cases('cli-1', {}, ['a', 'P'], ['b', 'F']);
ok(-s "$db-wal", 'the CLI upload left its commit in the write-ahead log');
is(file_only_runs('cli-1'), '0',
    'the upload was not copied into the database file at commit or at exit');
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/cli-1');
is($r->{status}, 200, 'readers see the upload through the log');
is($r->{json}{counts}{tests}, 2, 'all of it');

my $b = $inst->cli('batch', '--pass', 'integrity');
is($b->{exit}, 0, 'a batch pass runs') or diag($b->{stderr});
is(file_only_runs('cli-1'), '1', 'the batch copied the log into the database file');
is(-s "$db-wal" // 0, 0, 'and emptied the log: a process opening the database later has none to read');

# Programs that each commit and exit: past its ceiling the log is copied
# and emptied at commit.  (A passive checkpoint, SQLite's own, would copy
# it, but the next process to open the database alone rebuilds the log's
# index without knowing that: the log would grow without bound.)
my @sizes;
for my $k (1 .. 4) {
	$inst->cli({ TESTVIS_WAL_CEILING_KB => 16 }, 'ingest', '--run-id', "ceil-$k", write_report("ceil-$k"));
	push @sizes, -s "$db-wal" // 0;
}
is_deeply(\@sizes, [0, 0, 0, 0], 'a log past its ceiling is emptied by the upload that fills it');
$inst->cli('ingest', '--run-id', 'below-1', write_report('below-1'));
ok(-s "$db-wal", 'below its ceiling the log keeps the commit');
is($inst->sql("SELECT count(*) FROM runs WHERE run_id LIKE 'ceil-%'"), '4', 'every upload is there');

# Through lighttpd: the FastCGI ingest program answers, then checkpoints.
my $srv = $inst->start_lighttpd(max_procs => 1);
$r = http_req($srv, 'POST', '/api/tests/ingest?run_id=http-1&branch=main',
    headers => { 'Content-Type' => 'application/xml' },
    body => '<testsuite name="s"><testcase classname="c.T" name="h"/></testsuite>');
is($r->{status}, 201, 'an upload through lighttpd is created') or diag($r->{body});
my ($found, $tries) = ('0', 0);
while ($found eq '0' && $tries++ < 100) {	# bounded: about 10 s
	$found = file_only_runs('http-1');
	select(undef, undef, undef, 0.1) if $found eq '0';
}
is($found, '1', 'the FastCGI program copied its upload into the database file after answering');
$r = http_req($srv, 'GET', '/api/tests/runs/http-1');
is($r->{status}, 200, 'and serves it');
stop_lighttpd($srv);

# A rejected upload writes nothing, and a later CLI upload still works.
$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest?run_id=bad-1',
    body => '<testsuite', content_type => 'application/xml');
is($r->{status}, 400, 'a broken report is refused') or diag($r->{body});
$inst->ingest_cases('cli-2', {}, ['a', 'P']);
is($inst->sql("SELECT count(*) FROM runs WHERE run_id IN ('cli-1', 'http-1', 'cli-2')"), '3', 'cli-1, http-1 and cli-2 are there');
is($inst->sql('PRAGMA integrity_check'), 'ok', 'the database is intact');

done_testing();
