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
sub sql { my ($q) = @_; my $r = run_cmd(argv => ['sqlite3', $inst->{db}, $q]); chomp(my $o = $r->{stdout}); $o }
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

done_testing();
