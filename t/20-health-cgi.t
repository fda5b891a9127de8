#!/usr/bin/perl
# GET /api/health and /api/projects in CGI mode, and the central rejection
# rules of the request layer as those endpoints see them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance();
my $r;

$r = $inst->cgi('health', 'GET', '/api/health');
is($r->{status}, 200, 'health answers 200');
is($r->{json}{status}, 'ok', 'health status ok');
is($r->{json}{db}{reachable}, JSON::PP::true, 'db reachable');
is($r->{json}{db}{engine}, ($inst->{db} // '') =~ m{^postgres(ql)?://} ? 'postgresql' : 'sqlite', 'db engine named');
ok($r->{json}{db}{schema_version} >= 1, 'schema version reported');
is($r->{json}{db}{schema_version}, $r->{json}{db}{schema_expected}, 'schema current');
like($r->{json}{version}, qr/^\d+\.\d+\.\d+$/, 'version reported');
ok(exists $r->{json}{last_batch_at} && !defined $r->{json}{last_batch_at},
    'last batch time is null before any batch ran');
like($r->{json}{time}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'times are ISO-8601 ms Z');
is($r->{headers}{'content-type'}, 'application/json; charset=utf-8', 'JSON content type');
is($r->{headers}{'x-content-type-options'}, 'nosniff', 'SEC-5 nosniff');
like($r->{headers}{'content-security-policy'}, qr/frame-ancestors 'none'/, 'SEC-5 CSP');
like($r->{headers}{'x-request-id'}, qr/^[0-9a-f]{16}$/, 'request id generated');
like($r->{stderr}, qr/req=\S+ method=GET path=\/api\/health status=200 bytes=\d+ ms=[\d.]+/,
    'one log line per request');

$r = $inst->cgi('health', 'GET', '/api/health', headers => { 'X-Request-Id' => 'abc-123' });
is($r->{headers}{'x-request-id'}, 'abc-123', 'a sane client request id is kept');
$r = $inst->cgi('health', 'GET', '/api/health', headers => { 'X-Request-Id' => "bad id\n" });
like($r->{headers}{'x-request-id'}, qr/^[0-9a-f]{16}$/, 'negative: an insane request id is replaced');

# batch bookkeeping shows up once a pass has run
$inst->sql("INSERT INTO batch_passes (name, "
    . "last_started_at, last_finished_at, last_status) VALUES ('flaky', "
    . "1714564800000, 1714564801000, 'ok')");
$r = $inst->cgi('health', 'GET', '/api/health');
is($r->{json}{last_batch_at}, '2024-05-01T12:00:01.000Z', 'last batch pass time reported');
is($r->{json}{batch_passes}{flaky}{status}, 'ok', 'per-pass status reported');

$r = $inst->cgi('health', 'GET', '/api/projects');
is($r->{status}, 200, 'projects answers 200');
is(scalar @{$r->{json}{projects}}, 1, 'one project');
is_deeply([sort keys %{$r->{json}{projects}[0]}],
    [qw(created_at last_run_at name run_count slug test_count)], 'project fields');
is($r->{json}{projects}[0]{slug}, 'default', 'default project listed');

# ETag and 304
my $etag = $r->{headers}{etag};
like($etag, qr/^"[0-9a-f]{16}"$/, 'ETag on GET');
$r = $inst->cgi('health', 'GET', '/api/projects', headers => { 'If-None-Match' => $etag });
is($r->{status}, 304, 'If-None-Match answers 304');
is($r->{body}, '', '304 has no body');
$r = $inst->cgi('health', 'GET', '/api/projects', headers => { 'If-None-Match' => '"0000000000000000"' });
is($r->{status}, 200, 'a stale ETag gets the full answer');

$r = $inst->cgi('health', 'HEAD', '/api/projects');
is($r->{status}, 200, 'HEAD answers like GET');
is($r->{body}, '', 'HEAD has no body');

# Negative cases: route, method, parameters, body.
$r = $inst->cgi('health', 'GET', '/api/nothing');
is($r->{status}, 404, 'negative: unknown route is 404');
is($r->{json}{error}{code}, 'not_found', 'negative: unknown route code not_found');
like($r->{json}{error}{message}, qr{/api/nothing}, 'negative: unknown route named');
$r = $inst->cgi('health', 'GET', '/api/health/');
is($r->{status}, 404, 'negative: trailing slash is 404');

$r = $inst->cgi('health', 'POST', '/api/health', body => '{}', content_type => 'application/json');
is($r->{status}, 405, 'negative: wrong method is 405');
is($r->{headers}{allow}, 'GET, HEAD', 'negative: 405 carries Allow');
is($r->{json}{error}{code}, 'method_not_allowed', 'negative: 405 code');
$r = $inst->cgi('health', 'DELETE', '/api/projects');
is($r->{status}, 405, 'negative: DELETE is 405');

$r = $inst->cgi('health', 'GET', '/api/projects?colour=red');
is($r->{status}, 400, 'negative: unknown parameter is 400');
is($r->{json}{error}{code}, 'invalid_param', 'negative: unknown parameter code');
is($r->{json}{error}{details}{param}, 'colour', 'negative: unknown parameter named');
is($r->{json}{error}{details}{reason}, 'unknown', 'negative: reason unknown');
$r = $inst->cgi('health', 'GET', '/api/projects?project=default');
is($r->{status}, 400, 'negative: project is not a parameter of /api/projects');
$r = $inst->cgi('health', 'GET', '/api/projects?_=12345');
is($r->{status}, 200, 'a lone _ cache-buster is allowed');
$r = $inst->cgi('health', 'GET', '/api/projects?_=1&_=2');
is($r->{status}, 400, 'negative: two _ are a duplicate');
is($r->{json}{error}{details}{reason}, 'duplicate', 'negative: reason duplicate');
$r = $inst->cgi('health', 'GET', '/api/projects?%zz=1');
is($r->{status}, 400, 'negative: broken percent-encoding is 400');

$r = $inst->cgi('health', 'GET', '/api/projects', body => 'x', content_type => 'text/plain');
is($r->{status}, 415, 'negative: a body where none is taken is 415');
is($r->{json}{error}{code}, 'unsupported_media_type', 'negative: 415 code');

# Disabled: health still answers, it says so.
$r = $inst->cgi('health', 'GET', '/api/health', env => { TESTVIS_ENABLED => '0' });
is($r->{status}, 200, 'disabled: health still answers');
is($r->{json}{enabled}, JSON::PP::false, 'disabled: health says so');

# A database that cannot be opened.
$r = $inst->cgi('health', 'GET', '/api/health', env => { TESTVIS_DB => '/nonexistent/x.db' });
is($r->{status}, 503, 'negative: unreachable database makes health 503');
is($r->{json}{status}, 'unavailable', 'negative: health status unavailable');
is($r->{json}{db}{reachable}, JSON::PP::false, 'negative: db not reachable');
unlike($r->{body}, qr/nonexistent/, 'negative: the path is not leaked');
$r = $inst->cgi('health', 'GET', '/api/projects', env => { TESTVIS_DB => '/nonexistent/x.db' });
is($r->{status}, 503, 'negative: unreachable database makes projects 503');
is($r->{json}{error}{code}, 'db_unavailable', 'negative: code db_unavailable');
like($r->{stderr}, qr/cannot open database/, 'negative: the cause is logged');

my $junk = tv_scratch() . "/junk.db";
open(my $fh, '>', $junk) or die;
print $fh "x" x 4096;
close $fh;
$r = $inst->cgi('health', 'GET', '/api/projects', env => { TESTVIS_DB => $junk });
is($r->{status}, 503, 'negative: a file that is not a database is 503');
is($r->{json}{error}{code}, 'db_unavailable', 'negative: code db_unavailable for junk file');

my $empty = tv_scratch() . "/empty.db";
run_cmd(argv => ['sqlite3', $empty, 'CREATE TABLE x(a)']);
$r = $inst->cgi('health', 'GET', '/api/projects', env => { TESTVIS_DB => $empty });
is($r->{status}, 503, 'negative: an unmigrated database is 503');
is($r->{json}{error}{code}, 'schema_outdated', 'negative: code schema_outdated');
$r = $inst->cgi('health', 'GET', '/api/health', env => { TESTVIS_DB => $empty });
is($r->{json}{status}, 'outdated', 'negative: health says outdated');

# The same on PostgreSQL: a server that does not answer, a database
# that was never migrated; neither the URL nor its password is shown.
SKIP: {
	skip 'PostgreSQL cases', 9 if $inst->engine ne 'postgresql';
	my $dead = 'postgresql://testvis:s3cretpw@127.0.0.1:' . TV::free_port() . '/x?connect_timeout=2';
	$r = $inst->cgi('health', 'GET', '/api/health', env => { TESTVIS_DB => $dead });
	is($r->{status}, 503, 'negative: an unreachable PostgreSQL makes health 503');
	is($r->{json}{db}{reachable}, JSON::PP::false, 'negative: db not reachable (PostgreSQL)');
	$r = $inst->cgi('health', 'GET', '/api/projects', env => { TESTVIS_DB => $dead });
	is($r->{status}, 503, 'negative: an unreachable PostgreSQL makes projects 503');
	is($r->{json}{error}{code}, 'db_unavailable', 'negative: code db_unavailable (PostgreSQL)');
	unlike($r->{body} . $r->{stderr}, qr/s3cretpw/, 'negative: the password is never shown');
	unlike($r->{body}, qr/127\.0\.0\.1/, 'negative: nor the server in the answer');
	my $bare = TV::pg_create_db();
	$r = $inst->cgi('health', 'GET', '/api/projects', env => { TESTVIS_DB => $bare });
	is($r->{status}, 503, 'negative: an unmigrated PostgreSQL database is 503');
	is($r->{json}{error}{code}, 'schema_outdated', 'negative: code schema_outdated (PostgreSQL)');
	$r = $inst->cgi('health', 'GET', '/api/health', env => { TESTVIS_DB => $bare });
	is($r->{json}{status}, 'outdated', 'negative: health says outdated (PostgreSQL)');
}

# A broken configuration file.
open($fh, '>', tv_scratch() . "/broken.conf") or die;
print $fh "enabled = perhaps\n";
close $fh;
$r = $inst->cgi('health', 'GET', '/api/health', env => { TESTVIS_CONF => tv_scratch() . "/broken.conf" });
is($r->{status}, 503, 'negative: broken config is 503');
is($r->{json}{error}{code}, 'config_error', 'negative: code config_error');
like($r->{stderr}, qr/broken\.conf:1: bad value for 'enabled'/, 'negative: log names file, line and key');
unlike($r->{body}, qr/broken\.conf/, 'negative: the answer does not leak the path');

done_testing();
