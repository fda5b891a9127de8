#!/usr/bin/perl
# The response cache of the read programs, through lighttpd (one FastCGI
# process per program, so repeated requests meet the same cache): a
# repeated GET is served from memory with the same body and ETag; any
# commit by another process (an upload, the batch) or a write through the
# same process makes the next answer fresh; answers live one second at
# most; authorization is checked before the cache on every request; and
# response_cache_kb = 0 turns it off.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep);
use TV;

my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
plan skip_all => 'lighttpd is not installed' unless $lighttpd;

# ingests one run on main with the given testcases ([name, 'P'|'F'], ...)
sub ingest {
	my ($inst, $run, @cases) = @_;
	$inst->ingest_cases($run, { branch => 'main' }, @cases);
}

my $inst = new_instance(conf => { auth_read => 'token' });
$inst->cli('project', 'add', 'other');
my $read = $inst->token('default', 'read');
my $admin = $inst->token('default', 'admin');
my $other = $inst->token('other', 'read');
ingest($inst, 'r1', ['alpha', 'P'], ['beta', 'F']);
my $srv = $inst->start_lighttpd(max_procs => 1);
my %auth = (Authorization => "Bearer $read");
my $get = sub { http_req($srv, 'GET', $_[0], headers => { %auth, %{$_[1] || {}} }) };

my $r = $get->('/api/tests?q=alpha');
is($r->{status}, 200, 'test list');
my $alpha = $r->{json}{tests}[0]{test_id};
my $hist = "/api/tests/$alpha/history";

# ---- a repeated GET is a hit with the same body and ETag ----
my $first = $get->($hist);
is($first->{headers}{'x-testvis-cache'}, 'miss', 'first request computes the answer');
my $second = $get->($hist);
is($second->{headers}{'x-testvis-cache'}, 'hit', 'the same request again is a hit');
is($second->{body}, $first->{body}, 'a hit answers the same body');
is($second->{headers}{etag}, $first->{headers}{etag}, 'and the same ETag');
is($second->{headers}{'content-length'}, length($first->{body}), 'with its length');
is($second->{headers}{'x-content-type-options'}, 'nosniff', 'and the security headers');
$r = $get->($hist, { 'If-None-Match' => $first->{headers}{etag} });
is($r->{status}, 304, 'If-None-Match on a hit is a 304');
is($r->{body}, '', 'with no body');
$r = http_req($srv, 'HEAD', $hist, headers => \%auth);
is($r->{status}, 200, 'HEAD on a cached answer');
is($r->{headers}{'x-testvis-cache'}, 'hit', 'HEAD is served from the cache');
$r = $get->("$hist?limit=1");
is($r->{headers}{'x-testvis-cache'}, 'miss', 'another query string is another answer');
is(scalar @{$r->{json}{history}}, 1, 'and answers its own query');

# ---- an upload by another process makes the next answer fresh ----
ingest($inst, 'r2', ['alpha', 'F'], ['beta', 'P']);
$r = $get->($hist);
is($r->{headers}{'x-testvis-cache'}, 'miss', 'after an upload the answer is recomputed');
is(scalar @{$r->{json}{history}}, 2, 'and shows the new run');
is($r->{json}{history}[0]{status}, 'failed', 'with its result');
isnt($r->{headers}{etag}, $first->{headers}{etag}, 'under a new ETag');
$r = $get->('/api/dashboard');
is($r->{json}{failing}, 1, 'the dashboard counts the new failure');
is($get->('/api/dashboard')->{headers}{'x-testvis-cache'}, 'hit', 'dashboard cached');
ingest($inst, 'r3', ['alpha', 'F'], ['beta', 'F']);
$r = $get->('/api/dashboard');
is($r->{headers}{'x-testvis-cache'}, 'miss', 'each program sees the commit');
is($r->{json}{failing}, 2, 'dashboard after the third run');
is($get->('/api/tests/runs')->{json}{runs}[0]{run_id}, 'r3', 'the run list too');

# ---- so does the batch (another process) ----
my $detail = $get->("/api/tests/$alpha");
is($detail->{json}{state}, 'active', 'test detail before');
is($get->("/api/tests/$alpha")->{headers}{'x-testvis-cache'}, 'hit', 'test detail cached');
$r = $inst->cli('batch');
is($r->{exit}, 0, 'the batch ran');
$r = $get->("/api/tests/$alpha");
is($r->{headers}{'x-testvis-cache'}, 'miss', 'after the batch committed, recomputed');

# ---- a write through the same process clears that process's cache ----
$r = http_req($srv, 'PUT', "/api/tests/$alpha/state", headers => {
    Authorization => "Bearer $admin", 'Content-Type' => 'application/json' },
    body => '{"state":"muted","reason":"noisy"}');
is($r->{status}, 200, 'mute through the same program');
$r = $get->("/api/tests/$alpha");
is($r->{headers}{'x-testvis-cache'}, 'miss', 'its own write is not answered from the cache');
is($r->{json}{state}, 'muted', 'the detail shows the new state');
is($get->('/api/dashboard')->{json}{paused_tests}, 1, 'the dashboard counts it as paused');
# a rejected write clears too (it changed nothing, a miss costs little)
$r = http_req($srv, 'PUT', "/api/tests/$alpha/state", headers => {
    Authorization => "Bearer $admin", 'Content-Type' => 'application/json' },
    body => '{"state":"broken","reason":"x"}');
is($r->{status}, 400, 'negative: a bad state is a 400');
is($get->("/api/tests/$alpha")->{json}{state}, 'muted', 'and changed nothing');

# ---- authorization comes before the cache ----
is($get->("/api/tests/$alpha")->{headers}{'x-testvis-cache'}, 'hit', 'cached for a reader');
$r = http_req($srv, 'GET', "/api/tests/$alpha");
is($r->{status}, 401, 'negative: without a token a cached answer is still a 401');
is($r->{json}{error}{code}, 'unauthorized', 'the 401 is the error envelope');
$r = http_req($srv, 'GET', "/api/tests/$alpha", headers => { Authorization => 'Bearer tv_nope' });
is($r->{status}, 401, 'negative: an unknown token is a 401');
$r = http_req($srv, 'GET', "/api/tests/$alpha", headers => { Authorization => "Bearer $other" });
is($r->{status}, 403, 'negative: another project\'s token is a 403');
$r = http_req($srv, 'GET', "/api/tests/$alpha?project=other", headers => { Authorization => "Bearer $other" });
is($r->{status}, 404, 'negative: the test is not in project other');
$r = http_req($srv, 'GET', '/api/dashboard?project=other', headers => { Authorization => "Bearer $other" });
is($r->{json}{total_tests}, 0, 'project other has its own dashboard');
$r = http_req($srv, 'GET', '/api/dashboard?project=other', headers => { Authorization => "Bearer $other" });
is($r->{headers}{'x-testvis-cache'}, 'hit', 'cached separately');
is($r->{json}{total_tests}, 0, 'not the default project\'s answer');

# ---- answers live one second at most ----
$get->('/api/tests/runs');
is($get->('/api/tests/runs')->{headers}{'x-testvis-cache'}, 'hit', 'run list cached');
sleep 1.2;
is($get->('/api/tests/runs')->{headers}{'x-testvis-cache'}, 'miss', 'recomputed after a second');

# ---- errors are never cached ----
$r = $get->('/api/tests/0123456789abcdef');
is($r->{status}, 404, 'negative: unknown test');
$r = $get->('/api/tests/0123456789abcdef');
is($r->{status}, 404, 'still 404');
ok(!defined $r->{headers}{'x-testvis-cache'}, 'a 404 does not touch the cache');
$r = $get->('/api/tests/runs?limit=0');
is($r->{status}, 400, 'negative: bad parameter');
ok(!defined $r->{headers}{'x-testvis-cache'}, 'a 400 does not touch the cache');
stop_lighttpd($srv);

# ---- response_cache_kb = 0: every request computes ----
my $off = new_instance(conf => { response_cache_kb => 0 });
ingest($off, 'r1', ['alpha', 'P']);
$srv = $off->start_lighttpd(max_procs => 1);
$r = http_req($srv, 'GET', '/api/dashboard');
is($r->{status}, 200, 'cache off: dashboard');
$r = http_req($srv, 'GET', '/api/dashboard');
ok(!defined $r->{headers}{'x-testvis-cache'}, 'cache off: no cache header');
ok(defined $r->{headers}{etag}, 'cache off: ETag still sent');
is($r->{json}{total_tests}, 1, 'cache off: the answer');
stop_lighttpd($srv);
ok(!kill(0, $srv->{pid}), 'lighttpd stopped by PID');

done_testing();
