#!/usr/bin/perl
# The reports page and the dashboards' report widget (REP-1, issue 16
# items 1 and 6) in a real browser: Debian's chromium driven by
# playwright-core through t/browser/reports.mjs.  A scripted history on
# three branches around the week boundaries of November 2026 (UTC), with
# runs just outside the range that must not count, and one run of 56
# results on branch "big" (a drilldown of more than one page).  Serves
# htdocs/ with lighttpd on a free loopback port.  The browser fills the
# form, runs a report by week and branch, checks its exact figures, reloads
# it, drills into a failed count, sees a 400 in the API's words, and
# renders a report widget on a dashboard built in the editor.
# reports.mjs prints one JSON object a line; each becomes a TAP test here.
# Screenshots (light and dark) go to t/tmp/screenshots/reports-*.png.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my ($npm, $shots) = browser_setup(lighttpd => 1);
my $root = tv_root();
die "htdocs/vendor is missing: run make\n" unless -f "$root/htdocs/vendor/uPlot.iife.min.js";

my $inst = new_instance();

# The history (reports.mjs expects exactly these figures).  Weeks start
# on Monday (UTC): 2026-11-02 and 2026-11-09; the report covers
# 2026-11-02 to 2026-11-15 (a date-only "to" includes that day).
#   week 2026-11-02: main rp-1 (a b c: c fails), rp-2 on Sunday 23:59:59
#     (b c fail); dev rp-3 (all pass)
#   week 2026-11-09: main rp-4 at Monday 00:00:00 (all pass); dev rp-5
#     (a fails); big rp-7 (56 tests: m01..m55 fail, ok passes)
#   outside: main rp-0 on 2026-11-01 23:59:59, rp-6 on 2026-11-16
#     00:00:00 (each one failure: they would change main's figures)
my @abc = (['a', 'P'], ['b', 'P'], ['c', 'P']);
sub cases { my %f = map { $_ => 1 } @_; return map { [$_->[0], $f{$_->[0]} ? 'F' : 'P'] } @abc }
my @runs = (
    ['rp-0', 'main', '2026-11-01T23:59:59Z', 900, cases('a')],
    ['rp-1', 'main', '2026-11-02T10:00:00Z', 1000, cases('c')],
    ['rp-2', 'main', '2026-11-08T23:59:59Z', 2000, cases('b', 'c')],
    ['rp-3', 'dev', '2026-11-04T12:00:00Z', 1500, cases()],
    ['rp-4', 'main', '2026-11-09T00:00:00Z', 3000, cases()],
    ['rp-5', 'dev', '2026-11-12T08:00:00Z', 500, cases('a')],
    ['rp-6', 'main', '2026-11-16T00:00:00Z', 900, cases('b')],
    ['rp-7', 'big', '2026-11-10T06:00:00Z', 4000,
	(map { [sprintf('m%02d', $_), 'F'] } 1 .. 55), ['ok', 'P']],
);
for my $r (@runs) {
	my ($id, $branch, $at, $ms, @cases) = @$r;
	$inst->ingest_cases($id, { branch => $branch, job => 'unit', started_at => $at,
	    suite_ms => $ms }, @cases);
}
pass('the scripted history is stored (' . scalar(@runs) . ' runs)');
my $admin = $inst->token('default', 'admin');
my $reader = $inst->token('default', 'read');
my $srv = $inst->start_lighttpd(max_procs => 2);

browser_run('reports.mjs', {
	TV_URL => "$srv->{url}/", TV_ADMIN_TOKEN => $admin, TV_READ_TOKEN => $reader,
	TV_NPM => $npm, TV_SHOTS => $shots });

stop_lighttpd($srv);
done_testing();
