#!/usr/bin/perl
# The run page's quality gate and summary (issue 17 items 3, 4, 6) in a
# real browser: Debian's chromium driven by playwright-core through
# t/browser/rungate.mjs.  Three runs of branch main: g1 (c fails: a first
# run, every failure new), g2 (b, a new test, fails: one new failure; c
# still failing) and g3 (all pass).  Serves htdocs/ with lighttpd on a
# free loopback port.  The browser reads the verdict and its reasons,
# views the Markdown summary, copies it to the clipboard and compares,
# in the light and the dark scheme; screenshots go to
# t/tmp/screenshots/rungate-*.png.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my ($npm, $shots) = browser_setup(lighttpd => 1);

my $inst = new_instance();
$inst->ingest_cases('g1', { branch => 'main', job => 'unit', started_at => '2026-11-02T01:00:00Z' },
    [a => 'P'], [c => 'F']);
$inst->ingest_cases('g2', { branch => 'main', job => 'unit', started_at => '2026-11-02T02:00:00Z' },
    [a => 'P'], [b => 'F'], [c => 'F']);
$inst->ingest_cases('g3', { branch => 'main', job => 'unit', started_at => '2026-11-02T03:00:00Z' },
    [a => 'P'], [b => 'P'], [c => 'P']);
pass('the runs are stored');
my $admin = $inst->token('default', 'admin');
my $reader = $inst->token('default', 'read');
my $srv = $inst->start_lighttpd(max_procs => 2);

browser_run('rungate.mjs', {
	TV_URL => "$srv->{url}/", TV_ADMIN_TOKEN => $admin, TV_READ_TOKEN => $reader,
	TV_NPM => $npm, TV_SHOTS => $shots });

stop_lighttpd($srv);
done_testing();
