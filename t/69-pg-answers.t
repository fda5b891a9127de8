#!/usr/bin/perl
# Moving up (issue 14 item 4): the demo history (bin/demo-data through the
# real ingest path, then a batch) copied into PostgreSQL with `testvis copy
# --to` answers every GET URL of bench/answers.py's list (each route with
# its filters, sorts, branches, pages and errors) with the same status,
# ETag and body as the SQLite database it came from.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;
use PG qw(pg_start pg_psql pg_stop pg_migrated_db);

my $pg = pg_start();
plan skip_all => "no PostgreSQL: $PG::why" unless $pg;
my $root = tv_root();
my $dir = tv_scratch() . "/answers-$$";
my $r = run_cmd(argv => ['python3', "$root/bench/answers.py", 'make-db', $dir],
    env => { BUILD => tv_build() });
is($r->{exit}, 0, 'the demo history') or diag($r->{stderr});
my $db = "tv_answers_$$";
my $url = pg_migrated_db($pg, $db);
my $tv = tv_build() . '/bin/testvis';
$r = run_cmd(argv => [$tv, 'copy', '--to', $url], env => { TESTVIS_CONF => "$dir/testvis.conf" });
is($r->{exit}, 0, 'testvis copy --to moves the history') or diag($r->{stderr});

my $lite = run_cmd(argv => ['python3', "$root/bench/answers.py", 'record', tv_build(), $dir]);
my $post = run_cmd(argv => ['python3', "$root/bench/answers.py", 'record', tv_build(), $dir, $url]);
is($lite->{exit}, 0, 'answers from SQLite') or diag($lite->{stderr});
is($post->{exit}, 0, 'answers from PostgreSQL') or diag($post->{stderr});
my @a = split /\n/, $lite->{stdout};
my @b = split /\n/, $post->{stdout};
ok(@a > 100, 'over a hundred URLs (' . scalar(@a) . ')');
is(scalar(grep { /^200 / } @a) > 80, 1, 'most of them answered 200 on SQLite');
my @diff;
for my $i (0 .. $#a) {
	push @diff, "sqlite: $a[$i]\npostgres: " . ($b[$i] // '(none)') if ($b[$i] // '') ne $a[$i];
}
is(scalar(@diff), 0, 'PostgreSQL answers every URL as SQLite does') or diag(join("\n", @diff[0 .. ($#diff < 14 ? $#diff : 14)]));
pg_psql($pg, "DROP DATABASE $db WITH (FORCE);");
pg_stop($pg);
done_testing();
