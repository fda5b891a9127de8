#!/usr/bin/perl
# The browser frontend in a real browser: Debian's chromium driven by
# playwright-core (build/npm, installed by make) through t/browser/run.mjs.
# Seeds a database with bin/demo-data (project "default"), an empty project
# and a 10,000-test project, runs the batch passes over it (mapping, flaky,
# integrity: the health tree, timelines, flaky states and integrity
# signals), creates an admin and a read token for the admin actions,
# serves htdocs/ with lighttpd on a free loopback port, and also checks a
# server with auth_read = token and one under a sub-path.  run.mjs prints
# one JSON object a line; each becomes a TAP test here.  Screenshots go to
# t/tmp/screenshots/.
use strict;
use warnings;
no warnings 'exec';
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use TV;

plan skip_all => '/usr/bin/chromium is not installed' unless -x '/usr/bin/chromium';
my $root = tv_root();
my $npm = tv_build() . '/npm';
die "playwright-core is missing: run make (it installs conf/npm into $npm)\n"
    unless -d "$npm/node_modules/playwright-core";
die "htdocs/vendor is missing: run make\n" unless -f "$root/htdocs/vendor/uPlot.iife.min.js";

# demo-data writes through the real ingest path of the instance.
sub seed {
	my ($inst, @args) = @_;
	my $r = run_cmd(argv => ["$root/bin/demo-data", @args],
	    env => { TESTVIS_CONF => $inst->{conf}, BUILD => tv_build() });
	is($r->{exit}, 0, "demo-data @args") or diag($r->{stderr});
}

my $inst = new_instance();
$inst->cli('project', 'add', $_) for qw(empty big);
seed($inst);
seed($inst, '--project', 'big', '--tests', '10000', '--runs', '3', '--seed', '11');
# The batch passes after demo-data: one summary line per pass, exit 0.
my $b = $inst->cli('batch');
is($b->{exit}, 0, 'testvis batch over the demo data exits 0') or diag($b->{stderr});
like($b->{stdout} . $b->{stderr}, qr/mapping.*\n(?:.*\n)*.*integrity/,
    'the batch ran the mapping and integrity passes') or diag($b->{stdout} . $b->{stderr});
my $admin = $inst->token('default', 'admin');
my $reader = $inst->token('default', 'read');
my $srv = $inst->start_lighttpd(max_procs => 2);

my $locked = new_instance(conf => { auth_read => 'token' });
seed($locked, '--runs', '6', '--tests', '40');
my $token = $locked->token('default', 'read');
my $lsrv = $locked->start_lighttpd(max_procs => 1);

# Under a sub-path: a document root whose "testvis" is htdocs, the API
# under /testvis/api/ (base_path).  Started here because TV.pm serves
# htdocs at the root.
my $subinst = new_instance(conf => { base_path => '/testvis' });
seed($subinst, '--tests', '40');
my $sub = start_subpath($subinst);
our $SUB = $sub;
END { stop_sub($SUB) if $SUB && kill(0, $SUB->{pid}) }

my $shots = "$root/t/tmp/screenshots";
make_path($shots);
my $r = run_cmd(argv => ['node', "$root/t/browser/run.mjs"], env => {
	TV_URL => "$srv->{url}/", TV_TOKEN_URL => "$lsrv->{url}/",
	TV_TOKEN => $token, TV_SUB_URL => $sub->{url},
	TV_ADMIN_TOKEN => $admin, TV_READ_TOKEN => $reader,
	TV_NPM => $npm, TV_SHOTS => $shots });

my $done = 0;
for my $line (split /\n/, $r->{stdout}) {
	my $o = decode_json_safe($line);
	if (!$o) {
		note($line);
	} elsif (exists $o->{ok}) {
		ok($o->{ok}, $o->{name}) or diag($o->{diag} // '');
	} elsif (exists $o->{note}) {
		note($o->{note});
	} elsif ($o->{done}) {
		$done = 1;
	}
}
ok($done, 'the browser script ran to the end') or diag($r->{stderr});
is($r->{exit}, 0, 'node exited 0') or diag($r->{stderr});

stop_lighttpd($srv);
stop_lighttpd($lsrv);
stop_sub($sub);
$SUB = undef;
done_testing();

# A lighttpd for the sub-path check, from the same template.
sub start_subpath {
	my ($in) = @_;
	my $dir = tempdir("sub-XXXXXX", DIR => tv_scratch());
	mkdir "$dir/docroot";
	symlink("$root/htdocs", "$dir/docroot/testvis") or die "symlink: $!";
	mkdir "$dir/sock";
	chmod 0700, "$dir/sock";
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 1, ReuseAddr => 1) or die "socket: $!";
	my $port = $s->sockport;
	close $s;
	my %sub = (BIND => '127.0.0.1', PORT => $port, HTDOCS => "$dir/docroot",
	    CGIBIN => tv_build() . '/cgi-bin', SOCKDIR => "$dir/sock",
	    CONF => $in->{conf}, MAX_PROCS => 1, BASE => '/testvis',
	    MAX_REQUEST_KB => 65536 + 1024, ERRORS => "$root/conf/errors");
	open(my $fh, '<', "$root/conf/lighttpd.conf.in") or die;
	my $tpl = do { local $/; <$fh> };
	close $fh;
	$tpl =~ s/\@([A-Z_]+)\@/exists $sub{$1} ? $sub{$1} : die "no \@$1\@"/ge;
	open($fh, '>', "$dir/lighttpd.conf") or die;
	print $fh $tpl;
	close $fh;
	my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : 'lighttpd';
	my $pid = fork // die;
	if ($pid == 0) {
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>', "$dir/lighttpd.log");
		open(STDERR, '>&', \*STDOUT);
		exec $lighttpd, '-D', '-f', "$dir/lighttpd.conf";
		POSIX::_exit(127);
	}
	my $deadline = time + 10;
	while (time < $deadline) {
		my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Proto => 'tcp');
		if ($c) {
			close $c;
			return { pid => $pid, url => "http://127.0.0.1:$port/testvis/" };
		}
		last if waitpid($pid, WNOHANG) == $pid;
		sleep 0.05;
	}
	die "lighttpd (sub-path) did not start\n";
}

sub stop_sub {
	my ($s) = @_;
	kill 'TERM', $s->{pid};
	my $deadline = time + 10;
	while (time < $deadline) {
		return if waitpid($s->{pid}, WNOHANG) == $s->{pid};
		sleep 0.05;
	}
	kill 'KILL', $s->{pid};
	waitpid($s->{pid}, 0);
}
