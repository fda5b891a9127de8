#!/usr/bin/perl
# The PostgreSQL adapter (issue 14 items 1 and 3): build/t/pg-adapter
# (t/pg-adapter.c) checks values, DB_SQL2, writes while walking a result,
# the failure mapping (53100 -> storage full, lock timeout -> busy), the
# writers' and the batch's advisory locks, the data version and the
# reconnect after a killed connection, on a scratch database of a private
# cluster (or TESTVIS_TEST_PG).  Its log lines never carry the URL.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;
use PG qw(pg_start pg_psql pg_stop);

my $pg = pg_start();
plan skip_all => "no PostgreSQL: $PG::why" unless $pg;
my $db = 'tv_adapter_' . $$;
my $r = pg_psql($pg, "CREATE DATABASE $db;");
is($r->{exit}, 0, 'a scratch database') or diag($r->{stderr});
(my $url = $pg->{url}) =~ s{/[^/]*$}{/$db};
$r = run_cmd(argv => [tv_build() . '/t/pg-adapter', $url]);
my @not = grep { /^not ok/ } split /\n/, $r->{stdout};
is($r->{exit}, 0, 'the adapter checks pass') or diag($r->{stdout});
like($r->{stdout}, qr/^1\.\.(\d+)$/m, 'and ran to their plan');
is(scalar(@not), 0, 'none failed');
like($r->{stderr}, qr/lock timeout/, 'a lock timeout is logged');
like($r->{stderr}, qr/connection was lost and is re-established/, 'so is the reconnect');
unlike($r->{stderr}, qr/\Q$url\E|127\.0\.0\.1:\d+/, 'no log line holds the connection string');
pg_psql($pg, "DROP DATABASE $db WITH (FORCE);");
pg_stop($pg);
done_testing();
