#!/usr/bin/perl
# The same guarantees on PostgreSQL (issue 14 item 3), end to end through
# the ingest program: while another session holds the writers' advisory
# lock an upload waits busy_timeout_ms and answers 503 busy with
# Retry-After, storing nothing; a full disk (SQLSTATE 53100, raised here
# by a trigger as the server would) answers 507 storage_full and leaves
# nothing half-written (I-2); afterwards the same uploads land whole.
# SQLite's side of these is t/53-ingest-storage.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;
use PG qw(pg_start pg_stop);

my $pg = pg_start();
plan skip_all => "no PostgreSQL: $PG::why" unless $pg;
tv_use_pg($pg->{url}, private => !$pg->{external});

# the writers' lock key, as the adapter takes it
my ($key) = TV::slurp(tv_root() . '/lib/db/db_pg.c') =~ /#define WRITER_LOCK\s+"(\d+)"/;
ok($key, "the writers' lock key ($key)");

sub post { my ($i, $id, $body) = @_;
	return $i->cgi('ingest', 'POST', "/api/tests/ingest?run_id=$id", body => $body,
	    content_type => 'application/xml') }
sub report { my ($n, $tag) = @_;
	my $s = qq{<?xml version="1.0"?>\n<testsuite name="store">};
	$s .= qq{<testcase classname="pkg.$tag" name="case_$_" time="0.01">}
	    . ($_ % 3 == 0 ? qq{<failure message="boom $_">trace $_</failure>} : '')
	    . '</testcase>' for 1 .. $n;
	return "$s</testsuite>\n" }
sub footprint { my ($i) = @_;
	return $i->sql(q{SELECT (SELECT count(*) FROM runs) || ',' || (SELECT count(*) FROM run_shards) || ',' || }
	    . q{(SELECT count(*) FROM results) || ',' || (SELECT count(*) FROM tests) || ',' || (SELECT count(*) FROM events)}) }
sub exact_run { my ($i, $id, $n, $what) = @_;
	my $f = int($n / 3);
	is($i->sql("SELECT tests, passed, failed FROM runs WHERE run_id = '$id'"), "$n|" . ($n - $f) . "|$f",
	    "$what: run counts match the report");
	is($i->sql("SELECT count(*) FROM results r JOIN runs u ON u.id = r.run WHERE u.run_id = '$id'"), $n,
	    "$what: every result stored") }

my $inst = new_instance(conf => { auth_ingest => 'open', busy_timeout_ms => 300 });
is($inst->engine, 'postgresql', 'an instance on PostgreSQL');
is(post($inst, 'before', report(9, 'B'))->{status}, 201, 'a first upload lands');
my $before = footprint($inst);

# --- 503 busy: another writer holds the lock past the wait ---
my $s = $inst->pg_session("BEGIN; SELECT pg_advisory_xact_lock($key);");
my $r = post($inst, 'during', report(9, 'B'));
is($r->{status}, 503, 'an upload while another session holds the writers\' lock answers 503');
is($r->{json}{error}{code}, 'busy', 'with code busy');
like($r->{headers}{'retry-after'} // '', qr/^[1-9][0-9]*$/, 'and Retry-After');
TV::pg_session_end($s);
is(footprint($inst), $before, 'the refused upload stored nothing');
$r = post($inst, 'during', report(9, 'B'));
is($r->{status}, 201, 'once the lock is gone the same upload lands') or diag($r->{body});
exact_run($inst, 'during', 9, 'after busy');

# --- 507: the disk fills up in the middle of an upload ---
$inst->sql(q{CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.test % 7 = 3 THEN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END IF; RETURN NEW; END $$;
CREATE TRIGGER disk_full BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION disk_full();});
$before = footprint($inst);
$r = post($inst, 'full', report(30, 'F'));
is($r->{status}, 507, 'a disk filling up during an upload answers 507') or diag($r->{body});
is($r->{json}{error}{code}, 'storage_full', 'with code storage_full');
is(footprint($inst), $before, 'nothing of it is stored: no run, shard, result, test or event (I-2)');
unlike($r->{stderr}, qr/\Q$inst->{db}\E/, 'the log never holds the connection string');
$inst->sql('DROP TRIGGER disk_full ON results; DROP FUNCTION disk_full();');
$r = post($inst, 'full', report(30, 'F'));
is($r->{status}, 201, 'with room again the same upload lands');
exact_run($inst, 'full', 30, 'after the full disk');
pg_stop($pg);
done_testing();
