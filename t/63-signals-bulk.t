#!/usr/bin/perl
# Bulk triage of integrity signals (issue 13 item 8): POST
# /api/tests/integrity/alerts (admin) {"status", "note"?, and exactly one
# of "ids", "run_id", "session_id"} moves every selected signal of the
# project in one transaction and answers {updated, signals}; every bad
# input is a 400 naming the field, an unknown run or session a 404, and
# the signals of another project are never touched.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open' });
is($inst->cli('project', 'add', 'other')->{exit}, 0, 'a second project');
my $admin = $inst->token('default', 'admin');
my $reader = $inst->token('default', 'read');
my $other_admin = $inst->token('other', 'admin');

sub sql { my ($q) = @_; return $inst->sql($q) }
my $min = 0;
sub up { my ($project, $run, $session) = @_;
	$min++;
	my $qs = "?project=$project&run_id=$run&branch=main&started_at=2026-01-01T10:" . sprintf('%02d', $min) . ':00Z' .
	    (defined $session ? "&session_id=$session" : '');
	my $r = $inst->cgi('ingest', 'POST', "/api/tests/ingest$qs",
	    body => '<testsuite name="s"><testcase classname="s" name="t1"/></testsuite>',
	    content_type => 'application/xml');
	die "upload $run: $r->{status} $r->{body}" unless $r->{status} == 201;
}
# n signals on run (of its project), as the integrity pass would raise them
sub raise { my ($run, $n) = @_;
	for my $i (1 .. $n) {
		sql("INSERT INTO signals (project_id, run, signal_type, severity, subject, message, created_at, updated_at) " .
		    "SELECT project_id, id, 'test_removed', 'high', 'subj$i', 'gone $i', 1, 1 FROM runs WHERE run_id = '$run'");
	}
	return [split /\n/, sql("SELECT g.id FROM signals g JOIN runs r ON r.id = g.run WHERE r.run_id = '$run' ORDER BY g.id")];
}
sub bulk { my ($body, $token) = @_;
	return $inst->cgi('integrity', 'POST', '/api/tests/integrity/alerts', body => $body,
	    content_type => 'application/json', headers => { Authorization => 'Bearer ' . ($token // $admin) });
}
sub st { my ($id) = @_; return sql("SELECT status FROM signals WHERE id = $id") }

up('default', 'r1', 'sess-a');
up('default', 'r2', 'sess-a');
up('default', 'r3', 'sess-b');
up('other', 'o1', 'sess-a');
my $s1 = raise('r1', 3);
my $s2 = raise('r2', 2);
my $s3 = raise('r3', 2);
my $so = raise('o1', 2);

# happy paths
my $r = bulk(qq({"status":"acknowledged","ids":[$s1->[0],$s1->[1]],"note":"known"}));
is($r->{status}, 200, 'bulk acknowledge by ids') or diag($r->{body});
is_deeply($r->{json}, { updated => 2, signals => [$s1->[0], $s1->[1]] }, 'answers the count and the ids');
is(join(',', map { st($_) } @$s1), 'acknowledged,acknowledged,open', 'exactly the named signals moved');
is(sql("SELECT note FROM signals WHERE id = $s1->[0]"), 'known', 'with the note');
is(sql("SELECT count(*) FROM events WHERE kind = 'signal_acknowledged'"), 2, 'one event per signal');

$r = bulk(qq({"status":"resolved","run_id":"r1"}));
is($r->{status}, 200, 'bulk resolve by run');
is_deeply($r->{json}{signals}, $s1, 'every signal of the run');
is(sql("SELECT note FROM signals WHERE id = $s1->[0]"), 'known', 'without a note the notes are kept');
$r = bulk(qq({"status":"resolved","run_id":"r1"}));
is_deeply($r->{json}, { updated => 0, signals => [] }, 'signals already in that status are left as they are');

$r = bulk(qq({"status":"acknowledged","session_id":"sess-a"}));
is($r->{status}, 200, 'bulk acknowledge by session');
is_deeply($r->{json}{signals}, [@$s1, @$s2], 'the signals of both runs of the session, of this project only');
is(join(',', map { st($_) } @$so), 'open,open', 'the other project\'s signals of a session of the same name are untouched');
is(join(',', map { st($_) } @$s3), 'open,open', 'another session\'s signals are untouched');

$r = bulk(qq({"status":"open","ids":[$s3->[0],$s3->[0],$so->[0],$so->[1],999999]}));
is($r->{status}, 200, 'ids of another project or of no signal are not an error');
is_deeply($r->{json}, { updated => 0, signals => [] }, 'and are not counted');
$r = bulk(qq({"status":"resolved","ids":[$s3->[0],$s3->[0],$so->[0]]}));
is_deeply($r->{json}, { updated => 1, signals => [$s3->[0]] }, 'only the own signal counts, a repeated id once');
is(join(',', map { st($_) } @$so), 'open,open', 'ids of another project are not touched');
$r = $inst->cgi('integrity', 'POST', '/api/tests/integrity/alerts?project=other', body => qq({"status":"resolved","ids":[$so->[0],$s3->[1]]}),
    content_type => 'application/json', headers => { Authorization => "Bearer $other_admin" });
is_deeply($r->{json}, { updated => 1, signals => [$so->[0]] }, 'that project\'s admin can');
is(st($s3->[1]), 'open', 'but not this project\'s signals through its token');

# hostile input: 400 naming the field, nothing changed
my $before = sql('SELECT ' . $inst->agg('status', ',', 'id') . ' FROM (SELECT status, id FROM signals ORDER BY id) AS s');
my @bad = (
	['{"status":"resolved","ids":[1],"force":true}', qr/unknown field 'force'/, 'an unknown field'],
	['{"status":"resolved","ids":[]}', qr/ids/, 'empty ids'],
	['{"status":"resolved","ids":[' . join(',', 1 .. 1001) . ']}', qr/ids.*1000/, 'more than 1000 ids'],
	['{"status":"resolved","ids":"1,2"}', qr/ids/, 'ids not an array'],
	['{"status":"resolved","ids":[1,"2"]}', qr/ids\[1\]/, 'an id that is not an integer'],
	['{"status":"resolved","ids":[0]}', qr/ids\[0\]/, 'an id below 1'],
	['{"status":"resolved","ids":[1.5]}', qr/ids\[0\]/, 'a fractional id'],
	['{"status":"closed","ids":[1]}', qr/status/, 'an unknown status'],
	['{"status":1,"ids":[1]}', qr/status/, 'a status that is not text'],
	['{"ids":[1]}', qr/status/, 'no status'],
	['{"status":"resolved","ids":[1],"note":5}', qr/note/, 'a note that is not text'],
	['{"status":"resolved","ids":[1],"note":"' . ('x' x 2001) . '"}', qr/note/, 'a note over 2000 bytes'],
	['{"status":"resolved","run_id":7}', qr/run_id/, 'a run_id that is not text'],
	['{"status":"resolved","run_id":""}', qr/run_id/, 'an empty run_id'],
	['{"status":"resolved","session_id":["a"]}', qr/session_id/, 'a session_id that is not text'],
	['{"status":"resolved","ids":[1],"run_id":"r1"}', qr/exactly one of ids, run_id, session_id/, 'two selectors'],
	['{"status":"resolved","run_id":"r1","session_id":"sess-a"}', qr/exactly one/, 'run and session'],
	['{"status":"resolved"}', qr/exactly one/, 'no selector'],
	['[1,2]', qr/object/, 'a body that is not an object'],
);
for my $b (@bad) {
	$r = bulk($b->[0]);
	is($r->{status}, 400, "issue 13 item 8: $b->[2] is a 400");
	is($r->{json}{error}{code}, 'invalid_body', "$b->[2]: invalid_body");
	like($r->{json}{error}{message} // '', $b->[1], "$b->[2]: the message names the field");
}
is(sql('SELECT ' . $inst->agg('status', ',', 'id') . ' FROM (SELECT status, id FROM signals ORDER BY id) AS s'), $before, 'no bad request changed anything');

$r = bulk('{"status":"resolved","run_id":"nope"}');
is($r->{status}, 404, 'an unknown run is a 404');
is($r->{json}{error}{code}, 'not_found', 'not_found');
is(bulk('{"status":"resolved","run_id":"o1"}')->{status}, 404, 'another project\'s run is unknown here');
is(bulk('{"status":"resolved","session_id":"sess-z"}')->{status}, 404, 'an unknown session is a 404');

$r = bulk(qq({"status":"resolved","ids":[$s3->[1]]}), $reader);
is($r->{status}, 403, 'a read token may not triage');
is($inst->cgi('integrity', 'POST', '/api/tests/integrity/alerts', body => '{"status":"resolved","ids":[1]}',
    content_type => 'application/json')->{status}, 401, 'nor may no token');
is(st($s3->[1]), 'open', 'the signal stayed open');

# one transaction: a failing statement mid-way leaves nothing changed
my $pg = $inst->engine eq 'postgresql';
sql($pg ? "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'boom'; END \$\$;
    CREATE TRIGGER boom BEFORE UPDATE ON signals FOR EACH ROW WHEN (NEW.id = $s3->[1]) EXECUTE FUNCTION boom();" :
    "CREATE TRIGGER boom BEFORE UPDATE ON signals WHEN NEW.id = $s3->[1] BEGIN SELECT RAISE(ABORT, 'boom'); END");
is(st($s1->[0]), 'acknowledged', 'the first signal is acknowledged');
my $nev = sql("SELECT count(*) FROM events");
$r = bulk(qq({"status":"resolved","ids":[$s1->[0],$s3->[1]]}));
is($r->{status}, 503, "a storage failure mid-way is a 503") or is(st($s1->[0]), 'acknowledged', 'and the signals before it were rolled back');
is(sql("SELECT count(*) FROM events"), $nev, 'with their events');
sql($pg ? 'DROP TRIGGER boom ON signals; DROP FUNCTION boom();' : 'DROP TRIGGER boom');

done_testing();
