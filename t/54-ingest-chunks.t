#!/usr/bin/perl
# The chunk writer (lib/ingest/chunkwriter.c) reuses its testcase slots from one
# chunk to the next; nothing of a slot's earlier testcase may carry over.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open' });
sub sql { my ($i, $q) = @_; return $i->sql($q) }
sub post_json { my ($i, $body) = @_;
	return $i->cgi('ingest', 'POST', '/api/tests/ingest', body => $body,
	    content_type => 'application/json') }
sub result { my ($name) = @_; return qq{{"classname":"pkg.T","name":"$name","status":"passed"}} }

my $r = post_json($inst, '{"run_id":"r1","results":[' . join(',', result('old'), result('new')) . ']}');
is($r->{status}, 201, 'the first run is created') or diag($r->{body});
sql($inst, "INSERT INTO aliases (from_test, to_test, project_id, created_at) "
    . "SELECT o.id, n.id, o.project_id, 0 FROM tests o, tests n WHERE o.name = 'old' AND n.name = 'new'");
is(sql($inst, 'SELECT count(*) FROM aliases'), '1', 'old is an alias of new');

# A full first chunk (8192 testcases) of the aliased test, then new tests
# in the same slots: they are not aliased.
my @results = ((result('old')) x 8192, map { result("n$_") } 1 .. 50);
$r = post_json($inst, '{"run_id":"r2","results":[' . join(',', @results) . ']}');
is($r->{status}, 201, 'the second run is created') or diag($r->{body});
is($r->{json}{new_tests}, 50,
    'issue 12: a chunk slot that held an aliased testcase does not mark the next one aliased (new tests counted)');
is(sql($inst, "SELECT count(*) FROM tests WHERE " . ($inst->engine eq 'postgresql' ? "name ~ '^n[0-9]'" : "name GLOB 'n[0-9]*'")), '50',
    'issue 12: the new tests after a chunk of aliased testcases get their definitions');
is(sql($inst, "SELECT attempts FROM results r JOIN runs u ON u.id = r.run JOIN tests t ON t.id = r.test "
    . "WHERE u.run_id = 'r2' AND t.name = 'new'"), '8192', 'the aliased testcases are stored as the new test');

done_testing();
