#!/usr/bin/perl
# Jobs (issue 13, first part): a run belongs to the CI job that made it,
# given as a query parameter, in the sidecar or JSON form, or by the
# CLI's --job; runs list and filter by it, and a run's diff is against the
# previous run of its own stream (branch and job), so two jobs on one
# branch are not compared with each other.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open' });
sub sql { my ($q) = @_; return $inst->sql($q) }
sub report { my ($suite, @names) = @_;
	return qq{<testsuite name="$suite">} . join('', map { qq{<testcase classname="$suite" name="$_"/>} } @names) . '</testsuite>' }
sub post { my ($qs, $body, $ct) = @_;
	return $inst->cgi('ingest', 'POST', "/api/tests/ingest$qs", body => $body,
	    content_type => $ct // 'application/xml') }

my $unit = report('unit', map { "u$_" } 1 .. 30);
my $e2e = report('e2e', 'e1', 'e2');
my $r = post('?run_id=c1-unit&branch=main&job=unit&started_at=2026-01-01T10:00:00Z', $unit);
is($r->{status}, 201, 'an upload with job=unit lands');
$r = post('?run_id=c1-e2e&branch=main&started_at=2026-01-01T10:05:00Z', $e2e);
is($r->{status}, 201, 'an upload without a job lands (the unnamed job)');
$r = $inst->cgi('ingest', 'POST', '/api/tests/ingest',
    body => encode_json({ run_id => 'c2-unit', branch => 'main', job => 'unit',
    started_at => '2026-01-01T11:00:00Z', junit_xml => $unit }), content_type => 'application/json');
is($r->{status}, 201, 'the JSON form takes job');
my $b = 'JoBs';
my $mp = "--$b\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n"
    . encode_json({ run_id => 'c2-e2e', branch => 'main', job => 'e2e', started_at => '2026-01-01T11:05:00Z' })
    . "\r\n--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e.xml\"\r\n\r\n$e2e\r\n--$b--\r\n";
$r = post('', $mp, "multipart/form-data; boundary=$b");
is($r->{status}, 201, 'the sidecar takes job');
my $dir = tv_scratch();
open(my $fh, '>', "$dir/unit.xml") or die; print $fh $unit; close $fh;
my $c = $inst->cli('ingest', '--run-id', 'c3-unit', '--branch', 'main', '--job', 'unit',
    '--started-at', '2026-01-01T12:00:00Z', "$dir/unit.xml");
is($c->{exit}, 0, 'testvis ingest takes --job');

is(sql('SELECT ' . $inst->agg(q{run_id || '=' || coalesce(job, '-')}, ' ', 'started_at') . ' FROM (SELECT * FROM runs ORDER BY started_at) AS r'),
    'c1-unit=unit c1-e2e=- c2-unit=unit c2-e2e=e2e c3-unit=unit', 'each run stores its job');

$r = $inst->cgi('runs', 'GET', '/api/tests/runs?job=unit');
is($r->{status}, 200, 'the runs list filters by job');
is(join(' ', map { $_->{run_id} } @{$r->{json}{runs}}), 'c3-unit c2-unit c1-unit', 'only the unit runs, newest first');
is($r->{json}{runs}[0]{job}, 'unit', 'a run says its job');
$r = $inst->cgi('runs', 'GET', '/api/tests/runs?job=nope');
is_deeply($r->{json}{runs}, [], 'an unknown job lists nothing');
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/c1-e2e');
ok(exists $r->{json}{job} && !defined $r->{json}{job}, 'a run without a job says null');
$r = $inst->cgi('runs', 'GET', '/api/tests/runs?job=' . ('x' x 129));
is($r->{status}, 400, 'negative: a job over 128 characters is 400');
is($r->{json}{error}{details}{param}, 'job', 'negative: naming job');
$r = post('?run_id=bad&job=', $unit);
is($r->{status}, 400, 'negative: an empty job is 400');

# the diff is against the previous run of the same stream
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/c2-unit');
is($r->{json}{diff}{previous_run_id}, 'c1-unit', 'unit run 2 is compared with unit run 1');
is($r->{json}{diff}{removed_count}, 0, 'and no e2e test counts as removed');
is($r->{json}{diff}{added_count}, 0, 'nor any as added');
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/c1-e2e');
is($r->{json}{diff}, undef, 'the unnamed job\'s first run is not compared with the unit run before it');
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/c2-e2e');
is($r->{json}{diff}, undef, 'the first named e2e run has no earlier run in its stream');
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/c3-unit');
is($r->{json}{diff}{previous_run_id}, 'c2-unit', 'unit run 3 follows unit run 2, not the e2e run between');

done_testing();
