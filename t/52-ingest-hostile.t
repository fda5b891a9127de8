#!/usr/bin/perl
# Hostile and broken uploads (ING-2, I-2, I-6): each is answered with the
# right 4xx naming what was wrong, and nothing at all is stored.  Also
# concurrent ingests, and a process killed mid-ingest.
use strict;
use warnings;
no warnings 'exec';
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use IO::Compress::Gzip qw(gzip);
use POSIX qw(mkfifo :sys_wait_h);
use Time::HiRes qw(sleep time);
use IO::Socket::INET;
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open', max_decompressed_bytes => 1048576,
    max_body_bytes => 2097152, max_message_bytes => 100, max_text_bytes => 1000 });
sub sql { my ($i, $q) = @_; return $i->sql($q) }
sub post { my ($qs, $body, $ct, %o) = @_;
	return $inst->cgi('ingest', 'POST', "/api/tests/ingest$qs", body => $body,
	    content_type => $ct // 'application/xml', %o) }
sub nothing_stored { my ($what) = @_;
	is(sql($inst, 'SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM tests) + '
	    . '(SELECT count(*) FROM results) + (SELECT count(*) FROM result_texts) + '
	    . '(SELECT count(*) FROM run_shards) + (SELECT count(*) FROM incidents) + (SELECT count(*) FROM events)'),
	    '0', "$what: nothing stored") }

my $r;
$r = post('', qq{<testsuite><testcase name="a"/>\n<testcase name="b"><failure></testcase></testsuite>});
is($r->{status}, 400, 'negative: malformed XML is 400');
is($r->{json}{error}{code}, 'invalid_xml', 'negative: code invalid_xml');
is($r->{json}{error}{details}{line}, 2, 'negative: the line is given');
ok($r->{json}{error}{details}{column} > 0, 'negative: the column is given');
like($r->{json}{error}{message}, qr/line 2, column \d+/, 'negative: the message names the position');
nothing_stored('malformed XML, even after a good testcase');

$r = post('', '<html><body>hello</body></html>');
is($r->{json}{error}{code}, 'not_junit', 'negative: not JUnit');
like($r->{json}{error}{message}, qr/<html>/, 'negative: the root element is named');
$r = post('', 'just some text');
is($r->{status}, 400, 'negative: text is 400');
$r = post('', "\x1f\x8b\x08\x00garbage-not-gzip");
is($r->{json}{error}{code}, 'invalid_gzip', 'negative: corrupt gzip');
gzip(\'<testsuite><testcase name="x"/></testsuite>' => \my $gz);
$r = post('', substr($gz, 0, length($gz) - 12), 'application/gzip');
is($r->{status}, 400, 'negative: truncated gzip is 400');
nothing_stored('not JUnit / bad gzip');

# a body shorter than its Content-Length: the client went away mid-upload
$r = post('', '<testsuite><testcase name="x"/>', 'application/xml', env => { CONTENT_LENGTH => 100000 });
is($r->{status}, 400, 'negative: a truncated body is 400');
nothing_stored('truncated body');

# gzip bomb: 1 KiB compressed, 50 MB decompressed, cap 1 MiB
my $bomb_src = '<testsuite><testcase name="x"><system-out>' . ('A' x 50_000_000) . '</system-out></testcase></testsuite>';
gzip(\$bomb_src => \my $bomb);
undef $bomb_src;
ok(length($bomb) < 100_000, 'the bomb is small compressed (' . length($bomb) . ' bytes)');
$r = post('', $bomb, 'application/gzip');
is($r->{status}, 413, 'negative: a gzip bomb is 413');
is($r->{json}{error}{code}, 'too_large', 'negative: code too_large');
is($r->{json}{error}{details}{limit_bytes}, 1048576, 'negative: the decompressed limit is named');
$r = post('', 'x' x 2097153);
is($r->{status}, 413, 'negative: a body over max_body_bytes is 413');
nothing_stored('bombs');

# XXE and billion laughs: never expanded, never fetched
my $secret = tv_scratch() . '/secret.txt';
open(my $fh, '>', $secret) or die; print $fh "TOPSECRET"; close $fh;
$r = post('', qq{<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file://$secret">]><testsuite><testcase name="&x;"/></testsuite>});
is($r->{status}, 400, 'negative: XXE is refused');
unlike($r->{body}, qr/TOPSECRET/, 'negative: the file was not read into the answer');
my $lol = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    . join('', map { my $p = chr(ord('a') + $_ - 1); '<!ENTITY ' . chr(ord('a') + $_) . ' "' . ("&$p;" x 10) . '">' } 1 .. 9)
    . ']><testsuite><testcase name="&j;"/></testsuite>';
my $t0 = time;
$r = post('', $lol);
is($r->{status}, 400, 'negative: billion laughs is refused');
ok(time - $t0 < 10, 'negative: and quickly');
$r = post('', '<testsuite><testcase name="x"><failure message="&undefined;"/></testcase></testsuite>');
is($r->{status}, 400, 'negative: an undefined entity is 400');
is($r->{json}{error}{code}, 'invalid_xml', 'negative: an undefined entity is invalid_xml');
like($r->{json}{error}{message}, qr/Entity 'undefined' not defined/, 'negative: naming the entity');

# issue 11: external DTDs and entities are refused and never fetched: a
# listener on loopback records any connection the parser would make
my $ear = TV::start_listener();
my $url = "http://127.0.0.1:$ear->{port}";
{
	my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ear->{port}", Proto => 'tcp') or die "connect: $!";
	print $c "GET /control HTTP/1.0\r\n\r\n";
	my $answer = join('', <$c>);
	close $c;
	like($answer, qr/FETCHED/, 'the listener answers a DTD');
	like(TV::slurp($ear->{log}), qr/^request: GET \/control /m, 'and records a connection made to it');
	open(my $t, '>', $ear->{log}) or die;
	close $t;
}
for my $case (
    ['an external DTD', qq{<?xml version="1.0"?><!DOCTYPE testsuite SYSTEM "$url/x.dtd"><testsuite><testcase name="a"/></testsuite>}],
    ['an external parameter entity', qq{<?xml version="1.0"?><!DOCTYPE t [<!ENTITY % p SYSTEM "$url/p.dtd"> %p;]><testsuite><testcase name="a"/></testsuite>}],
    ['an external entity in an attribute', qq{<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "$url/e">]><testsuite><testcase name="a"><failure message="&x;"/></testcase></testsuite>}],
    ['an external entity in text', qq{<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "$url/e">]><testsuite><testcase name="a"><system-out>&x;</system-out></testcase></testsuite>}]) {
	my ($what, $body) = @$case;
	$r = post('', $body);
	is($r->{status}, 400, "negative: $what is refused");
	is($r->{json}{error}{code}, 'invalid_xml', "negative: $what is invalid_xml");
	unlike($r->{body}, qr/FETCHED/, "negative: $what: nothing fetched reaches the answer");
	is(TV::slurp($ear->{log}), '', "negative: $what is not fetched: no connection was made");
}
TV::stop_listener($ear);
nothing_stored('entity attacks');

# nesting bomb
$r = post('', ('<testsuite>' x 300) . ('</testsuite>' x 300));
is($r->{status}, 400, 'negative: nesting deeper than the cap is 400');
like($r->{json}{error}{message}, qr/nest deeper/, 'negative: the nesting is named');

# invalid UTF-8 and control characters are repaired, not rejected
$r = post('?run_id=utf', qq{<testsuite><testcase name="bad\xff\xfename"><failure message="ctl\x01\x02 &#27;[31mred"/></testcase></testsuite>});
is($r->{status}, 201, 'invalid UTF-8 is accepted') or diag $r->{body};
like(join(' ', @{$r->{json}{warnings}}), qr/invalid characters were replaced or dropped/, 'with a warning');
is(sql($inst, $inst->engine eq 'postgresql' ?
    "SELECT upper(encode(convert_to(name, 'UTF8'), 'hex')) FROM tests" : "SELECT hex(name) FROM tests"), uc(unpack('H*', "bad\xef\xbf\xbd\xef\xbf\xbdname")), 'invalid bytes became U+FFFD');
is(sql($inst, "SELECT message FROM result_texts"), 'ctl [31mred', 'control characters dropped');

# huge texts are cut with a marker
my $long = 'm' x 5000;
$r = post('?run_id=long', qq{<testsuite><testcase name="long"><failure message="$long">} . ('d' x 300_000) . qq{</failure><system-out>} . ('o' x 5000) . qq{</system-out></testcase></testsuite>});
is($r->{status}, 201, 'huge texts are accepted');
like(join(' ', @{$r->{json}{warnings}}), qr/3 texts were cut/, 'with a warning');
is(sql($inst, "SELECT length(message), CASE WHEN length(details) < 1100 THEN 1 ELSE 0 END, CASE WHEN length(stdout) < 1100 THEN 1 ELSE 0 END FROM result_texts t JOIN tests d ON d.id = t.test WHERE d.name = 'long'"),
    '127|1|1', 'message and details cut to the limits');
like(sql($inst, "SELECT message FROM result_texts t JOIN tests d ON d.id = t.test WHERE d.name = 'long'"), qr/\[\.\.\. truncated 4900 bytes\]$/, 'the marker says how much');

# times that are missing, empty, odd or garbage
$r = post('?run_id=times', '<testsuite><testcase name="t1"/><testcase name="t2" time=""/><testcase name="t3" time="1,234.5"/><testcase name="t4" time="soon"/></testsuite>');
is($r->{status}, 201, 'odd times never reject the file');
like(join(' ', @{$r->{json}{warnings}}), qr/2 testcase time values could not be read/, 'unreadable times are warned about');
is(sql($inst, "SELECT " . $inst->agg("coalesce(CAST(duration_ms AS TEXT), 'null')", ',', 'name') . " FROM (SELECT r.duration_ms, t.name FROM results r JOIN tests t ON t.id = r.test WHERE t.name IN ('t1','t2','t3','t4') ORDER BY t.name) AS d"),
    'null,null,1234500,null', 'stored as null or parsed');

# bad parameters and metadata
$r = post('?run_id=has%20space', '<testsuite/>');
is($r->{json}{error}{details}{param}, 'run_id', 'negative: invalid run_id named');
$r = post('?branch=%01x', '<testsuite/>');
is($r->{json}{error}{details}{param}, 'branch', 'negative: control char in branch named');
$r = post('?started_at=tomorrow', '<testsuite/>');
is($r->{json}{error}{details}{param}, 'started_at', 'negative: invalid started_at named');
$r = post('?shard=a&shard=b', '<testsuite/>');
is($r->{json}{error}{details}{reason}, 'duplicate', 'negative: duplicate parameter');
$r = post('?flavour=x', '<testsuite/>');
is($r->{json}{error}{details}{reason}, 'unknown', 'negative: unknown parameter');
$r = post('', '');
is($r->{status}, 400, 'negative: an empty body is 400');
$r = post('', '<testsuite/>', 'text/plain');
is($r->{status}, 415, 'negative: text/plain is 415');
$r = $inst->cgi('ingest', 'GET', '/api/tests/ingest');
is($r->{status}, 405, 'negative: GET on ingest is 405');
$r = post('', encode_json({ run_id => 'x', branch => "\x01", junit_xml => '<testsuite/>' }), 'application/json');
like($r->{json}{error}{message}, qr/meta field 'branch'/, 'negative: invalid metadata in JSON is named');

my $before = sql($inst, q{SELECT (SELECT count(*) FROM runs) || '/' || (SELECT count(*) FROM results)});
$r = post('', '<testsuite/>', 'application/xml', headers => { 'Content-Encoding' => 'br' });
is($r->{status}, 415, 'negative: an unknown Content-Encoding is 415');
like($r->{json}{error}{message}, qr/'br'/, 'negative: the encoding is named');
$r = post('', encode_json({ results => [{ name => 'x', status => 'passed', tags => ['a,b'] }] }), 'application/json');
like($r->{json}{error}{message}, qr/results\[0\]\.tags/, 'negative: a tag with a comma is refused');
$r = post('', encode_json({ tags => ["ok", "bad\x01"], junit_xml => '<testsuite/>' }), 'application/json');
like($r->{json}{error}{message}, qr/meta field 'tags'/, 'negative: a sidecar tag with a control character is refused');
my $mb = 'QQ';
$r = post('', "--$mb\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n" . ('{' x 1048577) . "\r\n--$mb--\r\n",
    "multipart/form-data; boundary=$mb");
is($r->{status}, 413, 'negative: an oversized meta part is 413');
is($r->{json}{error}{details}{limit_bytes}, 1048576, 'negative: with the meta part limit, not the report limit');
is(sql($inst, q{SELECT (SELECT count(*) FROM runs) || '/' || (SELECT count(*) FROM results)}), $before,
    'refused encodings, tags and parts store nothing');

# authorization and the disabled flag
my $tok = new_instance();
my $read = $tok->token('default', 'read');
$r = $tok->cgi('ingest', 'POST', '/api/tests/ingest', body => '<testsuite/>', content_type => 'application/xml');
is($r->{status}, 401, 'negative: ingest without a token is 401');
$r = $tok->cgi('ingest', 'POST', '/api/tests/ingest', body => '<testsuite/>', content_type => 'application/xml',
    headers => { Authorization => "Bearer $read" });
is($r->{status}, 403, 'negative: a read token cannot ingest');
$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest', body => '<testsuite/>', content_type => 'application/xml',
    env => { TESTVIS_ENABLED => 0 });
is($r->{status}, 503, 'negative: disabled answers 503');

# several processes ingesting different runs at once all land
my $par = new_instance(conf => { auth_ingest => 'open' });
my $d = tv_scratch();
my @files;
for my $k (1 .. 4) {
	my $f = "$d/par$k.xml";
	open(my $o, '>', $f) or die;
	print $o '<testsuite>', (map { qq{<testcase classname="c$k" name="t$_"/>} } 1 .. 3000), '</testsuite>';
	close $o;
	push @files, $f;
}
my @pids;
for my $k (1 .. 4) {
	my $pid = fork // die;
	if ($pid == 0) {
		$ENV{TESTVIS_CONF} = $par->{conf};
		open(STDOUT, '>', "$d/par$k.out");
		exec(tv_build() . '/bin/testvis', 'ingest', '--run-id', "par$k", $files[$k - 1]);
		POSIX::_exit(127);
	}
	push @pids, $pid;
}
my @exits = map { waitpid($_, 0); $? >> 8 } @pids;
is_deeply(\@exits, [0, 0, 0, 0], 'four concurrent ingests all succeed');
is(sql($par, 'SELECT count(*), sum(tests) FROM runs'), '4|12000', 'all four runs landed completely');

# a process killed mid-ingest leaves nothing partial (the FIFO keeps it
# inside its transaction until we kill it)
my $kill = new_instance(conf => { auth_ingest => 'open' });
my $fifo = "$d/slow.fifo";
mkfifo($fifo, 0600) or die "mkfifo: $!";
my $pid = fork // die;
if ($pid == 0) {
	$ENV{TESTVIS_CONF} = $kill->{conf};
	open(STDOUT, '>', '/dev/null');
	exec(tv_build() . '/bin/testvis', 'ingest', '--run-id', 'killed', $fifo);
	POSIX::_exit(127);
}
open(my $w, '>', $fifo) or die;
$w->autoflush(1);
# A pipe holds 64 KiB: once these 1.5 MB are written, the ingest has read
# (and stored, inside its open transaction) all but the last few testcases.
print $w '<testsuite>', (map { qq{<testcase classname="k" name="t$_"><failure message="x"/></testcase>} } 1 .. 20000);
sleep 0.3;
ok(waitpid($pid, WNOHANG) == 0, 'the ingest is still waiting for the end of the report');
kill 'KILL', $pid;
waitpid($pid, 0);
close $w;
is($? & 127, 9, 'the ingest was killed mid-way');
is(sql($kill, 'SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM results) + (SELECT count(*) FROM tests)'),
    '0', 'nothing of the killed ingest is visible');
SKIP: {
	skip 'a SQLite file check', 1 if $kill->engine ne 'sqlite';
	is(sql($kill, 'PRAGMA integrity_check'), 'ok', 'the database is intact');
}
$r = $kill->cli('ingest', '--run-id', 'killed', $files[0]);
is(decode_json($r->{stdout})->{status}, 'created', 'the same run ingests afterwards');

done_testing();
