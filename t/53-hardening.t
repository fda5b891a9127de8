#!/usr/bin/perl
# Issue 11: defects found by hostile testing, each with a test that names
# it.  Every answer here must be a JSON 4xx (or 2xx) from a process that
# ran cleanly: TV::check_process fails the file on a signal (abort) or a
# sanitizer report.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Encode qw(decode FB_CROAK);
use TV;

my $inst = new_instance();
my $ingest = $inst->token('default', 'ingest');
my $admin = $inst->token('default', 'admin');
sub sql { my ($q) = @_; return $inst->sql($q) }
sub valid_utf8 { my ($s) = @_; return eval { decode('UTF-8', $s, FB_CROAK); 1 } ? 1 : 0 }
sub json_error { my ($r, $status, $code, $what) = @_;
	is($r->{status}, $status, "$what: status $status");
	is($r->{json}{error}{code}, $code, "$what: code $code");
	ok(valid_utf8($r->{body}), "$what: the body is valid UTF-8");
}

# --- item 1: invalid UTF-8 in an error message aborted the process -------
my $r = $inst->cgi('ingest', 'POST', '/api/tests/ingest', body => 'x',
    content_type => "text/\xe9");
json_error($r, 415, 'unsupported_media_type', 'item 1: non-UTF-8 Content-Type without a token');
like($r->{json}{error}{message}, qr/text\/\x{fffd}/, 'item 1: the bad byte is shown as U+FFFD');

$r = $inst->cgi('tests', 'PUT', '/api/tests/0123456789abcdef/state', body => '{}',
    content_type => "application/\xe9\xff", headers => { Authorization => "Bearer $admin" });
json_error($r, 415, 'unsupported_media_type', 'item 1: non-UTF-8 Content-Type on PUT state');
$r = $inst->cgi('features', 'POST', '/api/tests/aliases', body => '{}',
    content_type => "application/\xc3", headers => { Authorization => "Bearer $admin" });
json_error($r, 415, 'unsupported_media_type', 'item 1: non-UTF-8 Content-Type on POST aliases');
$r = $inst->cgi('integrity', 'POST', '/api/tests/integrity/alerts/1', body => '{}',
    content_type => "\xf0\x9f", headers => { Authorization => "Bearer $admin" });
json_error($r, 415, 'unsupported_media_type', 'item 1: non-UTF-8 Content-Type on POST alerts');

my $xml = '<testsuite name="s"><testcase classname="c" name="t"/></testsuite>';
my $b = 'XyZzY';
my $mp = "--$b\r\nContent-Disposition: form-data; name=\"f\xe9\xe9\"; filename=\"a.xml\"\r\n"
    . "Content-Type: application/xml\r\n\r\n$xml\r\n--$b--\r\n";
$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest', body => $mp,
    content_type => "multipart/form-data; boundary=$b", headers => { Authorization => "Bearer $ingest" });
json_error($r, 400, 'invalid_multipart', 'item 1: a non-UTF-8 multipart part name');
like($r->{json}{error}{message}, qr/f\x{fffd}\x{fffd}/, 'item 1: the part name is shown repaired');

$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest', body => $xml,
    content_type => 'application/xml', headers => { Authorization => "Bearer $ingest",
    'Content-Encoding' => "gz\xe9ip" });
json_error($r, 415, 'unsupported_media_type', 'item 1: a non-UTF-8 Content-Encoding');

# a root element named with 30 CJK characters (90 bytes): "%.64s" cut one
my $cjk = "\xe4\xb8\xad" x 30;
$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest', body => "<$cjk/>",
    content_type => 'application/xml', headers => { Authorization => "Bearer $ingest" });
json_error($r, 400, 'not_junit', 'item 1: a long CJK root element');
my $shown = ($r->{json}{error}{message} =~ /<([^>]*)>/)[0] // '';
is($shown, "\x{4e2d}" x 21, 'item 1: the name is cut on a character boundary (21 whole characters)');
is(sql('SELECT count(*) FROM runs'), '0', 'item 1: nothing stored');

my $dir = tv_scratch();
open(my $fh, '>', "$dir/cjk.xml") or die; print $fh "<$cjk/>"; close $fh;
my $c = $inst->cli('ingest', "$dir/cjk.xml");
is($c->{exit}, 1, 'item 1: the CLI exits 1 for it');
my $cj = decode_json_safe($c->{stdout});
is($cj->{error}{code} // '', 'not_junit', 'item 1: the CLI prints the error, not {}');

# --- item 6: repeated part headers leaked --------------------------------
for my $hdr ('Content-Type: application/xml', 'Content-Disposition: form-data; name="file"') {
	my $body = "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xml\"\r\n"
	    . "Content-Type: application/xml\r\n$hdr\r\n\r\n$xml\r\n--$b--\r\n";
	$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest', body => $body,
	    content_type => "multipart/form-data; boundary=$b", headers => { Authorization => "Bearer $ingest" });
	my ($name) = $hdr =~ /^([^:]+)/;
	json_error($r, 400, 'invalid_multipart', "item 6: a part repeating $name");
	like($r->{json}{error}{message}, qr/repeats its \Q$name\E header/, "item 6: the message names $name");
}
is(sql('SELECT count(*) FROM runs'), '0', 'item 6: nothing stored');

# --- item 3: identity fields had no cap ------------------------------------
sub ingest_xml { my ($body, $qs) = @_;
	return $inst->cgi('ingest', 'POST', '/api/tests/ingest' . ($qs // ''), body => $body,
	    content_type => 'application/xml', headers => { Authorization => "Bearer $ingest" }) }
my $short = 'n' x 1000;
my $huge = 'N' x (8 * 1024 * 1024);
$r = ingest_xml(qq{<testsuite name="S"><testcase classname="c3" name="$short"/>}
    . qq{<testcase classname="c3" name="${huge}A"/><testcase classname="c3" name="${huge}B"/>}
    . qq{<testcase classname="c3" name="short" file="} . ('f' x 5000) . qq{"/></testsuite>}, '?run_id=names-1');
is($r->{status}, 201, 'item 3: a report with an 8 MB name lands');
is($r->{json}{counts}{tests}, 4, 'item 3: every testcase is kept');
ok((grep { /over 1024 bytes, cut/ } @{$r->{json}{warnings}}), 'item 3: the answer warns about the cut names')
    or diag explain $r->{json}{warnings};
my $bytes = $inst->engine eq 'postgresql' ? sub { "octet_length($_[0])" } :
    sub { "length(CAST($_[0] AS BLOB))" };
is(sql("SELECT max(" . $bytes->('name') . ") FROM tests"), '1024', 'item 3: no stored name is over 1024 bytes');
is(sql("SELECT max(" . $bytes->('file') . ") FROM tests"), '1024', 'item 3: no stored file is over 1024 bytes');
is(sql("SELECT count(DISTINCT test_id) FROM tests WHERE substr(name, 1, 3) = 'NNN'"), '2',
    'item 3: two long names that differ after the cut stay two tests');
like(sql("SELECT name FROM tests WHERE substr(name, 1, 3) = 'NNN' LIMIT 1"), qr/\x{e2}\x{80}\x{a6}\[cut, sha256:[0-9a-f]{12}\]$/,
    'item 3: a cut name ends with the marker and a hash of the whole name');
{
	use Digest::SHA qw(sha256_hex);
	my $want = substr(sha256_hex("default\nc3\n$short"), 0, 16);
	is(sql("SELECT test_id FROM tests WHERE name = '$short'"), $want,
	    'item 3: a name under the cap keeps its test_id (I-4)');
}
$r = $inst->cgi('tests', 'GET', '/api/tests?limit=500');
ok(length($r->{body}) < 100_000, 'item 3: the catalogue answer stays small (' . length($r->{body}) . ' bytes)');

# --- item 4: the server rejected its own cursor -----------------------------
my $long = join('', map { chr(0x4e00 + $_) } 1 .. 340);	# 1,020 bytes of CJK
utf8::encode($long);
my $many = join('', map { qq{<testcase classname="c4" name="$long $_"/>} } 1 .. 5);
$r = ingest_xml("<testsuite>$many</testsuite>", '?run_id=names-2');
is($r->{status}, 201, 'item 4: long CJK names land');
my (%seen, $pages);
my $uri = '/api/tests?sort=name&limit=2';
while (defined $uri && ++$pages <= 10) {
	$r = $inst->cgi('tests', 'GET', $uri);
	last unless is($r->{status}, 200, "item 4: page $pages of the catalogue sorted by name is 200");
	$seen{$_->{test_id}}++ for @{$r->{json}{tests}};
	my $c = $r->{json}{next_cursor};
	ok(!defined $c || length($c) < 200, "item 4: page $pages: the cursor is compact") if defined $c;
	$uri = defined $c ? "/api/tests?sort=name&limit=2&cursor=$c" : undef;
}
is(scalar(keys %seen), sql('SELECT count(*) FROM tests'), 'item 4: the pages cover every test once');
ok(!(grep { $_ > 1 } values %seen), 'item 4: no test appears on two pages');

# --- item 5: a text node over 10 MB rejected the report --------------------
my $big = 'o' x (12 * 1000 * 1000);
$r = ingest_xml(qq{<testsuite><testcase classname="c5" name="big"><failure message="m"/>}
    . qq{<system-out>$big</system-out></testcase><testcase classname="c5" name="after"/></testsuite>}, '?run_id=big-out');
is($r->{status}, 201, 'item 5: a 12 MB <system-out> is accepted');
is($r->{json}{counts}{tests}, 2, 'item 5: and the testcase after it is read');
is($r->{json}{counts}{failed}, 1, 'item 5: the failure is kept');
my $out = sql("SELECT length(stdout) FROM result_texts x JOIN tests t ON t.id = x.test WHERE t.name = 'big'");
ok($out > 0 && $out < 70_000, "item 5: the stored stdout is cut to max_text_bytes ($out bytes)");
like(sql("SELECT " . ($inst->engine eq 'postgresql' ? 'right(stdout, 40)' : 'substr(stdout, -40)') . " FROM result_texts x JOIN tests t ON t.id = x.test WHERE t.name = 'big'"),
    qr/truncated \d+ bytes\]$/, 'item 5: with the truncation marker');
$r = ingest_xml(qq{<testsuite><testcase classname="c5" name="cdata"><system-err><![CDATA[$big]]></system-err></testcase></testsuite>},
    '?run_id=big-cdata');
is($r->{status}, 201, 'item 5: a 12 MB CDATA section is accepted too');
undef $big;

# --- item 10: nameless testcases were dropped -------------------------------
$r = ingest_xml(q{<testsuite name="S10"><testcase classname="c10" name="first"/>}
    . q{<testcase classname="c10"><failure message="boom"/></testcase>}
    . q{<testcase classname="c10" name=""/></testsuite>}, '?run_id=nameless-1');
is($r->{status}, 201, 'item 10: a report with nameless testcases lands');
is($r->{json}{counts}{tests}, 3, 'item 10: every testcase is kept');
is($r->{json}{counts}{failed}, 1, 'item 10: the nameless failure is not lost');
ok((grep { /without a name are stored as/ } @{$r->{json}{warnings}}), 'item 10: with a warning');
is(sql('SELECT ' . $inst->agg('name', '|', 'name') . q{ FROM (SELECT name FROM tests WHERE classname = 'c10' ORDER BY name) AS n}),
    '(unnamed testcase 2)|(unnamed testcase 3)|first', 'item 10: named after their position in the suite');
my $id10 = sql(q{SELECT test_id FROM tests WHERE classname = 'c10' AND name = '(unnamed testcase 2)'});
$r = ingest_xml(q{<testsuite name="S10"><testcase classname="c10" name="first"/>}
    . q{<testcase classname="c10"/><testcase classname="c10" name=""/></testsuite>}, '?run_id=nameless-2');
is(sql(q{SELECT count(*) FROM tests WHERE classname = 'c10'}), '3', 'item 10: the next run finds the same tests');
is(sql('SELECT ' . $inst->agg('status', ',', 'run') . qq{ FROM (SELECT r.status, r.run FROM results r JOIN tests t ON t.id = r.test WHERE t.test_id = '$id10' ORDER BY r.run) AS h}),
    '1,0', 'item 10: the synthesized test has a history (failed, then passed)');

# --- item 13: repeated testcases were always read as retries ----------------
my $testng = q{<testsuite name="TestNG"><testcase classname="p.DataTest" name="notTwo" time="0.01"/>}
    . q{<testcase classname="p.DataTest" name="notTwo" time="0.01"><failure message="expected [2] but found [3]"/></testcase>}
    . q{<testcase classname="p.DataTest" name="notTwo" time="0.01"/></testsuite>};
$r = ingest_xml($testng, '?run_id=testng-retries');
is($r->{status}, 201, 'item 13: under retries (the default) the report lands');
is($r->{json}{counts}{tests}, 1, 'item 13: retries: one test');
is($r->{json}{repeats}{mode}, 'retries', 'item 13: the answer names the mode');
is($r->{json}{repeats}{retried_failures}, 1, 'item 13: retries: the failed attempt is counted in the answer');
ok((grep { /repeats=variants/ } @{$r->{json}{warnings}}), 'item 13: retries: the warning suggests repeats=variants');
is(sql(q{SELECT x.message FROM result_texts x JOIN runs u ON u.id = x.run WHERE u.run_id = 'testng-retries'}),
    'expected [2] but found [3]', 'item 13: retries: the failed attempt\'s message stays visible in the run');

$r = ingest_xml($testng, '?run_id=testng-variants&repeats=variants');
is($r->{status}, 201, 'item 13: repeats=variants lands');
is($r->{json}{counts}{tests}, 3, 'item 13: variants: three tests');
is($r->{json}{counts}{failed}, 1, 'item 13: variants: the failing parameter shows as failed');
is($r->{json}{repeats}{variants}, 2, 'item 13: variants: two repeats became variants');
is(sql('SELECT ' . $inst->agg('v', ' ', 'name') . q{ FROM (SELECT t.name || '=' || r.status AS v, t.name FROM results r JOIN tests t ON t.id = r.test JOIN runs u ON u.id = r.run WHERE u.run_id = 'testng-variants' ORDER BY t.name) AS s}),
    'notTwo=0 notTwo[#2]=1 notTwo[#3]=0', 'item 13: variants have stable suffixes');
is(sql(q{SELECT count(DISTINCT base_name) FROM tests WHERE classname = 'p.DataTest'}), '1', 'item 13: variants share base_name');
$r = ingest_xml($testng, '?run_id=testng-variants-2&repeats=variants');
is(sql(q{SELECT count(*) FROM tests WHERE classname = 'p.DataTest'}), '3', 'item 13: the next upload maps to the same variant tests');

$r = ingest_xml($testng, '?run_id=testng-bad&repeats=sometimes');
json_error($r, 400, 'invalid_param', 'item 13: negative: an unknown repeats mode');
is($r->{json}{error}{details}{param}, 'repeats', 'item 13: negative: the parameter is named');

# through the sidecar of a multipart upload, and the CLI flag
my $mp13 = "--$b\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n"
    . qq{{"run_id":"testng-mp","repeats":"variants"}\r\n}
    . "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.xml\"\r\n\r\n$testng\r\n--$b--\r\n";
$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest', body => $mp13,
    content_type => "multipart/form-data; boundary=$b", headers => { Authorization => "Bearer $ingest" });
is($r->{json}{counts}{tests}, 3, 'item 13: repeats in the sidecar is honoured');
open($fh, '>', "$dir/testng.xml") or die; print $fh $testng; close $fh;
$c = $inst->cli('ingest', '--run-id', 'testng-cli', '--repeats', 'variants', "$dir/testng.xml");
is($c->{exit}, 0, 'item 13: the CLI takes --repeats');
is(decode_json_safe($c->{stdout})->{counts}{tests}, 3, 'item 13: --repeats variants gives three tests');

# --- item 2: the JSON form built the whole tree (13x the body) -------------
{
	my $n = 100_000;
	my $body = '{"run_id":"json-100k","results":['
	    . join(',', map { sprintf('{"classname":"C%d","name":"t%d","status":"%s"}',
	    $_ % 1000, $_, $_ % 10 ? 'passed' : 'failed') } 0 .. $n - 1)
	    . '],"branch":"main"}';
	# a fresh database, so the figure is this request's own
	my $fresh = new_instance(conf => { auth_ingest => 'open' });
	$r = $fresh->cgi('ingest', 'POST', '/api/tests/ingest', body => $body,
	    content_type => 'application/json', peak_rss => 1);
	is($r->{status}, 201, "item 2: a JSON body of $n results (" . length($body) . ' bytes) lands');
	is($r->{json}{counts}{tests}, $n, "item 2: with $n tests");
	is($r->{json}{counts}{failed}, $n / 10, 'item 2: and its failures');
	SKIP: {
		skip 'memory figures need a plain build', 1 unless tv_plain_build();
		# before: 117 MB; the tree alone took 13x the body
		ok($r->{peak_rss_kb} > 0 && $r->{peak_rss_kb} < 90_000,
		    "item 2: peak RSS stays bounded ($r->{peak_rss_kb} kB)");
	}
	# members in any order; the metadata after the results still counts
	$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest',
	    body => '{"results":[{"name":"a","status":"passed"}],"run_id":"json-late-meta","branch":"late"}',
	    content_type => 'application/json', headers => { Authorization => "Bearer $ingest" });
	is($r->{json}{run_id}, 'json-late-meta', 'item 2: metadata after results is read');
	is(sql(q{SELECT branch FROM runs WHERE run_id = 'json-late-meta'}), 'late', 'item 2: and stored');
	for my $bad (['{"results":[{"name":"a","status":"passed"},]}', 'a trailing comma in results'],
	    ['{"run_id":"x","run_id":"y","results":[]}', 'a duplicate key'],
	    ['{"results":[{"name":"a","status":"passed"}] trailing', 'text after the object'],
	    ['{"results":[{"name":"a","status":"passed","name":"b"}]}', 'a duplicate key in an element'],
	    ['{"results":[{"name":"a","status":"passed"}', 'an unclosed array'],
	    ['{"results":{"name":"a"}}', 'results that are no array'],
	    ['[1,2]', 'an array body'],
	    ['', 'an empty body']) {
		$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest', body => $bad->[0],
		    content_type => 'application/json', headers => { Authorization => "Bearer $ingest" });
		if ($bad->[1] eq 'an empty body') {
			is($r->{status}, 400, "item 2: negative: $bad->[1] is 400");
			next;
		}
		json_error($r, 400, 'invalid_json', "item 2: negative: $bad->[1]");
	}
	is(sql(q{SELECT count(*) FROM runs WHERE run_id IN ('x', 'y')}), '0', 'item 2: nothing stored for them');
}

done_testing();
