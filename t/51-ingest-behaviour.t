#!/usr/bin/perl
# Ingest behaviour (ING-3..7, I-1..3): body forms, metadata precedence,
# shards, idempotency, retries, rollups, incidents, events, overrides.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use IO::Compress::Gzip qw(gzip);
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open' });
sub sql { my ($i, $q) = @_; return $i->sql($q) }
sub post { my ($i, $qs, $body, $ct, %o) = @_;
	return $i->cgi('ingest', 'POST', "/api/tests/ingest$qs", body => $body,
	    content_type => $ct // 'application/xml', %o) }

my $xml = sub { my ($ts, @cases) = @_;
	my $s = qq{<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="s"}
	    . ($ts ? qq{ timestamp="$ts"} : '') . '>';
	for my $c (@cases) {
		my ($name, $st) = @$c;
		$s .= qq{<testcase classname="pkg.T" name="$name" time="0.5">};
		$s .= qq{<failure message="boom $name" type="AssertionError">at x.py:12</failure>} if $st eq 'F';
		$s .= qq{<error message="err"/>} if $st eq 'E';
		$s .= qq{<skipped/>} if $st eq 'S';
		$s .= '</testcase>';
	}
	return $s . '</testsuite></testsuites>';
};

# --- raw XML with query metadata ---
my $r = post($inst, '?run_id=r1&branch=main&git_sha=abc123&session_id=sess-1&triggered_by=ci&ci_url=https%3A%2F%2Fci%2F1&env_fingerprint=linux',
    $xml->('2024-05-01T12:00:00Z', ['a', 'P'], ['b', 'F'], ['c', 'S'], ['p[1-2]', 'P']));
is($r->{status}, 201, 'raw XML is created');
is_deeply($r->{json}{counts}, { tests => 4, passed => 2, failed => 1, errors => 0, skipped => 1, flaky => 0 }, 'counts');
is($r->{json}{new_tests}, 4, 'all tests new');
is($r->{json}{run_id}, 'r1', 'run id echoed');
is($r->{json}{links}{run}, '/api/tests/runs/r1?project=default', 'links to the run');
is(sql($inst, 'SELECT branch, git_sha, session_id, triggered_by, ci_url, env_fingerprint, started_at, status FROM runs'),
    'main|abc123|sess-1|ci|https://ci/1|linux|1714564800000|failed', 'run metadata stored; started_at from the XML');
is(sql($inst, "SELECT base_name, params FROM tests WHERE name = 'p[1-2]'"), 'p|1-2', 'parameterized name split');
is(sql($inst, "SELECT last_status, recent, CASE WHEN open_incident IS NOT NULL THEN 1 ELSE 0 END FROM tests JOIN test_stats ON test_stats.test = tests.id WHERE name = 'b'"), 'failed|F|1', 'rollup of a failure');
is(sql($inst, "SELECT count(*), min(branch) FROM incidents WHERE closed_at IS NULL"), '1|main', 'an incident opened on main');
like(sql($inst, "SELECT fingerprint FROM results WHERE status = 1"), qr/^[0-9a-f]{12}$/, 'failures get a fingerprint');
is(sql($inst, "SELECT message FROM result_texts t JOIN tests d ON d.id = t.test WHERE d.name = 'b'"), 'boom b', 'message stored');
is(sql($inst, "SELECT run_count, test_count, last_run_at FROM projects WHERE slug = 'default'"), '1|4|1714564800000', 'project counters');

# --- second run: b passes (incident closes), a fails, d is new ---
$r = post($inst, '?run_id=r2&branch=main&started_at=2024-05-02T12:00:00Z',
    $xml->('2024-05-09T00:00:00Z', ['a', 'F'], ['b', 'P'], ['c', 'S'], ['p[1-2]', 'P'], ['d', 'P']));
is($r->{json}{new_tests}, 1, 'one new test counted');
is(sql($inst, "SELECT started_at FROM runs WHERE run_id = 'r2'"), '1714651200000', 'started_at parameter beats the XML');
is(sql($inst, "SELECT recent, last_status, runs_count, passed_count, failed_count FROM tests JOIN test_stats ON test_stats.test = tests.id WHERE name = 'b'"),
    'FP|passed|2|1|1', 'rollup window and counters after two runs');
is(sql($inst, "SELECT count(*) FROM incidents WHERE closed_at IS NOT NULL AND closed_run = (SELECT id FROM runs WHERE run_id = 'r2')"),
    '1', 'the passing run closed the incident');
is(sql($inst, "SELECT failure_count FROM incidents WHERE closed_at IS NULL"), '1', 'a new incident for a');
is(sql($inst, "SELECT " . $inst->agg('kind', ',', 'id') . " FROM (SELECT kind, id FROM events ORDER BY id) AS e"),
    'incident_opened,run_ingested,incident_closed,incident_opened,run_ingested', 'events written in order');
is(sql($inst, "SELECT p50_ms FROM tests JOIN test_stats ON test_stats.test = tests.id WHERE name = 'a'"), '500', 'p50 duration kept');

# --- a third failing run on another branch opens a separate incident ---
post($inst, '?run_id=r3&branch=dev', $xml->(undef, ['a', 'F']));
is(sql($inst, "SELECT count(*) FROM incidents WHERE closed_at IS NULL"), '2', 'incidents are per branch');
post($inst, '?run_id=r4&branch=main', $xml->(undef, ['a', 'F']));
is(sql($inst, "SELECT failure_count FROM incidents WHERE branch = 'main' AND closed_at IS NULL"), '2', 'a further failure counts into the open incident');

# --- idempotency (I-3) ---
$r = post($inst, '?run_id=r1&branch=other', $xml->(undef, ['zzz', 'P']));
is($r->{status}, 200, 'same (run_id, shard) is a duplicate');
is($r->{json}{status}, 'skipped', 'duplicate says skipped');
is($r->{json}{counts}{tests}, 4, 'duplicate answers the stored counts');
is(sql($inst, "SELECT count(*) FROM tests WHERE name = 'zzz'"), '0', 'a duplicate stores nothing');
my $body = $xml->(undef, ['solo', 'P']);
$r = post($inst, '', $body);
like($r->{json}{run_id}, qr/^[0-9a-f]{32}$/, 'without run_id the id comes from the content');
my $derived = $r->{json}{run_id};
$r = post($inst, '', $body);
is($r->{json}{status}, 'skipped', 're-posting the same file is skipped');
is($r->{json}{run_id}, $derived, 'with the same derived run id');

# --- shards (ING-4) ---
$r = post($inst, '?run_id=s1&shard=1', $xml->(undef, ['x1', 'P'], ['both', 'F']));
is($r->{json}{shard}, '1', 'shard echoed');
$r = post($inst, '?run_id=s1&shard=2', $xml->(undef, ['x2', 'F'], ['both', 'P']));
is($r->{status}, 201, 'second shard appends');
is(sql($inst, "SELECT tests, passed, failed, shards FROM runs WHERE run_id = 's1'"), '3|2|1|2', 'run counts sum over shards');
is(sql($inst, "SELECT r.attempts, r.status, r.flaky_in_run FROM results r JOIN tests t ON t.id = r.test JOIN runs u ON u.id = r.run WHERE t.name = 'both' AND u.run_id = 's1'"),
    '2|0|1', 'a test in two shards merges as attempts (failed then passed: flaky)');
is(sql($inst, "SELECT runs_count FROM tests JOIN test_stats ON test_stats.test = tests.id WHERE name = 'both'"), '1', 'a merged test counts one run');
$r = post($inst, '?run_id=s1&shard=2', $xml->(undef, ['x2', 'P']));
is($r->{json}{status}, 'skipped', 'same shard again is a duplicate');

# --- retries inside one report ---
$r = post($inst, '?run_id=retry', $xml->(undef, ['t', 'F'], ['t', 'F'], ['t', 'P'], ['u', 'P'], ['u', 'F']));
is_deeply([@{$r->{json}{counts}}{qw(tests passed failed flaky)}], [2, 1, 1, 1], 'repeated testcases are one result each');
is(sql($inst, "SELECT t.name, r.attempts, r.status, r.flaky_in_run FROM results r JOIN tests t ON t.id = r.test JOIN runs u ON u.id = r.run WHERE u.run_id = 'retry' ORDER BY t.name"),
    "t|3|0|1\nu|2|1|0", 'last attempt wins; failed-then-passed is flaky');

# --- a report larger than one write batch (8192 testcases): the parser
# and the writer thread hand batches over; a retry split across batches
# still merges ---
{
	my $big = '<testsuite><testcase classname="big" name="dup"><failure message="first"/></testcase>'
	    . join('', map { qq{<testcase classname="big" name="t$_"/>} } 1 .. 20000)
	    . '<testcase classname="big" name="dup"/></testsuite>';
	$r = post($inst, '?run_id=big', $big);
	is($r->{status}, 201, 'a report of three batches is created');
	is_deeply([@{$r->{json}{counts}}{qw(tests passed failed flaky)}], [20001, 20001, 0, 1], 'every testcase counted once');
	is(sql($inst, "SELECT count(*) FROM results r JOIN runs u ON u.id = r.run WHERE u.run_id = 'big'"), '20001', 'all results stored');
	is(sql($inst, "SELECT r.attempts, r.flaky_in_run FROM results r JOIN tests t ON t.id = r.test JOIN runs u ON u.id = r.run WHERE u.run_id = 'big' AND t.name = 'dup'"),
	    '2|1', 'a retry in the last batch merges with the first attempt in the first');
}

# --- gzip, as Content-Encoding or by magic ---
gzip(\($xml->(undef, ['gz', 'P'])) => \my $gz);
$r = post($inst, '?run_id=gz1', $gz, 'application/gzip');
is($r->{status}, 201, 'a gzip body is read');
is($r->{json}{counts}{tests}, 1, 'gzip counts');
$r = post($inst, '?run_id=gz2', $gz, 'application/xml', headers => { 'Content-Encoding' => 'gzip' });
is($r->{status}, 201, 'Content-Encoding: gzip is read');
is_deeply([@{$r->{json}{counts}}{qw(tests passed failed)}], [1, 1, 0], 'issue 11: Content-Encoding: gzip counts');
is(sql($inst, "SELECT t.classname, t.name, r.status, r.duration_ms FROM results r JOIN tests t ON t.id = r.test JOIN runs u ON u.id = r.run WHERE u.run_id = 'gz2'"),
    'pkg.T|gz|0|500', 'issue 11: Content-Encoding: gzip stores the decompressed report\'s result');
is(sql($inst, "SELECT tests, passed FROM runs WHERE run_id = 'gz2'"), '1|1', 'and its run');

# --- JSON IngestRunRequest ---
$r = post($inst, '', encode_json({ run_id => 'j1', branch => 'main', junit_xml => $xml->(undef, ['jx', 'P']),
    results => [{ classname => 'api', name => 'jr', status => 'failed', duration_ms => 12, message => 'bad', tags => ['slow'], owner => 'ann' }] }),
    'application/json');
is($r->{status}, 201, 'JSON request created') or diag $r->{body};
is($r->{json}{counts}{tests}, 2, 'junit_xml and results both stored');
is(sql($inst, "SELECT tags, owner FROM tests WHERE name = 'jr'"), 'slow|ann', 'tags and owner from results');
$r = post($inst, '', encode_json({ results => [{ name => 'ok', status => 'passed' }, { name => 'bad', status => 'exploded' }] }), 'application/json');
is($r->{status}, 400, 'negative: an invalid results element is 400');
like($r->{json}{error}{message}, qr/results\[1\]\.status/, 'negative: the element and field are named');
$r = post($inst, '', '{"results": [', 'application/json');
is($r->{json}{error}{code}, 'invalid_json', 'negative: broken JSON is invalid_json');
$r = post($inst, '', encode_json({ run_id => 'j2' }), 'application/json');
is($r->{status}, 400, 'negative: a JSON request without junit_xml or results is 400');
$r = post($inst, '', encode_json({ junit_xml => $xml->(undef, ['q', 'P']), colour => 'red' }), 'application/json');
like($r->{json}{error}{message}, qr/unknown meta field 'colour'/, 'negative: an unknown field is named');

# --- multipart with meta and diff; precedence request > sidecar > XML ---
my $b = 'XyZ';
my $mp = "--$b\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n"
    . encode_json({ run_id => 'm1', branch => 'from-meta', git_sha => 'meta-sha', started_at => '2024-06-01T00:00:00Z',
        changed_files => ['tests/test_a.py'], tests => { 'pkg.T::ma' => { owner => 'bob', feature => 'cart/checkout', tags => ['smoke'] } } })
    . "\r\n--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.xml\"\r\n\r\n"
    . $xml->('2020-01-01T00:00:00Z', ['ma', 'P'], ['mb', 'P'])
    . "\r\n--$b\r\nContent-Disposition: form-data; name=\"diff\"\r\n\r\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
    . "\r\n--$b--\r\n";
$r = post($inst, '?branch=from-param', $mp, "multipart/form-data; boundary=$b");
is($r->{status}, 201, 'multipart with meta and diff') or diag $r->{body};
is($r->{json}{run_id}, 'm1', 'run id from the meta part');
is(sql($inst, "SELECT branch, git_sha, started_at FROM runs WHERE run_id = 'm1'"),
    'from-param|meta-sha|1717200000000', 'request beats sidecar beats XML');
is(sql($inst, "SELECT owner, feature_hint, tags FROM tests WHERE name = 'ma'"), 'bob|cart/checkout|smoke', 'per-test overrides applied');
like(sql($inst, "SELECT diff FROM run_shards s JOIN runs r ON r.id = s.run WHERE r.run_id = 'm1'"), qr/^--- a\/x/, 'diff stored for the integrity pass');
# issue 11: overrides keyed by test_id (ING-5), next to one keyed by name
my $mb_id = sql($inst, "SELECT test_id FROM tests WHERE name = 'mb'");
like($mb_id, qr/^[0-9a-f]{16}$/, 'mb has a test_id');
$r = post($inst, '?run_id=m2', "--$b\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n"
    . encode_json({ tests => { $mb_id => { owner => 'carol', feature => 'search/index', tags => ['nightly', 'db'] },
        'pkg.T::ma' => { owner => 'dave' }, ffffffffffffffff => { owner => 'nobody' } } })
    . "\r\n--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.xml\"\r\n\r\n"
    . $xml->(undef, ['ma', 'P'], ['mb', 'P']) . "\r\n--$b--\r\n", "multipart/form-data; boundary=$b");
is($r->{status}, 201, 'a sidecar with overrides keyed by test_id') or diag $r->{body};
is(sql($inst, "SELECT owner, feature_hint, tags FROM tests WHERE name = 'mb'"), 'carol|search/index|nightly,db',
    'issue 11: per-test overrides keyed by test_id applied');
is(sql($inst, "SELECT owner, feature_hint, tags FROM tests WHERE name = 'ma'"), 'dave|cart/checkout|smoke',
    'the one keyed by name too, keeping the fields it does not name');
is(sql($inst, "SELECT count(*) FROM tests WHERE owner = 'nobody' OR test_id = 'ffffffffffffffff'"), '0',
    'a test_id that names no test creates nothing');
is(sql($inst, "SELECT changed_files FROM run_shards s JOIN runs r ON r.id = s.run WHERE r.run_id = 'm1'"), '["tests/test_a.py"]', 'changed files stored');

# a meta part after the file still names the run (late run id)
$mp = "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.xml\"\r\n\r\n"
    . $xml->(undef, ['late', 'P']) . "\r\n--$b\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n"
    . encode_json({ run_id => 'late-run', shard => 'k' }) . "\r\n--$b--\r\n";
$r = post($inst, '', $mp, "multipart/form-data; boundary=$b");
is_deeply([$r->{json}{run_id}, $r->{json}{shard}], ['late-run', 'k'], 'a late meta part still sets run id and shard');
is(sql($inst, "SELECT count(*) FROM runs WHERE run_id LIKE 'pending-%'"), '0', 'no provisional run is left behind');
$r = post($inst, '', $mp, "multipart/form-data; boundary=$b");
is($r->{json}{status}, 'skipped', 'and re-posting it is a duplicate');

# a late run id naming an existing run appends as a shard
$mp =~ s/"shard":"k"/"shard":"k2"/;
$r = post($inst, '', $mp, "multipart/form-data; boundary=$b");
is($r->{status}, 201, 'a late run id of a known run appends a shard');
is(sql($inst, "SELECT shards, tests FROM runs WHERE run_id = 'late-run'"), '2|1', 'merged into the existing run');

$r = post($inst, '', "--$b\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{}\r\n--$b--\r\n", "multipart/form-data; boundary=$b");
is($r->{status}, 400, 'negative: multipart without a file part is 400');
$r = post($inst, '', "--$b\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nx\r\n--$b--\r\n", "multipart/form-data; boundary=$b");
like($r->{json}{error}{message}, qr/unknown form field 'photo'/, 'negative: unknown form field named');
$r = post($inst, '', "garbage", "multipart/form-data");
is($r->{json}{error}{code}, 'invalid_multipart', 'negative: multipart without boundary');
$r = post($inst, '', "--$b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n<testsuite>", "multipart/form-data; boundary=$b");
is($r->{status}, 400, 'negative: a multipart body cut inside a part is 400');

# the CLI picks up NAME.meta.json beside NAME.xml
my $d = tv_scratch();
open(my $fh, '>', "$d/side.xml") or die; print $fh $xml->(undef, ['sidecar_t', 'P']); close $fh;
open($fh, '>', "$d/side.meta.json") or die; print $fh encode_json({ run_id => 'cli-side', branch => 'feature-x' }); close $fh;
$r = $inst->cli('ingest', '--git-sha', 'cafe01', "$d/side.xml");
is(decode_json($r->{stdout})->{run_id}, 'cli-side', 'CLI reads the sidecar');
is(sql($inst, "SELECT branch, git_sha FROM runs WHERE run_id = 'cli-side'"), 'feature-x|cafe01', 'CLI option beats sidecar');
open($fh, '>', "$d/bad.xml") or die; print $fh '<testsuite><testcase'; close $fh;
$r = $inst->cli('ingest', "$d/bad.xml");
is($r->{exit}, 1, 'negative: CLI exits 1 on bad input');
is(decode_json($r->{stdout})->{error}{code}, 'invalid_xml', 'negative: CLI prints the error as JSON');
$r = $inst->cli('ingest', '--run-id', 'bad id', "$d/side.xml");
is($r->{exit}, 1, 'negative: an invalid --run-id exits 1');
$r = $inst->cli('ingest');
is($r->{exit}, 2, 'negative: ingest without files is a usage error');

done_testing();
