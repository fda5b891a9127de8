#!/usr/bin/perl
# End to end: lighttpd started from conf/lighttpd.conf.in on a free
# loopback port, real HTTP with curl, stopped by PID.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
plan skip_all => 'lighttpd is not installed' unless $lighttpd;

my $inst = new_instance(conf => { auth_read => 'token' });
my $token = $inst->token('default', 'read');
my $srv = $inst->start_lighttpd(max_procs => 1);
my $r;

$r = http_req($srv, 'GET', '/api/health');
is($r->{status}, 200, 'health through lighttpd');
is($r->{json}{status}, 'ok', 'health says ok');
is($r->{headers}{'x-content-type-options'}, 'nosniff', 'nosniff through lighttpd');

$r = http_req($srv, 'GET', '/api/projects');
is($r->{status}, 401, 'negative: projects without a token is 401 through lighttpd');
$r = http_req($srv, 'GET', '/api/projects', headers => { Authorization => "Bearer $token" });
is($r->{status}, 200, 'the Authorization header reaches the program');
is($r->{json}{projects}[0]{slug}, 'default', 'projects listed');
my $etag = $r->{headers}{etag};
$r = http_req($srv, 'GET', '/api/projects', headers => { Authorization => "Bearer $token",
    'If-None-Match' => $etag });
is($r->{status}, 304, 'ETag revalidation through lighttpd');

$r = http_req($srv, 'GET', '/api/no/such/thing');
is($r->{status}, 404, 'negative: unknown API path is 404');
is($r->{json}{error}{code}, 'not_found', 'negative: the 404 is JSON');
$r = http_req($srv, 'POST', '/api/health', body => 'x', headers => { 'Content-Type' => 'text/plain' });
is($r->{status}, 405, 'negative: wrong method is 405 through lighttpd');
is($r->{headers}{allow}, 'GET, HEAD', 'negative: Allow through lighttpd');
$r = http_req($srv, 'GET', '/api/health?x=1');
is($r->{status}, 400, 'negative: unknown parameter through lighttpd');
$r = http_req($srv, 'HEAD', '/api/health');
is($r->{status}, 200, 'HEAD through lighttpd');

$r = http_req($srv, 'GET', '/');
is($r->{status}, 200, 'static index served');
like($r->{headers}{'content-type'}, qr/^text\/html/, 'index is HTML');
is($r->{headers}{'content-security-policy'}, "default-src 'self'; frame-ancestors 'none'",
    'strict CSP on static files');
is($r->{headers}{'x-content-type-options'}, 'nosniff', 'nosniff on static files');

# several requests on one FastCGI process: state must not leak between them
my @codes = map { http_req($srv, 'GET', $_ % 2 ? '/api/health' : '/api/health?bad=1')->{status} } 1 .. 6;
is_deeply(\@codes, [200, 400, 200, 400, 200, 400], 'one process serves mixed requests correctly');

# ingest through lighttpd: raw XML and curl -F multipart
my $ingest = $inst->token('default', 'ingest');
my $fixture = "$FindBin::Bin/data/junit/pytest/report.xml";
$r = http_req($srv, 'POST', '/api/tests/ingest?run_id=e2e-1&branch=main',
    headers => { Authorization => "Bearer $ingest", 'Content-Type' => 'application/xml' },
    body => TV::slurp($fixture));
is($r->{status}, 201, 'ingest through lighttpd');
is($r->{json}{counts}{tests}, 15, 'ingest counts through lighttpd');
my $c = run_cmd(argv => ['curl', '-sS', '-H', "Authorization: Bearer $ingest",
    '-F', "file=\@$fixture", '-F', 'meta={"run_id":"e2e-2","branch":"dev"};type=application/json',
    "$srv->{url}/api/tests/ingest"]);
my $j = TV::decode_json_safe($c->{stdout});
is($j->{status}, 'created', 'curl -F multipart upload through lighttpd');
is($j->{run_id}, 'e2e-2', 'the meta part names the run');
$r = http_req($srv, 'POST', '/api/tests/ingest?run_id=e2e-1&branch=main',
    headers => { Authorization => "Bearer $ingest", 'Content-Type' => 'application/xml' },
    body => TV::slurp($fixture));
is($r->{json}{status}, 'skipped', 'duplicate through lighttpd');
$r = http_req($srv, 'GET', '/api/projects', headers => { Authorization => "Bearer $token" });
is($r->{json}{projects}[0]{run_count}, 2, 'the project counters show the runs');

stop_lighttpd($srv);
ok(!kill(0, $srv->{pid}), 'lighttpd stopped by PID');
my $log = TV::slurp($srv->{log});
like($log, qr/testvis-health: req=\S+ method=GET path=\/api\/health status=200 bytes=\d+ ms=/,
    'request lines reach the lighttpd log');

# the same programs under a sub-path
open(my $fh, '>>', $inst->{conf}) or die;
print $fh "base_path = /tv\n";
close $fh;
$srv = $inst->start_lighttpd(base => '/tv');
$r = http_req($srv, 'GET', '/api/health');
is($r->{status}, 200, 'health under a sub-path');
$r = http_req({ url => "http://127.0.0.1:$srv->{port}" }, 'GET', '/api/health');
is($r->{status}, 404, 'negative: issue 11: the root path is a 404 when base_path is set');
unlike($r->{body}, qr/schema_version/, 'negative: not the health answer');
stop_lighttpd($srv);

done_testing();
