#!/usr/bin/perl
# Alert rules and their delivery (issue 17 items 1-2, REP-5): the rules
# API (create answers the url and secret once, then masked; every bad
# field a 400 naming it; a taken name 409; admin only), each condition
# firing exactly when it should (run failed, pass rate below, new
# failure, test count drop, duration regression, incident opened,
# integrity signal at a minimum severity, flaky detected) with the
# branch glob and job filters, the cool-down (a match within it counts
# but sends nothing; after it a reminder), resolution, and delivery by
# the batch alerts pass to a webhook receiver on 127.0.0.1: the HMAC-
# SHA256 signature over the body, a Slack-shaped body, retries with
# backoff until the receiver takes it, a receiver that never does
# failing after alert_max_attempts, every attempt in the history with its
# status code, a redirect not followed, a timeout, the log channel, the
# test send and deleting a rule.  Runs on both engines.
use strict;
use utf8;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::SHA qw(hmac_sha256_hex);
use POSIX qw(strftime);
use Test::More;
use TV;

my $inst = new_instance(conf => { alert_max_attempts => 3,
    alert_retry_base_s => 10, alert_timeout_ms => 1000,
    alert_connect_timeout_ms => 1000 });
my $hook = start_webhook();
my $admin = $inst->token('default', 'admin');
my $reader = $inst->token('default', 'read');
my $T0 = time;
sub iso { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) }

sub api {
	my ($method, $path, $body, $token) = @_;
	return $inst->cgi('alerts', $method, $path,
	    headers => { Authorization => 'Bearer ' . ($token // $admin) },
	    defined $body ? (body => $body, content_type => 'application/json') : ());
}
sub create {
	my ($def) = @_;
	my $r = api('POST', '/api/alerts/rules', TV::encode_json_text($def));
	is($r->{status}, 201, "rule $def->{name} created") or diag($r->{body});
	return $r->{json};
}
# batch(OFFSET_S): the alerts pass, its clock OFFSET_S after the start
sub batch {
	my ($off) = @_;
	my $r = $inst->cli('batch', '--pass', 'alerts', '--now', iso($T0 + $off));
	is($r->{exit}, 0, "alerts pass at +${off}s") or diag($r->{stdout} . $r->{stderr});
	return $r;
}
my $seq = 0;
sub up {
	my ($run, $branch, $job, @cases) = @_;
	my %o = (branch => $branch, job => $job,
	    started_at => iso($T0 - 86400 + 60 * ++$seq));
	%o = (%o, %{shift @cases}) if ref $cases[0] eq 'HASH';
	$inst->ingest_cases($run, \%o, @cases);
}
sub hooks { grep { $_->{path} eq $_[0] } webhook_requests($hook) }
sub history {
	my ($q) = @_;
	my $r = api('GET', '/api/alerts/history' . ($q // ''), undef, $reader);
	is($r->{status}, 200, 'history' . ($q // '')) or diag($r->{body});
	return @{$r->{json}{deliveries} || []};
}
sub firing { @{api('GET', '/api/alerts/status', undef, $reader)->{json}{firing} || []} }

# ---- hostile rule definitions: a 400 naming the field ----
my $url = $hook->{url};
my %base = (name => 'x', condition => 'run_failed', channel => 'webhook', url => "$url/ok");
my @bad = (
    [{ %base, name => undef }, 'name', 'name null'],
    [{ %base, name => '' }, 'name', 'empty name'],
    [{ %base, name => 'n' x 101 }, 'name', 'a name over 100 characters'],
    [{ %base, condition => 'exploded' }, 'condition', 'an unknown condition'],
    [{ %base, condition => undef }, 'condition', 'no condition'],
    [{ %base, channel => 'pager' }, 'channel', 'an unknown channel'],
    [{ %base, url => undef }, 'url', 'a webhook without a url'],
    [{ %base, url => 'ftp://127.0.0.1/x' }, 'url', 'an ftp url'],
    [{ %base, url => 'file:///etc/passwd' }, 'url', 'a file url'],
    [{ %base, url => 'http://' }, 'url', 'a url without a host'],
    [{ %base, url => "$url/" . ('a' x 3000) }, 'url', 'a url of 3000 characters'],
    [{ %base, url => 42 }, 'url', 'a url that is a number'],
    [{ %base, secret => 'short' }, 'secret', 'a secret under 16 characters'],
    [{ %base, secret => 'has spaces in the secret' }, 'secret', 'a secret with spaces'],
    [{ %base, condition => 'pass_rate_below' }, 'threshold_pct', 'pass_rate_below without threshold_pct'],
    [{ %base, condition => 'pass_rate_below', threshold_pct => 101 }, 'threshold_pct', 'threshold_pct 101'],
    [{ %base, condition => 'pass_rate_below', threshold_pct => '50' }, 'threshold_pct', 'threshold_pct as a string'],
    [{ %base, threshold_pct => 50 }, 'threshold_pct', 'threshold_pct on run_failed'],
    [{ %base, condition => 'duration_regression', runs => 2 }, 'runs', 'a duration baseline under 3 runs'],
    [{ %base, condition => 'flaky_detected', branch => 'main' }, 'branch', 'flaky_detected with a branch'],
    [{ %base, min_severity => 'high' }, 'min_severity', 'min_severity on run_failed'],
    [{ %base, condition => 'integrity_signal', min_severity => 'dire' }, 'min_severity', 'an unknown severity'],
    [{ %base, cooldown_s => -1 }, 'cooldown_s', 'a negative cool-down'],
    [{ %base, cooldown_s => 8 * 86400 }, 'cooldown_s', 'a cool-down over 7 days'],
    [{ %base, enabled => 'yes' }, 'enabled', 'enabled as a string'],
    [{ %base, channel => 'log', url => undef, format => 'slack' }, 'format', 'format on the log channel'],
    [{ %base, channel => 'log' }, 'url', 'a url on the log channel'],
    [{ %base, format => 'xml' }, 'format', 'an unknown format'],
    [{ %base, colour => 'red' }, 'body', 'an unknown key'],
);
for my $b (@bad) {
	my ($def, $field, $what) = @$b;
	my %d = map { defined $def->{$_} ? ($_ => $def->{$_}) : () } keys %$def;
	$d{name} = undef if exists $def->{name} && !defined $def->{name};
	my $r = api('POST', '/api/alerts/rules', TV::encode_json_text(\%d));
	is($r->{status}, 400, "$what: 400") or diag($r->{body});
	like($r->{body}, qr/\Q$field\E/, "... naming $field");
}
for my $b (['not json', 'a body that is not JSON'], ['[1,2]', 'an array'], ['', 'an empty body']) {
	is(api('POST', '/api/alerts/rules', $b->[0])->{status}, 400, "$b->[1]: 400");
}
is(api('POST', '/api/alerts/rules', '{"name":"' . ('x' x 20000) . '"}')->{status}, 413, 'a body over 16 KiB: 413');
is(api('POST', '/api/alerts/rules', TV::encode_json_text(\%base), $reader)->{status}, 403,
    'a read token cannot create a rule');
is($inst->cgi('alerts', 'GET', '/api/alerts/rules')->{status}, 401, 'nor can nobody list them');
is(api('GET', '/api/alerts/rules', undef, $reader)->{status}, 403, 'the rules (with their urls) are for admins');
is(api('GET', '/api/alerts/status', undef, $reader)->{status}, 200, 'what is firing is for readers');
is($inst->sql('SELECT count(*) FROM alert_rules'), 0, 'no bad rule was stored');

# ---- the rules ----
my $secret = 'a-secret-of-the-receiver-0123';
my $r1 = create({ name => 'main red', condition => 'run_failed', branch => 'main', job => 'unit',
    channel => 'webhook', url => "$url/ok", secret => $secret, cooldown_s => 3600 });
is($r1->{url}, "$url/ok", 'create answers the url in full');
is($r1->{secret}, $secret, '... and the secret');
is($r1->{branch}, 'main', '... and the normalised definition');
is($r1->{enabled}, JSON::PP::true, '... enabled by default');
my $r = api('POST', '/api/alerts/rules', TV::encode_json_text({ %base, name => 'main red' }));
is($r->{status}, 409, 'a second rule of that name: 409');
my $got = api('GET', "/api/alerts/rules/$r1->{rule_id}")->{json};
is($got->{url}, "http://127.0.0.1:$hook->{port}/…", 'read back, the url shows its scheme and host only')
    or diag(explain($got));
is($got->{secret}, '…0123', '... the secret its last four characters');
unlike(api('GET', '/api/alerts/rules')->{body}, qr/a-secret-of/, 'the list never shows the secret');

my $r2 = create({ name => 'release new failures', condition => 'new_failure', branch => 'rel*', job => 'unit',
    channel => 'webhook', url => "$url/fail-2", cooldown_s => 0 });
like($r2->{secret}, qr/^[0-9a-f]{64}$/, 'a webhook without a secret gets a random one');
my $r3 = create({ name => 'main pass rate', condition => 'pass_rate_below', threshold_pct => 80, runs => 3,
    branch => 'main', channel => 'log' });
is($r3->{url}, undef, 'the log channel has no url');
my $r4 = create({ name => 'drop', condition => 'test_count_drop', min_drop => 2, branch => 'drop',
    channel => 'webhook', url => "$url/down" });
my $r5 = create({ name => 'slow', condition => 'duration_regression', regression_pct => 50, runs => 5,
    branch => 'perf', channel => 'webhook', url => "$url/ok?slack", format => 'slack' });
my $r6 = create({ name => 'incidents', condition => 'incident_opened', branch => 'inc', channel => 'webhook',
    url => "$url/ok?incident" });
my $r7 = create({ name => 'integrity', condition => 'integrity_signal', min_severity => 'critical',
    channel => 'webhook', url => "$url/ok?integrity" });
my $r8 = create({ name => 'flaky', condition => 'flaky_detected', channel => 'webhook', url => "$url/ok?flaky" });
my $off = create({ name => 'disabled', condition => 'run_failed', channel => 'webhook', url => "$url/ok?off",
    enabled => JSON::PP::false });
is(scalar @{api('GET', '/api/alerts/rules')->{json}{rules}}, 9, 'nine rules listed');

# ---- run failed: fires, then matches within the cool-down, then reminds ----
up('m1', 'main', 'unit', [a => 'P'], [b => 'P'], [c => 'P']);
batch(10);
is(scalar(hooks('/ok')), 0, 'a green run fires nothing');
up('m2', 'main', 'unit', [a => 'P'], [b => 'F'], [c => 'F']);
up('o1', 'main', 'lint', [a => 'F']);
up('x1', 'feature/x', 'unit', [a => 'F']);
batch(20);
my @ok = hooks('/ok');
is(scalar @ok, 1, 'm2 failed on main/unit: one notification (lint and feature/x are not followed)');
my $h = $ok[0]{headers};
is($h->{'x-testvis-signature-256'}, 'sha256=' . hmac_sha256_hex($ok[0]{body}, $secret),
    'the body is signed with HMAC-SHA256 over the rule\'s secret');
is($h->{'x-testvis-event'}, 'firing', 'X-Testvis-Event names the kind');
like($h->{'x-testvis-delivery'}, qr/^\d+$/, 'X-Testvis-Delivery its id');
is($h->{'content-type'}, 'application/json', 'sent as JSON');
my $a = JSON::PP->new->utf8->decode($ok[0]{body});
is($a->{kind}, 'firing', 'the body: kind firing');
is($a->{rule}{name}, 'main red', '... the rule');
is($a->{subject}, 'main · unit', '... the stream as subject');
is($a->{summary}, 'run m2 failed: 2 of 3 tests failed', '... the summary');
is($a->{detail}{run_id}, 'm2', '... the run in the detail');
is($a->{project}, 'default', '... and the project');
my @f = grep { $_->{rule_name} eq 'main red' } firing();
is(scalar @f, 1, 'GET /api/alerts/status: main red firing');
is($f[0]{matches}, 1, '... once');
my $log = batch(21)->{stderr};
up('m3', 'main', 'unit', [a => 'P'], [b => 'F'], [c => 'P']);
batch(30);
is(scalar(hooks('/ok')), 1, 'm3 failed within the cool-down: nothing sent');
is((grep { $_->{rule_name} eq 'main red' } firing())[0]{matches}, 2, '... but the match counted');
up('m4', 'main', 'unit', [a => 'P'], [b => 'F'], [c => 'P']);
batch(3700);
@ok = hooks('/ok');
is(scalar @ok, 2, 'm4 failed after the cool-down: a reminder');
is(JSON::PP->new->utf8->decode($ok[1]{body})->{kind}, 'reminder', '... of kind reminder');
is(JSON::PP->new->utf8->decode($ok[1]{body})->{matches}, 3, '... with the matches so far');
up('m5', 'main', 'unit', [a => 'P'], [b => 'P'], [c => 'P']);
batch(3710);
ok(!grep({ $_->{rule_name} eq 'main red' } firing()), 'm5 passed: the firing resolved');
is(scalar(hooks('/ok')), 2, '... and nothing sent for it');

# ---- pass rate below, on the log channel ----
is(scalar(grep { $_->{rule_name} eq 'main pass rate' } history()), 3,
    'main pass rate fired for main · unit at m2 (4 of 6) and stayed firing (a reminder after m4, m5 within the '
    . 'cool-down), and for main · lint at o1 (no job filter: each stream its own subject)');
my ($pr) = grep { $_->{rule_name} eq 'main pass rate' } history();
is($pr->{channel}, 'log', 'the log channel');
is($pr->{status}, 'delivered', '... delivered');
my $all_logs = join '', map { batch(3720 + $_)->{stderr} } 1;
my $r2_log = $inst->sql("SELECT count(*) FROM alert_attempts a JOIN alert_deliveries d ON d.id = a.delivery_id "
    . "WHERE d.channel = 'log'");
ok($r2_log >= 1, 'log deliveries record their attempt');

# ---- new failure: retried with backoff until the receiver takes it ----
up('r1', 'rel/1.0', 'unit', [a => 'P'], [b => 'P']);
up('r2', 'rel/1.0', 'unit', [a => 'P'], [b => 'F']);
up('r3', 'rel/1.0', 'e2e', [a => 'P'], [b => 'F']);
up('r4', 'main', 'unit', [a => 'F'], [b => 'P'], [c => 'P']);
batch(4000);
my @rel = hooks('/fail-2');
is(scalar @rel, 1, 'r2 has a new failure on rel/1.0: one attempt (e2e and main are not followed)');
my $ra = JSON::PP->new->utf8->decode($rel[0]{body});
is($ra->{summary}, '1 new failure in run r2', '... its summary');
is_deeply([map { $_->{name} } @{$ra->{detail}{new_failures}}], ['b'], '... naming b');
my ($d) = history("?rule_id=$r2->{rule_id}");
is($d->{status}, 'pending', 'the receiver answered 500: pending');
is($d->{attempt_count}, 1, '... after one attempt');
is($d->{attempts}[0]{status_code}, 500, '... recorded with its status code');
ok($d->{next_attempt_at}, '... and a next attempt');
batch(4005);
is(scalar(hooks('/fail-2')), 1, 'before the backoff is over nothing is sent');
batch(4011);
is(scalar(hooks('/fail-2')), 2, 'after 10 s the second attempt');
batch(4025);
is(scalar(hooks('/fail-2')), 2, 'the backoff doubles: not yet after 14 s');
batch(4032);
is(scalar(hooks('/fail-2')), 3, 'after 20 s the third');
($d) = history("?rule_id=$r2->{rule_id}");
is($d->{status}, 'delivered', 'the receiver took it: delivered');
is_deeply([map { $_->{status_code} } @{$d->{attempts}}], [500, 500, 200], 'every attempt with its status code');
ok(!defined $d->{next_attempt_at}, '... no next attempt');
is($d->{summary}, '1 new failure in run r2', '... the summary in the history');
batch(5000);
is(scalar(hooks('/fail-2')), 3, 'a delivered notification is not sent again');

# ---- test count drop: a receiver that never takes it ----
up('d1', 'drop', 'unit', map { ["t$_" => 'P'] } 1 .. 10);
up('d2', 'drop', 'unit', map { ["t$_" => 'P'] } 1 .. 9);
batch(6000);
is(scalar(hooks('/down')), 0, 'one test fewer is under min_drop 2: nothing');
up('d3', 'drop', 'unit', map { ["t$_" => 'P'] } 1 .. 3);
batch(6100);
my @down = hooks('/down');
is(scalar @down, 1, 'six fewer: fired');
is(JSON::PP->new->utf8->decode($down[0]{body})->{summary}, 'run d3 has 3 tests, 6 fewer than run d2', '... its summary');
batch(6200);
batch(6300);
batch(6400);
is(scalar(hooks('/down')), 3, 'tried alert_max_attempts (3) times');
($d) = history("?rule_id=$r4->{rule_id}");
is($d->{status}, 'failed', 'then failed');
is_deeply([map { $_->{status_code} } @{$d->{attempts}}], [500, 500, 500], '... each attempt recorded');
is(scalar(history('?status=failed')), 1, 'history filtered by status');

# ---- integrity signal: the drop raised a critical suite_shrink ----
my $ir = $inst->cli('batch', '--pass', 'integrity');
is($ir->{exit}, 0, 'integrity pass') or diag($ir->{stderr});
my $sev = $inst->sql("SELECT severity FROM signals WHERE signal_type = 'suite_shrink'");
batch(6500);
my @ig = hooks('/ok?integrity');
my @crit = split /\n/, $inst->sql("SELECT DISTINCT s.signal_type || ' on ' || r.branch FROM signals s "
    . "JOIN runs r ON r.id = s.run WHERE s.severity = 'critical' ORDER BY 1");
ok(grep({ $_ eq 'suite_shrink on drop' } @crit), 'the drop raised a critical suite_shrink') or diag("@crit");
is_deeply([sort map { JSON::PP->new->utf8->decode($_->{body})->{subject} } @ig], \@crit,
    'one notification per signal type and branch with a critical signal (the same again within the cool-down)');
my ($dig) = grep { JSON::PP->new->utf8->decode($_->{body})->{subject} eq 'suite_shrink on drop' } @ig;
like(JSON::PP->new->utf8->decode($dig->{body})->{summary},
    qr/^critical integrity signal in run d2: the suite shrank from 10 to 9 tests/, '... its summary names the first, d2');
my ($dfi) = grep { $_->{subject} eq 'suite_shrink on drop' } firing();
is($dfi->{matches}, 2, '... and d3, the second on that branch, counted on the same firing');
my $lower = $inst->sql("SELECT count(*) FROM signals WHERE severity <> 'critical'");
ok($lower > 0, "none for the $lower signals below the minimum");

# ---- duration regression, in a Slack-shaped body ----
up("p$_", 'perf', 'unit', { suite_ms => 1000 + 10 * $_ }, [a => 'P']) for 1 .. 4;
up('p5', 'perf', 'unit', { suite_ms => 1400 }, [a => 'P']);
batch(7000);
is(scalar(hooks('/ok?slack')), 0, '40% slower than the median: under 50%, nothing');
up('p6', 'perf', 'unit', { suite_ms => 2500 }, [a => 'P']);
batch(7100);
my @sl = hooks('/ok?slack');
is(scalar @sl, 1, '2.5 s against a 1.03 s median: fired');
my $sb = JSON::PP->new->utf8->decode($sl[0]{body});
is_deeply([sort keys %$sb], ['text'], 'the Slack format: a body of text');
like($sb->{text}, qr/slow.*run p6 took 2500 ms/s, '... naming the rule and the run');

# ---- incident opened ----
up('i1', 'inc', 'unit', [a => 'P'], [b => 'P']);
up('i2', 'inc', 'unit', [a => 'P'], [b => 'F']);
batch(7200);
my @inc = hooks('/ok?incident');
is(scalar @inc, 1, 'b started failing on inc: the incident rule fired');
my $ia = JSON::PP->new->utf8->decode($inc[0]{body});
is($ia->{summary}, 'b started failing on inc in run i2', '... its summary');
is($inst->sql("SELECT alert_sent FROM incidents WHERE id = $ia->{detail}{incident}"), 1,
    'the incident is marked alert_sent');
up('i3', 'inc', 'unit', [a => 'P'], [b => 'P']);
batch(7300);
ok(!grep({ $_->{rule_name} eq 'incidents' } firing()), 'b passed again, the incident closed: resolved');

# ---- flaky detected ----
my @fl = ([z => 'P']);
up("f$_", 'main', 'flake', [z => 'F'], [z => 'P']) for 1 .. 3;
my $fr = $inst->cli('batch', '--pass', 'flaky');
is($fr->{exit}, 0, 'flaky pass');
batch(7400);
my $nflaky = $inst->sql("SELECT count(*) FROM flaky_states WHERE state = 'flaky'");
is(scalar(hooks('/ok?flaky')), $nflaky, 'one notification per test found flaky');
ok($nflaky >= 1, '... z among them');
is(scalar(hooks('/ok?off')), 0, 'the disabled rule never sent anything');

# ---- the webhook sender's limits ----
my $rd = create({ name => 'redirect', condition => 'run_failed', branch => 'none', channel => 'webhook',
    url => "$url/redirect" });
$r = api('POST', "/api/alerts/rules/$rd->{rule_id}/test");
is($r->{status}, 200, 'test send: 200') or diag($r->{body});
is($r->{json}{delivered}, JSON::PP::false, 'a 302 is not delivered');
is($r->{json}{status_code}, 302, '... its status code');
is(scalar(hooks('/ok')), 2, '... and not followed');
my $port = TV::free_port();
my $gone = create({ name => 'nobody', condition => 'run_failed', branch => 'none', channel => 'webhook',
    url => "http://127.0.0.1:$port/x" });
$r = api('POST', "/api/alerts/rules/$gone->{rule_id}/test");
is($r->{json}{delivered}, JSON::PP::false, 'nobody listening: not delivered');
is($r->{json}{status_code}, undef, '... no status code');
ok(length $r->{json}{error}, '... an error');
$r = api('POST', "/api/alerts/rules/$r1->{rule_id}/test");
is($r->{json}{delivered}, JSON::PP::true, 'a test send to a receiver that answers 200');
@ok = hooks('/ok');
is(JSON::PP->new->utf8->decode($ok[-1]{body})->{kind}, 'test', '... of kind test');
is($ok[-1]{headers}{'x-testvis-signature-256'}, 'sha256=' . hmac_sha256_hex($ok[-1]{body}, $secret),
    '... signed too');
my ($td) = history("?rule_id=$r1->{rule_id}");
is($td->{kind}, 'test', 'the test send is in the history');
is(api('POST', '/api/alerts/rules/999999/test')->{status}, 404, 'test send of an unknown rule: 404');
$r = api('POST', "/api/alerts/rules/$r3->{rule_id}/test");
is($r->{json}{delivered}, JSON::PP::true, 'a test send on the log channel is delivered to the log');

my $sw = create({ name => 'slow receiver', condition => 'run_failed', branch => 'none', channel => 'webhook',
    url => "$url/slow" });
$r = api('POST', "/api/alerts/rules/$sw->{rule_id}/test");
is($r->{json}{delivered}, JSON::PP::false, 'a receiver slower than alert_timeout_ms: not delivered');
like($r->{json}{error}, qr/time/i, '... a timeout') or diag($r->{body});

# ---- update and delete ----
$r = api('PUT', "/api/alerts/rules/$r1->{rule_id}", TV::encode_json_text({ name => 'main red', condition => 'run_failed',
    branch => 'main', channel => 'webhook', cooldown_s => 60 }));
is($r->{status}, 200, 'a rule changed without url or secret') or diag($r->{body});
is($r->{json}{cooldown_s}, 60, '... the new cool-down');
is($inst->sql("SELECT secret FROM alert_rules WHERE id = $r1->{rule_id}"), $secret, '... the secret kept');
is($inst->sql("SELECT url FROM alert_rules WHERE id = $r1->{rule_id}"), "$url/ok", '... and the url');
$r = api('PUT', "/api/alerts/rules/$r1->{rule_id}", TV::encode_json_text({ name => 'drop', condition => 'run_failed',
    channel => 'log' }));
is($r->{status}, 409, 'renamed onto another rule: 409');
$r = api('PUT', "/api/alerts/rules/$r1->{rule_id}", '{"name":"main red","condition":"sometimes","channel":"log"}');
is($r->{status}, 400, 'a bad change: 400');
is($inst->sql("SELECT url FROM alert_rules WHERE id = $r1->{rule_id}"), "$url/ok", '... nothing changed');
is(api('PUT', '/api/alerts/rules/999999', TV::encode_json_text(\%base))->{status}, 404, 'change of an unknown rule: 404');
is(api('GET', '/api/alerts/rules/abc')->{status}, 400, 'a rule id that is no number: 400');
my $firing_before = scalar grep { $_->{rule_id} == $r8->{rule_id} } firing();
ok($firing_before >= 1, 'the flaky rule is firing');
is(api('DELETE', "/api/alerts/rules/$r8->{rule_id}", undef, $reader)->{status}, 403, 'a reader cannot delete');
is(api('DELETE', "/api/alerts/rules/$r8->{rule_id}")->{status}, 204, 'delete: 204');
is(api('DELETE', "/api/alerts/rules/$r8->{rule_id}")->{status}, 404, 'again: 404');
ok(!grep({ $_->{rule_id} == $r8->{rule_id} } firing()), 'its firings resolved');
ok(scalar(grep { $_->{rule_name} eq 'flaky' } history()), 'its history kept');

# ---- history paging ----
my @allh = history('?limit=200');
my (@paged, $cur);
for (1 .. 50) {
	my $p = api('GET', '/api/alerts/history?limit=3' . (defined $cur ? "&cursor=$cur" : ''), undef, $reader)->{json};
	push @paged, @{$p->{deliveries}};
	$cur = $p->{next_cursor} // last;
}
is_deeply([map { $_->{delivery_id} } @paged], [map { $_->{delivery_id} } @allh], 'paging by 3 walks the whole history');
is(api('GET', '/api/alerts/history?cursor=garbage', undef, $reader)->{status}, 400, 'a bad cursor: 400');
is(api('GET', '/api/alerts/history?status=lost', undef, $reader)->{status}, 400, 'an unknown status: 400');
is(api('GET', '/api/alerts/history?limit=0', undef, $reader)->{status}, 400, 'limit 0: 400');

done_testing();
