#!/usr/bin/perl
# Dashboards (REP-4, issue 16 item 4): the default layout offered to a
# project without any, create / read / replace / delete by an admin (a
# read token may only read), validation of every widget and parameter
# with 400s naming them, names unique per project, and the ETag-checked
# PUT: 428 without If-Match, 412 when another editor changed it since,
# and the winner's copy kept.  Through lighttpd, on both engines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
plan skip_all => 'lighttpd is not installed' unless $lighttpd;

my $inst = new_instance(conf => { auth_read => 'token' });
$inst->cli('project', 'add', 'other');
my $admin = $inst->token('default', 'admin');
my $read = $inst->token('default', 'read');
my $other = $inst->token('other', 'admin');
my $srv = $inst->start_lighttpd(max_procs => 1);

# req(method, path, token, body (perl data or undef), headers)
sub req {
	my ($m, $path, $tok, $body, %h) = @_;
	$h{Authorization} = "Bearer $tok" if $tok;
	$h{'Content-Type'} = 'application/json' if defined $body;
	return http_req($srv, $m, $path, headers => \%h,
	    defined $body ? (body => ref $body ? TV::encode_json_text($body) : $body) : ());
}

my $r = req('GET', '/api/dashboards', $read);
is($r->{status}, 200, 'the list');
is_deeply($r->{json}{dashboards}, [], 'a new project has none');
is($r->{json}{default}{name}, 'Overview', 'and is offered a default layout');
my @types = map { $_->{type} } @{$r->{json}{default}{widgets}};
is_deeply(\@types, [qw(pass_rate_trend failing_now recent_runs top_failing flaky incidents integrity domain_health)],
    '... of eight widgets');

my $wall = { name => 'Wall screen', widgets => [
	{ type => 'trend', title => 'Pass rate, weekly', width => 2,
	    params => { metric => 'pass_rate', interval => 'week', window => 12 } },
	{ type => 'failing_now', params => { branch => 'main', limit => 10 } },
	{ type => 'quality', params => { section => 'never_failing' } } ] };
is(req('POST', '/api/dashboards', $read, $wall)->{status}, 403, 'a read token cannot create one');
$r = req('POST', '/api/dashboards', $admin, $wall);
is($r->{status}, 201, 'an admin creates one');
my $id = $r->{json}{id};
ok($id, '... with an id');
is($r->{json}{version}, 1, '... version 1');
ok($r->{headers}{etag}, '... and its ETag');
is_deeply($r->{json}{widgets}, $wall->{widgets}, 'the widgets as given, in order');
is(req('POST', '/api/dashboards', $admin, $wall)->{status}, 409, 'a second one of that name is a 409');

$r = req('GET', "/api/dashboards/$id", $read);
is($r->{status}, 200, 'read it back');
is_deeply($r->{json}{widgets}, $wall->{widgets}, '... the same widgets');
my $etag = $r->{headers}{etag};
is($r->{json}{name}, 'Wall screen', '... and name');
$r = req('GET', '/api/dashboards', $read);
is_deeply([map { [$_->{name}, $_->{widgets}] } @{$r->{json}{dashboards}}], [['Wall screen', 3]],
    'the list has it, with its widget count');
is(req('GET', "/api/dashboards/$id", $other)->{status}, 403, 'a token of another project cannot read it');
is(req('GET', "/api/dashboards/$id?project=other", $other)->{status}, 404,
    '... nor find it in its own project');

# ---- two editors ----
my $a = { %$wall, widgets => [ @{$wall->{widgets}}, { type => 'flaky', params => {} } ] };
my $b = { %$wall, name => 'Wall screen B' };
is(req('PUT', "/api/dashboards/$id", $admin, $a)->{status}, 428, 'a PUT without If-Match: 428');
$r = req('PUT', "/api/dashboards/$id", $admin, $a, 'If-Match' => $etag);
is($r->{status}, 200, 'the first editor saves with the ETag she read');
is($r->{json}{version}, 2, '... version 2');
is(scalar @{$r->{json}{widgets}}, 4, '... four widgets now');
my $etag2 = $r->{headers}{etag};
isnt($etag2, $etag, '... and a new ETag');
$r = req('PUT', "/api/dashboards/$id", $admin, $b, 'If-Match' => $etag);
is($r->{status}, 412, 'the second editor, with the old ETag: 412');
is($r->{json}{error}{code}, 'precondition_failed', '... precondition_failed');
$r = req('GET', "/api/dashboards/$id", $read);
is($r->{json}{name}, 'Wall screen', 'the first editor\'s copy is kept');
is($r->{headers}{etag}, $etag2, 'GET gives the ETag a PUT gave');
is(req('PUT', "/api/dashboards/$id", $admin, $b, 'If-Match' => $etag2)->{status}, 200,
    'with the fresh ETag the second editor saves');
is(req('PUT', "/api/dashboards/999999", $admin, $b, 'If-Match' => $etag2)->{status}, 404,
    'an unknown dashboard: 404');

# ---- validation ----
my @bad = (
	[{ name => '', widgets => [] }, 'name'],
	[{ name => 'x' x 101, widgets => [] }, 'name'],
	[{ widgets => [] }, 'name'],
	[{ name => 'n' }, 'widgets'],
	[{ name => 'n', widgets => {} }, 'widgets'],
	[{ name => 'n', widgets => [], colour => 'red' }, 'body'],
	[{ name => 'n', widgets => [map { { type => 'flaky' } } 1 .. 25] }, 'widgets'],
	[{ name => 'n', widgets => [{ type => 'pie' }] }, 'widgets', qr/widgets\[0\]\.type must be one of/],
	[{ name => 'n', widgets => [{ type => 'flaky', params => { limit => 0 } }] }, 'widgets', qr/widgets\[0\]\.params\.limit/],
	[{ name => 'n', widgets => [{ type => 'flaky' }, { type => 'trend', params => {} }] }, 'widgets', qr/widgets\[1\]: trend needs parameter 'metric'/],
	[{ name => 'n', widgets => [{ type => 'trend', params => { metric => 'speed' } }] }, 'widgets', qr/params\.metric/],
	[{ name => 'n', widgets => [{ type => 'slowest', params => { job => 'x' } }] }, 'widgets', qr/slowest takes no parameter 'job'/],
	[{ name => 'n', widgets => [{ type => 'flaky', width => 4 }] }, 'widgets', qr/width/],
	[{ name => 'n', widgets => [{ type => 'flaky', size => 1 }] }, 'widgets', qr/unknown key 'size'/],
	[{ name => 'n', widgets => ['flaky'] }, 'widgets', qr/must be an object/],
);
for my $case (@bad) {
	my ($body, $param, $msg) = @$case;
	$r = req('POST', '/api/dashboards', $admin, $body);
	my $what = TV::encode_json_text($body);
	is($r->{status}, 400, '400 for ' . substr($what, 0, 70));
	is($r->{json}{error}{details}{param}, $param, "... naming $param");
	like($r->{json}{error}{message} // '', $msg, '... and saying what') if $msg;
}
is(req('POST', '/api/dashboards', $admin, '{"name":')->{status}, 400, 'broken JSON: 400');
is(req('GET', '/api/dashboards/abc', $read)->{status}, 400, 'an id that is no number: 400');
$r = req('GET', '/api/dashboards', $read);
is(scalar @{$r->{json}{dashboards}}, 1, 'nothing refused was stored');

# ---- delete ----
is(req('DELETE', "/api/dashboards/$id", $read)->{status}, 403, 'a read token cannot delete');
is(req('DELETE', "/api/dashboards/$id", $admin, undef, 'If-Match' => $etag)->{status}, 412,
    'a delete with a stale If-Match: 412');
is(req('DELETE', "/api/dashboards/$id", $admin)->{status}, 204, 'an admin deletes it');
is(req('GET', "/api/dashboards/$id", $read)->{status}, 404, 'it is gone');
is(req('DELETE', "/api/dashboards/$id", $admin)->{status}, 404, 'a second delete: 404');
stop_lighttpd($srv);

done_testing();
