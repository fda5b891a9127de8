#!/usr/bin/perl
# The run summary (issue 17 item 4, API-29): GET
# /api/tests/runs/{run_id}/summary.md and `testvis summary RUN_ID`, the
# Markdown for a pull-request comment, on a scripted history: the exact
# text of a run with a new failure, a fixed test, a known flaky test
# that failed and a quarantined new failure; a run whose only new
# failure is quarantined passing; an agent run that deleted tests,
# failing with its integrity signals once the batch pass judged it;
# hostile names and messages (pipes, backticks, HTML, links, 10 KB,
# non-ASCII) escaped and cut; the max_failures cap; links with and
# without public_url and for another project; wait= on the summary and
# the gate (a run uploaded by a background process after the request
# began, the integrity pass run while it waits, the timeout paths); and
# 400s.  Runs on both engines.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use POSIX ();
use TV;

binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);

my $inst = new_instance(conf => { gate_settle_seconds => 0 });
my $t = 0;
# up(run, branch, [name, P|F]...): a run of job unit, an hour apart
sub up {
	my ($run, $branch, @cases) = @_;
	$t++;
	$inst->ingest_cases($run, { branch => $branch, job => 'unit',
	    started_at => sprintf('2026-11-02T%02d:00:00Z', $t) }, @cases);
}
# up_xml(inst, run, branch, XML, extra CLI arguments...): one run of a
# report written here
my $files = 0;
sub up_xml {
	my ($in, $run, $branch, $xml, @args) = @_;
	$t++;
	my $f = "$in->{dir}/sum-" . ++$files . '.xml';
	open(my $fh, '>:raw', $f) or die;
	print $fh $xml;
	close $fh;
	my $r = $in->cli('ingest', '--run-id', $run, '--branch', $branch, '--job', 'unit',
	    '--started-at', sprintf('2026-11-02T%02d:00:00Z', $t), @args, $f);
	die "ingest $run: $r->{stderr}" if $r->{exit} != 0;
}
sub summary {
	my ($run, $q, $want, $in) = @_;
	my $r = ($in // $inst)->cgi('runs', 'GET', "/api/tests/runs/$run/summary.md" . ($q // ''));
	is($r->{status}, $want // 200, "summary $run" . ($q // '') . ': ' . ($want // 200)) or diag($r->{body});
	return $r;
}
sub tid { return $inst->sql("SELECT test_id FROM tests WHERE name = '$_[0]'") }
my $admin = $inst->token('default', 'admin');
sub quarantine {
	my ($name) = @_;
	my $q = $inst->cgi('tests', 'PUT', '/api/tests/' . tid($name) . '/state',
	    headers => { Authorization => "Bearer $admin" },
	    body => '{"state":"quarantined","reason":"known broken"}', content_type => 'application/json');
	is($q->{status}, 200, "$name is quarantined") or diag($q->{body});
}
my $pid = $inst->sql("SELECT id FROM projects WHERE slug = 'default'");

# ---- a run with every section, exactly ----
$inst->ingest_cases('b1', { branch => 'main', job => 'unit', started_at => '2026-11-01T01:00:00Z',
    suite_ms => 1500 }, [a => 'P'], [b => 'P'], [c => 'F'], [g => 'P'], [q => 'P']);
$inst->ingest_cases('r2', { branch => 'main', job => 'unit', started_at => '2026-11-01T02:00:00Z',
    suite_ms => 2250 }, [a => 'P'], [b => 'F'], [c => 'P'], [g => 'F'], [q => 'F'], [n => 'F']);
quarantine('q');
$inst->sql("INSERT INTO flaky_states (test, project_id, state, first_at, last_at) SELECT id, $pid, 'flaky', 1, 1 "
    . "FROM tests WHERE name = 'g'");
my $r = summary('r2');
is($r->{headers}{'content-type'}, 'text/markdown; charset=utf-8', 'text/markdown, UTF-8');
my %id = map { $_ => tid($_) } qw(a b c g q n);
my $want = <<"MD";
### \x{274C} testvis: run [r2](#/runs/r2) failed the quality gate

Branch main \x{b7} job unit \x{b7} baseline [b1](#/runs/b1)

| | This run | Baseline | \x{394} |
|:--|--:|--:|--:|
| Tests | 6 | 5 | +1 |
| Passed | 2 | 4 | -2 |
| Failed | 4 | 1 | +3 |
| Skipped | 0 | 0 | 0 |
| Pass rate | 33.3 % | 80.0 % | -46.7 pp |
| Duration | 2.2 s | 1.5 s | +0.8 s |

#### \x{274C} New failures (4)

- [b](#/tests/$id{b}): b broke
- [g](#/tests/$id{g}) _(known flaky: not counted)_: g broke
- [n](#/tests/$id{n}): n broke
- [q](#/tests/$id{q}) _(quarantined: not counted)_: q broke

#### \x{2705} Fixed (1)

- [c](#/tests/$id{c})

#### \x{2248} Flaky tests that failed (1)

- [g](#/tests/$id{g}) _(known flaky)_

#### Quality gate: \x{274C} failed

- 2 new failures (at most 0 allowed) (new\\_failures)

Rules: at most 0 new failures \x{b7} no open integrity signal of severity high or above \x{b7} at most 0 tests fewer than the baseline \x{b7} no minimum pass rate \x{b7} integrity not checked yet (the batch integrity pass has not judged this run)

[Open the run in testvis](#/runs/r2)
MD
utf8::encode($want);
is($r->{body}, $want, 'the summary of r2: title, counts against b1, new failures (two excused), fixed, flaky, the gate')
    or diag($r->{body});
my $cli = $inst->cli('summary', 'r2');
is($cli->{exit}, 0, 'testvis summary r2: exit 0 (a failed verdict is still a summary)');
is($cli->{stdout}, $r->{body}, '... printing the same Markdown');
like(summary('r2', '?max_new_failures=2')->{body}, qr/^### \xe2\x9c\x85 testvis: run \[r2\]\(#\/runs\/r2\) passed/,
    'max_new_failures=2 (as /gate takes it): passed');
like(summary('r2', '?max_new_failures=2&severity=off&min_pass_rate_pct=90')->{body},
    qr/pass rate 33% under the minimum 90% \(pass\\_rate\)\n\nRules: at most 2 new failures \xc2\xb7 integrity signals not counted \xc2\xb7 at most 0 tests fewer than the baseline \xc2\xb7 pass rate at least 90 %/,
    '... every rule as asked, said in the Rules line');
like(summary('b1')->{body}, qr/\QBranch main \E\xc2\xb7\Q job unit \E\xc2\xb7\Q no baseline (the first run of its branch and job)\E\n\n.*\| Tests \| 5 \| \xe2\x80\x94 \| \xe2\x80\x94 \|/s,
    'a first run: no baseline, dashes for its column and deltas');

# ---- a quarantined new failure alone passes ----
up('q1', 'qb', [x => 'P'], [y2 => 'P']);
up('q2', 'qb', [x => 'P'], [y2 => 'F']);
quarantine('y2');
my $body = summary('q2')->{body};
like($body, qr/^### \xe2\x9c\x85 testvis: run \[q2\]/, 'a run whose only new failure is quarantined: passed');
like($body, qr/\Q#### \E\xe2\x9d\x8c\Q New failures (1)\E\n\n- \[y2\]\([^)]+\) _\(quarantined: not counted\)_: y2 broke\n/,
    '... the failure listed as quarantined');
like($body, qr/\Q#### Quality gate: \E\xe2\x9c\x85 passed\n\nRules:/, '... the gate passed with no reasons');

# ---- an agent run that deleted tests, before and after the batch ----
up('a1', 'agent', map { ["t$_", 'P'] } 1 .. 10);
up('a2', 'agent', map { ["t$_", 'P'] } 1 .. 6);
$body = summary('a2', '?max_count_drop=4')->{body};
like($body, qr/^### \xe2\x9c\x85/, 'a2 before the batch, count drop allowed: passed ...');
like($body, qr/integrity not checked yet/, '... saying its integrity is not checked yet');
unlike($body, qr/Integrity signals/, '... no signals yet');
my $b = $inst->cli('batch', '--pass', 'integrity');
is($b->{exit}, 0, 'the batch integrity pass runs') or diag($b->{stderr});
$body = summary('a2', '?max_count_drop=4')->{body};
like($body, qr/^### \xe2\x9d\x8c testvis: run \[a2\]/, 'after the batch pass: failed');
like($body, qr/\Q#### \E\xe2\x9a\xa0\xef\xb8\x8f\Q Integrity signals (5)\E\n\n(- \*\*high\*\* test\\_removed \xc2\xb7 c\.T::t\d+: test c\.T::t\d+ vanished[^\n]*\n){4}- \*\*critical\*\* suite\\_shrink: the suite shrank from 10 to 6 tests/,
    '... listing its signals (no subject: none said)');
like($body, qr/- 5 open integrity signals of severity high or above \(signals\)\n/, '... the reason');
like($body, qr/ \xc2\xb7 integrity checked\n/, '... integrity checked');
like($body, qr/\| Tests \| 6 \| 10 \| -4 \|/, '... and the count drop in the table');

# ---- hostile names and messages ----
my $long = 'é' x 150;	# 300 bytes: cut at 200 on a character
my $msg = '<img src=x onerror=alert(1)> `rm -rf` | *bold* [l](javascript:x) ' . ('m' x 10240) . "\nsecond line";
(my $xmsg = $msg) =~ s/&/&amp;/g;
$xmsg =~ s/</&lt;/g;
$xmsg =~ s/>/&gt;/g;
$xmsg =~ s/"/&quot;/g;
$xmsg =~ s/\n/&#10;/g;
my $hostile = 'p|i`p*e_<b>[x](y)~~@team&amp;日本';
my $xml = qq{<testsuite name="s">}
    . qq{<testcase classname="c.T" name="ok" time="0.01"/>}
    . qq{<testcase classname="c.T" name="${\ ($hostile =~ s/</&lt;/gr =~ s/>/&gt;/gr)}" time="0.01"><failure message="$xmsg">x</failure></testcase>}
    . qq{<testcase classname="c.T" name="$long" time="0.01"><failure message="m">x</failure></testcase>}
    . qq{</testsuite>};
utf8::encode($xml);
up_xml($inst, 'h1', 'hostile', $xml);
$r = summary('h1');
$body = $r->{body};
ok(utf8::decode(my $text = $body), 'the summary is valid UTF-8');
like($text, qr/^- \[p\\\|i\\`p\\\*e\\_\\<b\\>\\\[x\\\]\(y\)\\~\\~\\\@team\\&日本\]\(#\/tests\/[0-9a-f]+\): /m,
    'a hostile name: every pipe, backtick, star, underscore, <, [, ~, @ and & escaped, the text kept');
unlike($text, qr/(?<!\\)<img|(?<!\\)<b>|(?<!\\)\]\(javascript/, '... no raw HTML or link survives');
my ($line) = $text =~ /^(- \[p.*)$/m;
like($line, qr/: \\<img src=x onerror=alert\(1\)\\> \\`rm -rf\\` \\\| \\\*bold\\\* \\\[l\\\]\(javascript:x\) m+\x{2026}$/,
    'its message: the first line, escaped, cut with …');
ok(length($line) < 600, '... a 10 KB message cut to a few hundred bytes (' . length($line) . ')');
unlike($text, qr/second line/, '... and only its first line');
like($text, qr/^- \[(é){100}\x{2026}\]\(#\/tests\/[0-9a-f]+\): m$/m, 'a 300-byte name cut at 200 bytes on a character, with …');

# ---- the cap ----
up('c1', 'cap', map { [sprintf('k%02d', $_), 'P'] } 1 .. 13);
up('c2', 'cap', map { [sprintf('k%02d', $_), 'F'] } 1 .. 13);
$body = summary('c2')->{body};
my @items = $body =~ /^- \[k\d\d\]/mg;
is(scalar @items, 10, 'max_failures defaults to 10 new failures shown ...');
like($body, qr/- \[k10\][^\n]*\n- \xe2\x80\xa6 and 3 more\n/, '... then "… and 3 more"');
$body = summary('c2', '?max_failures=2')->{body};
@items = $body =~ /^- \[k\d\d\]/mg;
is(scalar @items, 2, 'max_failures=2: two shown');
like($body, qr/\xe2\x80\xa6 and 11 more/, '... and 11 more');
$body = summary('c2', '?max_failures=50')->{body};
@items = $body =~ /^- \[k\d\d\]/mg;
is(scalar @items, 13, 'max_failures=50: all 13');
unlike($body, qr/ more\n/, '... and no "more"');

# ---- links: public_url, another project, a run id to encode ----
my $pub = new_instance(conf => { public_url => 'https://testvis.example.com/', gate_settle_seconds => 0 });
is($pub->cli('project', 'add', 'web')->{exit}, 0, 'project web');
my $one = '<testsuite name="s"><testcase classname="c.T" name="w" time="0.01"><failure message="w broke">x</failure></testcase></testsuite>';
up_xml($pub, 'gh/42:1', 'main', $one, '--project', 'web');
$body = summary('gh%2F42%3A1', '?project=web', 200, $pub)->{body};
my $wid = $pub->sql("SELECT test_id FROM tests WHERE name = 'w'");
like($body, qr{^### \xe2\x9d\x8c testvis: run \[gh/42:1\]\(https://testvis\.example\.com/#/runs/gh%2F42%3A1\?project=web\) failed},
    'public_url (its trailing slash dropped): absolute links, the run id percent-encoded, ?project=web');
like($body, qr{- \[w\]\(https://testvis\.example\.com/#/tests/$wid\?project=web\): w broke}, '... for tests too');
like($body, qr{\[Open the run in testvis\]\(https://testvis\.example\.com/#/runs/gh%2F42%3A1\?project=web\)\n\z},
    '... and the closing link');
$cli = $pub->cli('summary', 'gh/42:1', '--project', 'web');
is($cli->{stdout}, $body, 'testvis summary --project web: the same text');
like(summary('r2')->{body}, qr{\[Open the run in testvis\]\(#/runs/r2\)\n\z}, 'no public_url: relative #/ links, no project');
my $bad = $pub->cli({ TESTVIS_CONF => undef }, '--config', do {
	my $f = "$pub->{dir}/bad.conf";
	open(my $fh, '>', $f) or die;
	print $fh "db = $pub->{dir}/x.db\npublic_url = javascript:alert(1)\n";
	close $fh;
	$f }, 'summary', 'x');
isnt($bad->{exit}, 0, 'public_url = javascript:...: refused at load');
like($bad->{stderr}, qr/bad\.conf:2: bad value for 'public_url'/, '... naming the line and the key');

# ---- wait= ----
my $t0 = time;
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/w1/gate?wait=1');
is($r->{status}, 404, 'wait=1 for a run that never comes: 404 ...');
ok(time - $t0 >= 0.9, '... after the wait (' . sprintf('%.2f', time - $t0) . ' s)');
$t0 = time;
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/c2/gate?wait=1&max_new_failures=99');
ok(time - $t0 >= 0.9, 'wait=1 for a run the integrity pass has not judged: waits it out');
is($r->{status}, 200, '... then 200');
is($r->{json}{pass}, JSON::PP::false, '... failing: an unjudged run never passes');
is(join(' ', map { $_->{rule} } @{$r->{json}{reasons}}), 'pending', '... for the reason "pending"');
is($r->{json}{integrity_checked}, JSON::PP::false, '... integrity_checked false');
is($inst->cgi('runs', 'GET', '/api/tests/runs/c2/gate?wait=0&max_new_failures=99&fail_status=422')->{status}, 422,
    'wait=0: pending at once, fail_status=422');
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/c2/gate?max_new_failures=99');
is($r->{json}{pass}, JSON::PP::true, 'without wait= the same run passes ...');
is($r->{json}{integrity_checked}, JSON::PP::false, '... saying integrity_checked false');
like(summary('c2', '?wait=0&max_new_failures=99')->{body},
    qr/- the integrity pass has not judged this run yet \(its signals are unknown\) \(pending\)\n/,
    'the summary with wait=: the pending reason');
# a run uploaded after the request began, judged while it waits
my $child = fork // die;
if ($child == 0) {
	sleep 1;
	# a job of its own: the integrity pass compares the first run of a
	# branch with the default branch's run of its job
	$inst->ingest_cases('w1', { branch => 'wait', job => 'waitjob',
	    started_at => '2026-11-03T01:00:00Z' }, [u => 'P'], [v => 'P']);
	sleep 0.6;
	$inst->cli('batch', '--pass', 'integrity');
	POSIX::_exit(0);
}
$t0 = time;
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/w1/gate?wait=30');
my $took = time - $t0;
waitpid($child, 0);
is($r->{status}, 200, 'wait=30 for a run uploaded 1 s later and judged 0.6 s after that: 200') or diag($r->{body});
is($r->{json}{integrity_checked}, JSON::PP::true, '... judged');
is($r->{json}{pass}, JSON::PP::true, '... and passed') or diag($r->{body});
ok($took >= 1.5 && $took < 15, '... once the pass ran, not at the end of the wait (' . sprintf('%.2f', $took) . ' s)');
# the CLI
$t0 = time;
my $g = $inst->cli('gate', 'c2', '--wait', '1', '--max-new-failures', '99');
is($g->{exit}, 2, 'testvis gate takes no rule options: usage');
$inst->ingest_cases('u1', { branch => 'cli', job => 'clijob', started_at => '2026-11-03T02:00:00Z' }, [u => 'P']);
$g = $inst->cli('gate', 'u1', '--wait', '1');
is($g->{exit}, 1, 'testvis gate u1 --wait 1 (unjudged): exit 1');
like($g->{stdout}, qr/"rule":"pending"/, '... pending');
$b = $inst->cli('batch', '--pass', 'integrity');
$g = $inst->cli('gate', 'u1', '--wait', '5');
is($g->{exit}, 0, 'testvis gate u1 --wait 5 once judged: exit 0');
like($g->{stdout}, qr/"integrity_checked":true/, '... checked');
is($inst->cli('gate', 'a2', '--wait', '301')->{exit}, 2, '--wait 301: usage');
# settle: a judged run waits for its newest shard to be this old
my $settle = $inst->sibling(conf => { gate_settle_seconds => 2 });
up('s1', 'settle', [s => 'P']);
$inst->cli('batch', '--pass', 'integrity');
$t0 = time;
$r = $settle->cgi('runs', 'GET', '/api/tests/runs/s1/gate?wait=10');
$took = time - $t0;
is($r->{json}{integrity_checked}, JSON::PP::true, 'gate_settle_seconds = 2: a judged run ...');
ok($took >= 1 && $took < 5, '... is answered once its newest shard is 2 s old (' . sprintf('%.2f', $took) . ' s)');

# ---- bad requests ----
summary('nope', '', 404);
summary('nope', '?wait=1', 404);
for my $q (qw(wait=301 wait=-1 wait=x max_failures=0 max_failures=51 fail_status=422 nope=1 severity=bad)) {
	my $x = $inst->cgi('runs', 'GET', "/api/tests/runs/r2/summary.md?$q");
	is($x->{status}, 400, "summary.md?$q: 400");
	(my $k = $q) =~ s/=.*//;
	like($x->{body}, qr/\Q$k\E/, "... naming $k");
}
for my $q (qw(wait=301 wait=-1 wait=1.5)) {
	is($inst->cgi('runs', 'GET', "/api/tests/runs/r2/gate?$q")->{status}, 400, "gate?$q: 400");
}
is($inst->cli('summary', 'nope')->{exit}, 1, 'testvis summary of an unknown run: exit 1');
is($inst->cli('summary')->{exit}, 2, 'testvis summary without a run: usage');

done_testing();
