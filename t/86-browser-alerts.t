#!/usr/bin/perl
# The alerts page (issue 17, REP-5) in a real browser: Debian's chromium
# driven by playwright-core through t/browser/alerts.mjs.  A webhook
# receiver on 127.0.0.1 (TV::start_webhook: /ok answers 200, /down 500)
# and one green run of branch "alerting" (al-1: a and b pass).  With an
# admin token the browser sees a 400 for an ftp:// url, creates a webhook
# rule (its URL and secret shown once) and a log rule, edits the
# cool-down, sends a test to /ok (delivered) and to /down (not delivered,
# 500), disables a rule, then ingests al-2 (b fails) and runs the alerts
# batch pass itself (testvis with this instance's config) and sees both
# rules firing and the firing's delivery with its attempt in the history,
# signed with the secret it was shown; pages the history with More; with
# a read token the rules are explained as admin-only while what is
# firing and the history show; a rule is deleted.  Screenshots (light and
# dark) go to t/tmp/screenshots/alerts-*.png.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my ($npm, $shots) = browser_setup(lighttpd => 1);

my $inst = new_instance(conf => { alert_max_attempts => 2, alert_retry_base_s => 600,
    alert_timeout_ms => 3000, alert_connect_timeout_ms => 2000 });
my $hook = start_webhook();
$inst->ingest_cases('al-1', { branch => 'alerting', job => 'unit', started_at => '2026-11-02T01:00:00Z' },
    [a => 'P'], [b => 'P']);
pass('a green run of branch alerting is stored');
my $admin = $inst->token('default', 'admin');
my $reader = $inst->token('default', 'read');
my $srv = $inst->start_lighttpd(max_procs => 2);

browser_run('alerts.mjs', {
	TV_URL => "$srv->{url}/", TV_ADMIN_TOKEN => $admin, TV_READ_TOKEN => $reader,
	TV_NPM => $npm, TV_SHOTS => $shots, TV_HOOK => $hook->{url}, TV_HOOK_LOG => $hook->{log},
	TV_TESTVIS => tv_build() . '/bin/testvis', TV_CONF => $inst->{conf}, TV_DIR => $inst->{dir} });

# what the receiver got, as the browser test drove it
my @got = webhook_requests($hook);
my @firing = grep { $_->{path} eq '/ok' && ($_->{headers}{'x-testvis-event'} // '') eq 'firing' } @got;
is(scalar @firing, 1, 'the receiver got exactly one firing (the second rule is disabled, the log rule writes to the log)');
ok(scalar(grep { $_->{path} eq '/down' } @got) >= 1, '... and the test send to /down');

stop_lighttpd($srv);
done_testing();
