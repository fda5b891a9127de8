#!/usr/bin/perl
# PostgreSQL schema (issue 14 item 2, first step): schema/postgres/ has
# the same migrations as schema/sqlite/, by number and name; applied in
# order to an empty PostgreSQL database they make the same tables with the
# same columns and the same named indexes as SQLite's, and the migrations
# that carry history forward (0006-0008) do so on PostgreSQL too.  Runs
# against TESTVIS_TEST_PG, or a private cluster (t/lib/PG.pm).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;
use PG qw(pg_start pg_psql pg_stop);

my $root = tv_root();
sub names { my ($d) = @_; opendir(my $dh, $d) or die "$d: $!"; my @f = sort grep { /^\d{4}-.*\.sql$/ } readdir $dh; return @f }
my @lite = names("$root/schema/sqlite");
my @pg = names("$root/schema/postgres");
is_deeply(\@pg, \@lite, 'schema/postgres has every migration of schema/sqlite, same numbers and names');

my $pg = pg_start();
plan skip_all => "no PostgreSQL: $PG::why" unless $pg;
my $db = 'tv_schema_' . $$;
my $r = pg_psql($pg, "CREATE DATABASE $db;");
is($r->{exit}, 0, 'a scratch database') or diag($r->{stderr});

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or die "$f: $!"; local $/; return <$fh> }
sub apply { my ($f) = @_;
	my $r = pg_psql($pg, "BEGIN;\n" . slurp("$root/schema/postgres/$f") . "\nCOMMIT;\n", db => $db);
	is($r->{exit}, 0, "$f applies on PostgreSQL in one transaction") or diag($r->{stderr}) }
sub pq { my ($sql) = @_; my $r = pg_psql($pg, $sql, db => $db); die "psql: $r->{stderr}" if $r->{exit};
	chomp(my $o = $r->{stdout}); return $o }

# up to 0005, then some history, then the migrations that carry it forward
apply($_) for grep { $_ lt '0006' } @pg;
pq(q{INSERT INTO projects (id, slug, name, created_at) VALUES (1, 'default', 'default', 0);
INSERT INTO runs (id, project_id, run_id, started_at, branch, job, ingested_at) VALUES
 (1, 1, 'r1', 1000, 'main', 'unit', 1000), (2, 1, 'r2', 2000, 'main', 'unit', 2000),
 (3, 1, 'r3', 3000, 'dev', NULL, 3000);
INSERT INTO tests (id, project_id, test_id, identity_path, name, base_name, first_seen_at)
 VALUES (7, 1, '0000000000000007', 'a.py', 't', 't', 1000);
INSERT INTO results (run, test, shard, started_at, status, fingerprint) VALUES
 (1, 7, 1, 1000, 0, NULL), (2, 7, 1, 2000, 1, 'fp'), (3, 7, 1, 3000, 3, NULL);
INSERT INTO flaky_windows (test, branch, recent, last_run) VALUES (7, 'main', 'PF', 2);
INSERT INTO flaky_states (test, project_id, state, first_at, last_at, evidence) VALUES
 (7, 1, 'flaky', 2000, 2000, '[{"at":2000,"branch":"main","job":"unit"}]');});
apply($_) for grep { $_ ge '0006' } @pg;
is(pq(q{SELECT branch || '/' || job || '/' || recent FROM flaky_windows}), 'main//PF',
    '0006 keeps the flaky windows (as the unnamed job)');
is(pq(q{SELECT fingerprint || ':' || branch || ':' || job || ':' || occurrences FROM failure_streams}), 'fp:main:unit:1',
    '0007 counts the stored failures into their streams');
is(pq(q{SELECT string_agg(branch || '/' || job || ':' || last_status || ':' || recent || ':' || runs_count || ':'
    || coalesce(fail_rate::text, '-') || ':' || coalesce(flaky_at::text, '-'), ' ' ORDER BY branch) FROM stream_stats}),
    'dev/:skipped:S:1:-:- main/unit:failed:PF:2:0.5:2000',
    '0008 counts the history into stream_stats, with the flaky evidence of each stream');

# the same tables, columns and named indexes as SQLite
my $inst = new_instance(engine => 'sqlite');
sub lite { my ($sql) = @_; my $r = run_cmd(argv => ['sqlite3', $inst->{db}, $sql]); die $r->{stderr} if $r->{exit};
	return [sort split /\n/, $r->{stdout}] }
my $lite_cols = lite(q{SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'schema_migrations'});
my $pg_cols = [sort split /\n/, pq(q{SELECT table_name || '.' || column_name FROM information_schema.columns
    WHERE table_schema = 'public'})];
is_deeply($pg_cols, $lite_cols, 'the same tables and columns (' . scalar(@$lite_cols) . ')');
my $lite_idx = lite(q{SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'});
my $pg_idx = [sort split /\n/, pq(q{SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
    AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'})];
is_deeply($pg_idx, $lite_idx, 'the same named indexes (' . scalar(@$lite_idx) . ')');
my $types = pq(q{SELECT string_agg(DISTINCT data_type, ',') FROM information_schema.columns WHERE table_schema = 'public'});
is($types, 'bigint,bytea,double precision,jsonb,text', 'PostgreSQL types: BIGINT times and ids, BYTEA, JSONB, DOUBLE PRECISION, TEXT');

# testvis migrate with db = postgresql://… (issue 14 item 2)
my $db2 = 'tv_migrate_' . $$;
is(pg_psql($pg, "CREATE DATABASE $db2;")->{exit}, 0, 'a database for testvis migrate');
(my $url = $pg->{url}) =~ s{/[^/]*$}{/$db2};
my $conf = tv_scratch() . "/pg.conf";
open(my $fh, '>', $conf) or die; print $fh "db = $url\n"; close $fh;
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $conf, 'migrate']);
is($r->{exit}, 0, 'testvis migrate runs on PostgreSQL') or diag($r->{stderr});
like($r->{stdout}, qr/^postgresql database \Q$db2\E on \S+ at schema level ${\ scalar @pg} \(${\ scalar @pg} applied\)$/m,
    'it applies every migration and says the level') or diag($r->{stdout});
is(pg_psql($pg, 'SELECT count(*), max(version) FROM schema_migrations;', db => $db2)->{stdout}, scalar(@pg) . '|' . scalar(@pg) . "\n",
    'the level is recorded as on SQLite');
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $conf, 'migrate']);
like($r->{stdout}, qr/\(0 applied\)/, 'a second migrate applies nothing');
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $conf, 'project', 'list']);
is($r->{exit}, 0, 'the other commands run on it too (project list)') or diag($r->{stderr});
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $conf, 'project', 'add', 'pgproj']);
is($r->{exit}, 0, 'project add on PostgreSQL') or diag($r->{stderr});
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $conf, 'project', 'list']);
like($r->{stdout}, qr/pgproj/, 'and the project is listed');
unlike($r->{stderr} . $r->{stdout}, qr/\Q$url\E/, 'never printing the connection string');
# a wrong password and a dead port: the error names neither secret nor URL
my $port = TV::free_port();
open($fh, '>', $conf) or die; print $fh "db = postgresql://testvis:s3cretpw\@127.0.0.1:$port/x?connect_timeout=2\n"; close $fh;
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $conf, 'migrate']);
isnt($r->{exit}, 0, 'negative: an unreachable server fails the migration');
like($r->{stderr}, qr/cannot connect to PostgreSQL/, 'saying it cannot connect');
unlike($r->{stderr} . $r->{stdout}, qr/s3cretpw/, 'without the password');

# testvis copy --to (issue 14 item 4): a SQLite history into the
# migrated database, every table, resumable
open($fh, '>', $conf) or die; print $fh "db = $url\n"; close $fh;
my $src = new_instance(engine => 'sqlite', conf => { auth_ingest => 'open' });
my $dir = tv_scratch();
for my $i (1 .. 4) {
	open(my $x, '>', "$dir/c$i.xml") or die;
	print $x qq{<testsuite name="s"><testcase classname="s.T" name="a" time="0.5"/>}
	    . qq{<testcase classname="s.T" name="b"><failure message="m">line1\nline2\t\\ back</failure></testcase>}
	    . ($i < 3 ? qq{<testcase classname="s.T" name="gone"/>} : '') . '</testsuite>';
	close $x;
	my $ri = $src->cli('ingest', '--branch', $i % 2 ? 'main' : 'dev', '--job', 'unit', '--run-id', "c$i",
	    '--started-at', "2026-05-0${i}T10:00:00Z", "$dir/c$i.xml");
	die "ingest: $ri->{stderr}" if $ri->{exit};
}
is($src->cli('batch')->{exit}, 0, 'a history with batch results to copy');
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $src->{conf}, 'copy', '--to', $url]);
is($r->{exit}, 0, 'testvis copy --to copies into the migrated database') or diag($r->{stderr});
like($r->{stderr}, qr{^copy: 8/38 results: 10 rows$}m, 'with a progress line per table');
my @tables = map { (split /\|/)[0] } split /\n/, pg_psql($pg, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY 1;", db => $db2)->{stdout};
is(scalar @tables, 39, 'every table (history_days: PostgreSQL\'s triggers build it from result_history)');
my (@lc, @pc);
for my $t (@tables) {
	push @lc, "$t=" . run_cmd(argv => ['sqlite3', $src->{db}, "SELECT count(*) FROM $t"])->{stdout};
	push @pc, "$t=" . pg_psql($pg, "SELECT count(*) FROM $t;", db => $db2)->{stdout};
}
is_deeply(\@pc, \@lc, 'the same rows in every table');
my $cols = "run || '|' || test || '|' || status || '|' || coalesce(duration_ms, -1) || '|' || coalesce(fingerprint, '')";
is(pg_psql($pg, "SELECT string_agg($cols, ',' ORDER BY run, test) FROM results;", db => $db2)->{stdout},
    run_cmd(argv => ['sqlite3', $src->{db}, "SELECT group_concat(r, ',') FROM (SELECT $cols AS r FROM results ORDER BY run, test)"])->{stdout},
    'the results alike, value for value');
is(pg_psql($pg, "SELECT details FROM result_texts WHERE details LIKE 'line1%' LIMIT 1;", db => $db2)->{stdout},
    "line1\nline2\t\\ back\n", 'text with a newline, a tab and a backslash survives COPY');
is(pg_psql($pg, "SELECT encode(recent_ms, 'hex') FROM test_stats ORDER BY test LIMIT 1;", db => $db2)->{stdout},
    lc(run_cmd(argv => ['sqlite3', $src->{db}, 'SELECT hex(recent_ms) FROM test_stats ORDER BY test LIMIT 1'])->{stdout}),
    'blobs arrive byte for byte');
is(pg_psql($pg, "INSERT INTO runs (project_id, run_id, started_at, ingested_at) VALUES (1, 'after', 1, 1) RETURNING id;", db => $db2)->{stdout},
    "5\n", 'identity sequences continue after the copied ids');
pg_psql($pg, "DELETE FROM runs WHERE run_id = 'after';", db => $db2);
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $src->{conf}, 'copy', '--to', $url]);
like($r->{stdout}, qr/^copied 0 tables/m, 'copied again: every table is already there (resumes)');
pg_psql($pg, "DELETE FROM signal_tests; DELETE FROM stream_stats;", db => $db2);
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $src->{conf}, 'copy', '--to', $url]);
like($r->{stdout}, qr/^copied 2 tables/m, 'a copy stopped before the last tables copies just those');
pg_psql($pg, "DELETE FROM signal_tests; DELETE FROM feature_days WHERE ctid IN (SELECT ctid FROM feature_days LIMIT 1);", db => $db2);
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $src->{conf}, 'copy', '--to', $url]);
isnt($r->{exit}, 0, 'negative: a table with other rows than the source is refused');
like($r->{stderr}, qr/feature_days has \d+ rows in PostgreSQL and \d+ in SQLite/, 'naming the table');
is(pg_psql($pg, "CREATE DATABASE ${db2}_empty;")->{exit}, 0, 'an unmigrated database');
(my $url3 = $url) =~ s{/[^/]*$}{/${db2}_empty};
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $src->{conf}, 'copy', '--to', $url3]);
isnt($r->{exit}, 0, 'negative: copying into a database that was not migrated fails');
like($r->{stderr}, qr/run 'testvis migrate' on it first|schema_migrations/, 'saying to migrate it first');
$r = run_cmd(argv => [tv_build() . '/bin/testvis', '--config', $src->{conf}, 'copy', '--to', '/tmp/x.db']);
is($r->{exit}, 2, 'negative: --to takes a postgresql:// URL') or diag("$r->{exit} $r->{stderr}");
pg_psql($pg, "DROP DATABASE ${db2}_empty;");
pg_psql($pg, "DROP DATABASE $db2;");

pg_psql($pg, "DROP DATABASE $db;");
pg_stop($pg);
done_testing();
