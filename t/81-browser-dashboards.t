#!/usr/bin/perl
# The dashboards pages (REP-4, issue 16 item 6) in a real browser:
# Debian's chromium driven by playwright-core through
# t/browser/dashboards.mjs.  Seeds a project with bin/demo-data and runs
# the batch passes (health, flaky, integrity widgets have content),
# creates an admin and a read token, serves htdocs/ with lighttpd on a
# free loopback port.  A new user sees the default layout, builds a
# dashboard of three widgets, saves, reloads, and finds them in order; a
# stale edit gets the 412 message; a run uploaded while the dashboard is
# open shows in its recent-runs widget without a reload.  dashboards.mjs prints one JSON object
# a line; each becomes a TAP test here.  Screenshots (light and dark) go
# to t/tmp/screenshots/dashboards-*.png.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my ($npm, $shots) = browser_setup(lighttpd => 1);
my $root = tv_root();
die "htdocs/vendor is missing: run make\n" unless -f "$root/htdocs/vendor/uPlot.iife.min.js";

# the live program's intervals in seconds (as t/80): an idle stream is
# closed after 5 s, keepalives every 2 s
my $inst = new_instance(conf => { live_idle_s => 5, live_keepalive_s => 2 });
my $r = run_cmd(argv => ["$root/bin/demo-data"],
    env => { TESTVIS_CONF => $inst->{conf}, BUILD => tv_build() });
is($r->{exit}, 0, 'demo-data') or diag($r->{stderr});
my $b = $inst->cli('batch');
is($b->{exit}, 0, 'testvis batch over the demo data exits 0') or diag($b->{stderr});
my $admin = $inst->token('default', 'admin');
my $reader = $inst->token('default', 'read');
my $ingest = $inst->token('default', 'ingest');
my $srv = $inst->start_lighttpd(max_procs => 2);

browser_run('dashboards.mjs', {
	TV_URL => "$srv->{url}/", TV_ADMIN_TOKEN => $admin, TV_READ_TOKEN => $reader,
	TV_INGEST_TOKEN => $ingest,
	TV_NPM => $npm, TV_SHOTS => $shots });

stop_lighttpd($srv);
done_testing();
