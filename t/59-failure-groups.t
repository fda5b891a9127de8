#!/usr/bin/perl
# Failure groups by cause (issue 13 item 7): one assertion failing in many
# tests is one group, whatever test function and file each stack starts
# in; a message that says nothing but its type keeps the frames to tell
# failures apart; GET /api/failures filters by branch and job and ranks
# groups by the tests they affect, then by recency, paging by cursor.
#
# The history:
#   r1 main/api 10:00  t01..t12 fail "assert 404 == 200", each in its own
#                      test function and file, through lib/client.py;
#                      bare1, bare2 fail with a bare AssertionError in
#                      different library frames
#   r2 dev/e2e 11:00   slow fails "timeout waiting for page"
#   r3 dev/api 12:00   t01..t03 fail "assert 404 == 200" again
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open' });

sub case_xml {
	my ($name, $file, $msg, $stack) = @_;
	(my $cls = $file) =~ s{/}{.}g;
	$cls =~ s/\.py$//;
	return qq{<testcase classname="$cls" file="$file" name="$name" time="0.1">}
	    . qq{<failure message="$msg" type="AssertionError">$stack</failure></testcase>};
}
sub api_case {
	my ($i) = @_;
	my $n = sprintf('%02d', $i);
	return case_xml("test_case$n", "tests/test_mod$n.py", 'assert 404 == 200',
	    "tests/test_mod$n.py:$i: in test_case$n\nlib/client.py:40: in get\nlib/http.py:9: in send");
}
sub post {
	my ($qs, $cases) = @_;
	my $r = $inst->cgi('ingest', 'POST', "/api/tests/ingest$qs",
	    body => '<testsuite name="s">' . join('', @$cases) . '</testsuite>',
	    content_type => 'application/xml');
	die "ingest $qs: $r->{status} $r->{body}" unless $r->{status} == 201;
}
post('?run_id=r1&branch=main&job=api&started_at=2026-01-01T10:00:00Z', [
    (map { api_case($_) } 1 .. 12),
    case_xml('test_bare1', 'tests/test_bare.py', '', "tests/test_bare.py:3: in test_bare1\nlib/a.py:1: in check_a"),
    case_xml('test_bare2', 'tests/test_bare.py', 'AssertionError', "tests/test_bare.py:9: in test_bare2\nlib/b.py:2: in check_b")]);
post('?run_id=r2&branch=dev&job=e2e&started_at=2026-01-01T11:00:00Z', [
    case_xml('test_slow', 'tests/test_ui.py', 'timeout waiting for page', "tests/test_ui.py:5: in test_slow\nlib/page.py:7: in wait")]);
post('?run_id=r3&branch=dev&job=api&started_at=2026-01-01T12:00:00Z', [map { api_case($_) } 1 .. 3]);

sub failures {
	my ($qs) = @_;
	my $r = $inst->cgi('insights', 'GET', "/api/failures$qs");
	die "failures$qs: $r->{status} $r->{body}" unless $r->{status} == 200;
	return $r->{json}{failures};
}
sub summary { return [map { ($_->{message} // '') . '/' . $_->{test_count} } @{$_[0]}] }

# branch=*: every branch (without it, the default branch: issue 13 item 4)
my $all = failures('?branch=*');
my ($assert) = grep { ($_->{message} // '') eq 'assert 404 == 200' } @$all;
ok($assert, 'issue 13 item 7: the assertion has a group');
is($assert->{test_count}, 12, 'issue 13 item 7: twelve tests with their own frames are one group of twelve');
is(scalar(grep { ($_->{message} // '') eq 'assert 404 == 200' } @$all), 1, 'issue 13 item 7: and no other group has that message');
is($assert->{occurrences}, 15, 'the group counts every failure, on every branch');
is_deeply($assert->{branches}, ['dev', 'main'], 'the group names its branches');
is(scalar @{$assert->{tests}}, 5, 'the group lists its top five tests');
is(scalar(grep { ($_->{error_type} // '') eq 'AssertionError' && ($_->{message} // '') =~ /^(AssertionError)?$/ } @$all), 2,
    'issue 13 item 7: bare AssertionErrors in different library frames are two groups');

# ranked by tests affected, then by recency
is_deeply(summary($all)->[0], 'assert 404 == 200/12', 'the group affecting the most tests comes first');
is_deeply(summary($all)->[1], 'timeout waiting for page/1', 'then the most recently seen');
is(scalar @$all, 4, 'four groups in all');

# branch and job
is_deeply(summary(failures('?branch=dev')), ['assert 404 == 200/3', 'timeout waiting for page/1'],
    'branch=dev: its groups, counting its tests only, ranked by tests affected');
is(failures('?branch=dev')->[0]{occurrences}, 3, 'branch=dev: occurrences on dev only');
is_deeply(failures('?branch=dev')->[0]{branches}, ['dev'], 'branch=dev: the branches within the filter');
is_deeply(summary(failures('?branch=*&job=e2e')), ['timeout waiting for page/1'], 'job=e2e: its group only');
is_deeply([sort @{summary(failures('?branch=*&job=api'))}], ['/1', 'AssertionError/1', 'assert 404 == 200/12'],
    'job=api: the assertion (both branches) and the bare failures');
is_deeply(summary(failures('?branch=main&job=api'))->[0], 'assert 404 == 200/12', 'branch and job together');
is_deeply(failures('?branch=main&job=e2e'), [], 'a branch and job with no failures: none');
is_deeply(failures('?job=nope'), [], 'an unknown job: none');
is_deeply(summary(failures('?branch=dev&since=2026-01-01T11:30:00Z')), ['assert 404 == 200/3'], 'since with a branch');

# paging keeps the order, filters included
for my $qs ('', '?job=api') {
	my (@got, $cursor);
	for my $n (1 .. 10) {
		my $r = $inst->cgi('insights', 'GET', "/api/failures?limit=1" . ($qs ? "&" . substr($qs, 1) : '')
		    . (defined $cursor ? "&cursor=$cursor" : ''));
		die $r->{body} unless $r->{status} == 200;
		push @got, map { $_->{fingerprint} } @{$r->{json}{failures}};
		$cursor = $r->{json}{next_cursor};
		last unless defined $cursor;
	}
	is_deeply(\@got, [map { $_->{fingerprint} } @{failures($qs)}], "paging one by one gives the list$qs in order");
}

# bad input
my $r = $inst->cgi('insights', 'GET', '/api/failures?job=');
is($r->{status}, 400, 'negative: an empty job is 400');
is($r->{json}{error}{details}{param}, 'job', 'negative: the 400 names job');
$r = $inst->cgi('insights', 'GET', '/api/failures?branch=' . ('b' x 257));
is($r->{status}, 400, 'negative: a branch over 256 characters is 400');
is($r->{json}{error}{details}{param}, 'branch', 'negative: the 400 names branch');
done_testing();
