#!/usr/bin/perl
# The request layer's central rules, through the test-only echo program:
# every parameter kind, required/duplicate/unknown keys, path parameters,
# body limits and media types, the disabled flag, and SEC-1 authorization
# (401 missing/unknown/revoked token, 403 wrong scope or project).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance(conf => { auth_read => 'token', max_body_bytes => 4096 });
$inst->cli('project', 'add', 'other');
my %tok = map { $_ => $inst->token('default', $_) } qw(read ingest admin);
my $other_admin = $inst->token('other', 'admin');
my $revoked = $inst->token('default', 'admin');
$inst->cli('token', 'revoke', substr($revoked, 3, 12));
sub bearer { return { Authorization => "Bearer $_[0]" } }

my $r;
my $read = bearer($tok{read});

# --- parameters: typed values reach the handler ---
$r = $inst->cgi('echo', 'GET', '/api/echo?limit=7&colour=green&q=caf%C3%A9+au&since=2024-05-01T12:00:00Z&flaky=true&run_id=gh%2F1', headers => $read);
is($r->{status}, 200, 'every parameter kind accepted');
is_deeply($r->{json}{params}, { limit => 7, colour => 1, q => "caf\x{e9} au",
    since => 1714564800000, flaky => 1, run_id => 'gh/1' }, 'typed values decoded');
is($r->{json}{project}, 'default', 'project defaults to default');

my @bad = (
    ['limit=0', 'limit', 'invalid'], ['limit=501', 'limit', 'invalid'],
    ['limit=ten', 'limit', 'invalid'], ['limit=', 'limit', 'invalid'],
    ['colour=blue', 'colour', 'invalid'], ['q=elevenchars', 'q', 'invalid'],
    ['q=%01', 'q', 'invalid'], ['q=%C3%28', 'q', 'invalid'],
    ['since=yesterday', 'since', 'invalid'], ['flaky=maybe', 'flaky', 'invalid'],
    ['run_id=a%20b', 'run_id', 'invalid'], ['limit=1&limit=2', 'limit', 'duplicate'],
    ['nope=1', 'nope', 'unknown'], ['project=Bad_Slug', 'project', 'invalid'],
    ['project=a&project=a', 'project', 'duplicate'],
);
for my $b (@bad) {
	my ($qs, $param, $reason) = @$b;
	$r = $inst->cgi('echo', 'GET', "/api/echo?$qs", headers => $read);
	is($r->{status}, 400, "negative: ?$qs is 400");
	is($r->{json}{error}{code}, 'invalid_param', "negative: ?$qs code invalid_param");
	is($r->{json}{error}{details}{param}, $param, "negative: ?$qs names '$param'");
	is($r->{json}{error}{details}{reason}, $reason, "negative: ?$qs reason $reason");
}
$r = $inst->cgi('echo', 'GET', '/api/echo?limit=500&&', headers => $read);
is($r->{status}, 200, 'empty segments between & are ignored');

$r = $inst->cgi('echo', 'GET', '/api/echo/required', headers => $read);
is($r->{status}, 400, 'negative: missing required parameter is 400');
is($r->{json}{error}{details}{param}, 'need', 'negative: missing parameter named');
is($r->{json}{error}{details}{reason}, 'missing', 'negative: reason missing');
$r = $inst->cgi('echo', 'GET', '/api/echo/required?need=3', headers => $read);
is($r->{status}, 200, 'required parameter given');

# --- path parameters ---
$r = $inst->cgi('echo', 'GET', '/api/tests/echo/0123456789abcdef', headers => $read);
is($r->{json}{test_id}, '0123456789abcdef', 'path parameter reaches the handler');
$r = $inst->cgi('echo', 'GET', '/api/tests/echo/XYZ', headers => $read);
is($r->{status}, 400, 'negative: invalid path parameter is 400');
is($r->{json}{error}{details}{param}, 'test_id', 'negative: invalid path parameter named');
$r = $inst->cgi('echo', 'GET', '/api/tests/echo/%zz', headers => $read);
is($r->{status}, 400, 'negative: undecodable path is 400');
is($r->{json}{error}{code}, 'invalid_path', 'negative: code invalid_path');

# --- the disabled flag gates /api/tests* only ---
$r = $inst->cgi('echo', 'GET', '/api/tests/echo/0123456789abcdef', headers => $read,
    env => { TESTVIS_ENABLED => '0' });
is($r->{status}, 503, 'negative: disabled answers 503');
is($r->{json}{error}{code}, 'disabled', 'negative: code disabled');
$r = $inst->cgi('echo', 'GET', '/api/echo', headers => $read, env => { TESTVIS_ENABLED => 'false' });
is($r->{status}, 200, 'ungated routes still answer when disabled');

# --- bodies ---
my $xml = '<testsuite/>' x 10;
$r = $inst->cgi('echo', 'POST', '/api/echo/ingest', body => $xml,
    content_type => 'application/xml; charset=utf-8', headers => bearer($tok{ingest}));
is($r->{status}, 201, 'body accepted');
is($r->{json}{bytes}, length $xml, 'the whole body is read');
$r = $inst->cgi('echo', 'POST', '/api/echo/ingest', body => 'x' x 4097,
    content_type => 'application/xml', headers => bearer($tok{ingest}));
is($r->{status}, 413, 'negative: body over max_body_bytes is 413');
is($r->{json}{error}{code}, 'too_large', 'negative: code too_large');
is($r->{json}{error}{details}{limit_bytes}, 4096, 'negative: the limit is named');
$r = $inst->cgi('echo', 'POST', '/api/echo/ingest', body => '{}',
    content_type => 'application/json', headers => bearer($tok{ingest}));
is($r->{status}, 415, 'negative: wrong Content-Type is 415');
like($r->{json}{error}{message}, qr/application\/json/, 'negative: the type is named');
$r = $inst->cgi('echo', 'POST', '/api/echo/ingest', body => 'abc',
    headers => bearer($tok{ingest}));
is($r->{status}, 415, 'negative: missing Content-Type is 415');
$r = $inst->cgi('echo', 'POST', '/api/echo/ingest', body => '',
    content_type => 'application/xml', headers => bearer($tok{ingest}),
    env => { CONTENT_LENGTH => '12abc' });
is($r->{status}, 400, 'negative: a malformed Content-Length is 400');

# --- authorization ---
$r = $inst->cgi('echo', 'GET', '/api/echo');
is($r->{status}, 401, 'negative: no token with auth_read = token is 401');
is($r->{json}{error}{code}, 'unauthorized', 'negative: code unauthorized');
is($r->{headers}{'www-authenticate'}, 'Bearer', 'negative: 401 asks for Bearer');
$r = $inst->cgi('echo', 'GET', '/api/echo', headers => { Authorization => 'Basic dXNlcjpwYXNz' });
is($r->{status}, 401, 'negative: a non-Bearer scheme is 401');
$r = $inst->cgi('echo', 'GET', '/api/echo', headers => bearer('tv_000000000000_' . ('0' x 48)));
is($r->{status}, 401, 'negative: unknown token is 401');
like($r->{json}{error}{message}, qr/unknown token/, 'negative: says unknown token');
$r = $inst->cgi('echo', 'GET', '/api/echo', headers => bearer('garbage'));
is($r->{status}, 401, 'negative: malformed token is 401');
(my $wrong = $tok{read}) =~ s/.$/$& eq 'a' ? 'b' : 'a'/e;
$r = $inst->cgi('echo', 'GET', '/api/echo', headers => bearer($wrong));
is($r->{status}, 401, 'negative: right id with a wrong secret is 401');
$r = $inst->cgi('echo', 'GET', '/api/echo', headers => bearer($revoked));
is($r->{status}, 401, 'negative: revoked token is 401');
like($r->{json}{error}{message}, qr/revoked/, 'negative: says revoked');

$r = $inst->cgi('echo', 'GET', '/api/echo', headers => $read);
is($r->{json}{token_scope}, 'read', 'read token reads');
$r = $inst->cgi('echo', 'GET', '/api/echo', headers => bearer($tok{admin}));
is($r->{status}, 200, 'admin token reads too');
$r = $inst->cgi('echo', 'POST', '/api/echo/ingest', body => '<a/>',
    content_type => 'text/xml', headers => $read);
is($r->{status}, 403, 'negative: read token cannot ingest (403)');
is($r->{json}{error}{code}, 'forbidden', 'negative: code forbidden');
like($r->{json}{error}{message}, qr/scope 'read'.*needs 'ingest'/, 'negative: scopes named');
$r = $inst->cgi('echo', 'PUT', '/api/echo/admin', headers => bearer($tok{ingest}));
is($r->{status}, 403, 'negative: ingest token cannot administer (403)');
$r = $inst->cgi('echo', 'PUT', '/api/echo/admin', headers => bearer($tok{admin}));
is($r->{status}, 201, 'admin token administers');
$r = $inst->cgi('echo', 'POST', '/api/echo/ingest', body => '<a/>',
    content_type => 'text/xml');
is($r->{status}, 401, 'negative: ingest without token is 401 when auth_ingest = token');

$r = $inst->cgi('echo', 'GET', '/api/echo?project=other', headers => $read);
is($r->{status}, 403, "negative: another project's token is 403");
like($r->{json}{error}{message}, qr/project 'default', not 'other'/, 'negative: projects named');
$r = $inst->cgi('echo', 'GET', '/api/echo?project=other', headers => bearer($other_admin));
is($r->{status}, 200, "a project's own token works");
is($r->{json}{project}, 'other', 'the project is resolved');
$r = $inst->cgi('echo', 'PUT', '/api/echo/admin', headers => bearer($other_admin));
is($r->{status}, 403, "negative: other project's admin token cannot touch default");

# --- public reading and open ingest ---
my $pub = new_instance(conf => { auth_read => 'public', auth_ingest => 'open' });
$r = $pub->cgi('echo', 'GET', '/api/echo');
is($r->{status}, 200, 'auth_read = public reads without a token');
$r = $pub->cgi('echo', 'GET', '/api/echo?project=ghost');
is($r->{status}, 404, 'negative: unknown project is 404');
like($r->{json}{error}{message}, qr/unknown project 'ghost'/, 'negative: project named');
$r = $pub->cgi('echo', 'GET', '/api/echo', headers => bearer('tv_000000000000_' . ('0' x 48)));
is($r->{status}, 401, 'negative: a presented bad token is refused even when public');
$r = $pub->cgi('echo', 'POST', '/api/echo/ingest', body => '<a/>', content_type => 'text/xml');
is($r->{status}, 201, 'auth_ingest = open ingests without a token');
$r = $pub->cgi('echo', 'PUT', '/api/echo/admin');
is($r->{status}, 401, 'negative: admin always needs a token');

# --- a handler failing without a reason gets a bare 500, no leak ---
$r = $inst->cgi('echo', 'GET', '/api/echo/fail');
is($r->{status}, 500, 'a failing handler answers 500');
is_deeply($r->{json}{error}, { code => 'internal', message => 'internal error', details => {} },
    'the 500 says nothing more');

done_testing();
