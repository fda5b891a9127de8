#!/usr/bin/perl
# Every statement of lib/'s statement tables prepares on PostgreSQL
# (issue 14 item 1): t/tools/pg-sql-check takes each table entry's
# PostgreSQL text (portable, or the PostgreSQL part of DB_SQL2) with its
# placeholders translated as the adapter translates them, and PREPAREs it,
# with untyped parameters, on a database migrated to the latest
# schema/postgres.  Runs against TESTVIS_TEST_PG, or a private cluster
# (t/lib/PG.pm).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;
use PG qw(pg_start pg_psql pg_stop pg_migrated_db);

my $pg = pg_start();
plan skip_all => "no PostgreSQL: $PG::why" unless $pg;

my $db = 'tv_stmts_' . $$;
my $url = pg_migrated_db($pg, $db);
pass('a scratch database migrated to the latest schema');
my $r;

$r = run_cmd(argv => ['python3', tv_root() . '/t/tools/pg-sql-check', $url]);
my ($total, $failed) = $r->{stdout} =~ /^(\d+) statements, (\d+) do not prepare/m;
ok(defined $total && $total > 100, 'pg-sql-check reads the statement tables (' . ($total // 0) . ' statements)')
    or diag($r->{stdout} . $r->{stderr});
is($failed, 0, 'every statement prepares on PostgreSQL') or diag($r->{stdout});

pg_psql($pg, "DROP DATABASE $db;");
pg_stop($pg);
done_testing();
