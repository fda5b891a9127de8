#!/usr/bin/perl
# RSS of the testvis-ingest FastCGI program under lighttpd after big
# uploads (issue 11 item 8, PERF-4), from /proc/PID/status:
#   make all && python3 bench/gen-junit.py --tests 100000 -o /tmp/r100k.xml
#   perl bench/ingest-rss.pl /tmp/r100k.xml [more reports ...]
# Prints VmRSS (now) and VmHWM (peak) after a tiny upload, after each
# report, and after another tiny upload.  Uses t/lib/TV.pm for a scratch
# instance and lighttpd on a free loopback port, stopped by PID.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use TV;
my @files = @ARGV;
@files or die "usage: ingest-rss.pl REPORT.xml...\n";
my $inst = new_instance(conf => { auth_ingest => 'open' });
my $srv = $inst->start_lighttpd(max_procs => 1);

# The FastCGI program lighttpd spawned under this name.
sub pid_of {
	my ($name) = @_;
	opendir(my $d, '/proc') or die;
	for my $p (grep { /^\d+$/ } readdir $d) {
		open(my $f, '<', "/proc/$p/stat") or next;
		my ($c, $pp) = (<$f> // '') =~ /^\d+ \((.*)\) \S (\d+)/ or next;
		return $p if $pp == $srv->{pid} && $c eq $name;
	}
	die "no $name under lighttpd\n";
}

sub rss {
	my ($p) = @_;
	my %v;
	open(my $f, '<', "/proc/$p/status") or die;
	while (<$f>) {
		$v{$1} = $2 if /^(VmRSS|VmHWM):\s+(\d+)/;
	}
	return "VmRSS=$v{VmRSS}kB VmHWM=$v{VmHWM}kB";
}

sub upload {
	my ($id, $body) = @_;
	return http_req($srv, 'POST', "/api/tests/ingest?run_id=$id",
	    headers => { 'Content-Type' => 'application/xml', Expect => '' },
	    body => $body);
}

upload('warm', '<testsuite><testcase classname="a" name="b"/></testsuite>');
my $pid = pid_of('testvis-ingest');
print "after a tiny upload: ", rss($pid), "\n";
my $i = 0;
for my $f (@files) {
	my $r = upload('big' . ++$i, TV::slurp($f));
	print "upload $f: $r->{status} tests=", $r->{json}{counts}{tests} // '-',
	    "; after: ", rss($pid), "\n";
}
upload('small2', '<testsuite><testcase classname="a" name="c"/></testsuite>');
print "after another tiny upload: ", rss($pid), "\n";
stop_lighttpd($srv);
