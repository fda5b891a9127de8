#!/usr/bin/perl
# Errors lighttpd answers itself under /api/ (issue 11 item 7): a body
# past server.max-request-size (413), a control character in the request
# line (400), headers too large (431), a FastCGI program that dies during
# a request (5xx).  Each must be our JSON error envelope with our security
# headers (lighttpd's server.error-handler re-runs it through a testvis
# program; conf/errors/ holds the static fallback), and the programs' own
# body limit must sit below lighttpd's so their 413 can answer first.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Socket::INET;
use JSON::PP;
use Time::HiRes qw(sleep time);
use TV;

my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
plan skip_all => 'lighttpd is not installed' unless $lighttpd;

# The body limits of this instance: the program's 1 MiB, lighttpd's 2 MiB.
my $inst = new_instance(conf => { auth_ingest => 'open',
    max_body_bytes => 1024 * 1024 });
my $srv = $inst->start_lighttpd(max_procs => 1, max_request_kb => 2048);

# Checks an error answer: status, JSON envelope with code, headers.
sub error_ok {
	my ($r, $status, $code, $what) = @_;
	is($r->{status}, $status, "$what: status $status");
	my $e = ref $r->{json} eq 'HASH' ? $r->{json}{error} : undef;
	is($e && $e->{code}, $code, "$what: JSON envelope with code $code");
	ok($e && defined $e->{message} && ref $e->{details} eq 'HASH',
	    "$what: with message and details");
	like($r->{headers}{'content-type'} // '', qr{^application/json},
	    "$what: Content-Type JSON");
	is($r->{headers}{'x-content-type-options'}, 'nosniff', "$what: nosniff");
	is($r->{headers}{'content-security-policy'},
	    "default-src 'none'; frame-ancestors 'none'", "$what: API CSP");
}

# A raw HTTP/1.1 exchange (curl refuses to send what we need to send).
sub raw {
	my ($req) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$srv->{port}",
	    Proto => 'tcp', Timeout => 10) or die "connect: $!";
	print $s $req;
	local $/;
	my $ans = <$s> // '';
	close $s;
	my ($head, $body) = split(/\r\n\r\n/, $ans, 2);
	my @lines = split(/\r\n/, $head // '');
	my ($status) = (shift(@lines) // '') =~ /^HTTP\/\S+ (\d+)/;
	my %h;
	for (@lines) {
		my ($k, $v) = split(/:\s*/, $_, 2);
		$h{lc $k} = $v if defined $v;
	}
	return { status => $status // 0, headers => \%h, body => $body // '',
	    json => TV::decode_json_safe($body // '') };
}

my $xml_ct = { 'Content-Type' => 'application/xml', Expect => '' };

# --- 413: the program's limit answers first, lighttpd's beyond it ---
my $r = http_req($srv, 'POST', '/api/tests/ingest?run_id=big1', headers => $xml_ct,
    body => 'x' x (1536 * 1024));
error_ok($r, 413, 'too_large', 'issue 11 item 7: a body between the two limits');
is($r->{json}{error}{details}{limit_bytes}, 1024 * 1024,
    "issue 11 item 7: the program's own 413 answers, naming its limit");
$r = http_req($srv, 'POST', '/api/tests/ingest?run_id=big2', headers => $xml_ct,
    body => 'x' x (3 * 1024 * 1024));
error_ok($r, 413, 'too_large', "issue 11 item 7: a body past lighttpd's limit");

# --- 400: a control character in the request line ---
$r = raw("GET /api/health\x01x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
error_ok($r, 400, 'invalid_request', 'issue 11 item 7: a control character in the URL');

# --- 431: request headers too large ---
$r = http_req($srv, 'GET', '/api/health', headers => { 'X-Big' => 'y' x 70000 });
error_ok($r, 431, 'too_large', 'issue 11 item 7: headers too large');

# --- 5xx: the FastCGI program dies during the request ---
# The FastCGI programs lighttpd spawned, by program name.
sub fcgi_pids {
	my ($name) = @_;
	my @pids;
	opendir(my $d, '/proc') or return ();
	for my $p (grep { /^\d+$/ } readdir $d) {
		open(my $fh, '<', "/proc/$p/stat") or next;
		my $st = <$fh> // '';
		close $fh;
		my ($comm, $ppid) = $st =~ /^\d+ \((.*)\) \S (\d+)/ or next;
		push @pids, $p if $ppid == $srv->{pid} && $comm eq $name;
	}
	closedir $d;
	return @pids;
}
# Stop the ingest program, hand it a request, then kill it: lighttpd
# sees the program die before it answers.
my @ingest = fcgi_pids('testvis-ingest');
ok(@ingest >= 1, 'the ingest program runs under lighttpd');
kill 'STOP', @ingest;
my $body = '<testsuite><testcase classname="a" name="b"/></testsuite>';
my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$srv->{port}",
    Proto => 'tcp', Timeout => 20) or die "connect: $!";
print $s "POST /api/tests/ingest?run_id=dies HTTP/1.1\r\nHost: t\r\n"
    . "Content-Type: application/xml\r\nContent-Length: " . length($body)
    . "\r\nConnection: close\r\n\r\n$body";
sleep 0.5;
kill 'KILL', @ingest;
kill 'CONT', @ingest;
my $ans = do { local $/; <$s> } // '';
close $s;
my ($head, $jbody) = split(/\r\n\r\n/, $ans, 2);
my ($st) = ($head // '') =~ /^HTTP\/\S+ (\d+)/;
my %h = map { my ($k, $v) = split(/:\s*/, $_, 2); (lc $k => $v) } grep { /:/ } split(/\r\n/, $head // '');
ok(defined $st && $st >= 500 && $st <= 504,
    'issue 11 item 7: a program killed during a request gives a 5xx') or diag($ans);
my $j = TV::decode_json_safe($jbody // '');
ok(ref $j eq 'HASH' && $j->{error}{code} =~ /^(internal|unavailable)$/,
    'issue 11 item 7: in the JSON envelope') or diag($ans);
like($h{'retry-after'} // '', qr/^\d+$/, 'issue 11 item 7: with Retry-After');
is($h{'x-content-type-options'}, 'nosniff', 'issue 11 item 7: and nosniff');
# lighttpd respawns the program: the next upload lands
my $deadline = time + 10;
do {
	$r = http_req($srv, 'POST', '/api/tests/ingest?run_id=after', headers => $xml_ct,
	    body => $body);
} while ($r->{status} != 201 && time < $deadline && sleep(0.2));
is($r->{status}, 201, 'the program is respawned and the next upload lands');

# --- the static site keeps lighttpd's HTML pages ---
$r = http_req($srv, 'GET', '/no-such-file.html');
is($r->{status}, 404, 'a missing static file is 404');
like($r->{headers}{'content-type'} // '', qr{^text/html}, 'in HTML, not the API envelope');

stop_lighttpd($srv);

# --- the static fallback documents (when no program can answer) ---
my $dir = tv_root() . '/conf/errors';
my @files = glob("$dir/testvis-error-*.html");
ok(@files >= 10, 'static error documents exist');
my $tpl = TV::slurp(tv_root() . '/conf/lighttpd.conf.in');
my $api = decode_json(TV::slurp(tv_root() . '/lib/openapi.json'));
my %codes = map { $_ => 1 } @{$api->{components}{schemas}{Error}{properties}{error}{properties}{code}{enum}};
for my $f (@files) {
	my ($n) = $f =~ /(testvis-error-\d+\.html)$/;
	my $e = TV::decode_json_safe(TV::slurp($f));
	ok($e && $codes{$e->{error}{code} // ''} && defined $e->{error}{message}
	    && ref $e->{error}{details} eq 'HASH', "$n is our envelope with a documented code");
	like($tpl, qr/"\Q$n\E" => "application\/json/, "$n is served as JSON");
}

done_testing();
