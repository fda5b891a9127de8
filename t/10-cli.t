#!/usr/bin/perl
# The testvis command line: migrate, project, token; exit statuses 0/1/2/3.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance();
my $r;

$r = $inst->cli('migrate');
is($r->{exit}, 0, 'migrate twice is fine');
like($r->{stdout}, qr/at schema level \d+ \(0 applied\)/, 'second migrate applies nothing');

$r = $inst->cli('project', 'add', 'shop-web', '--name', 'Shop web');
is($r->{exit}, 0, 'project add');
like($r->{stdout}, qr/project shop-web created/, 'project add says created');
$r = $inst->cli('project', 'add', 'shop-web');
like($r->{stdout}, qr/already exists/, 'project add again says it exists');
$r = $inst->cli('project', 'list');
like($r->{stdout}, qr/^default\t/m, 'project list shows default');
like($r->{stdout}, qr/^shop-web\tShop web\t0 runs\t0 tests\t-$/m, 'project list shows counters');

$r = $inst->cli('project', 'add', 'Bad_Slug');
is($r->{exit}, 1, 'negative: invalid slug exits 1');
like($r->{stderr}, qr/invalid project slug 'Bad_Slug'/, 'negative: invalid slug is named');

$r = $inst->cli('token', 'create', '--project', 'shop-web', '--scope', 'ingest', '--name', 'ci');
is($r->{exit}, 0, 'token create');
like($r->{stdout}, qr/^tv_([0-9a-f]{12})_[0-9a-f]{48}\n\z/, 'token printed once, alone');
my ($id) = $r->{stdout} =~ /^tv_([0-9a-f]{12})_/;
my $secret = $r->{stdout};
chomp $secret;

$r = $inst->cli('token', 'list');
like($r->{stdout}, qr/^$id\tshop-web\tingest\tci\t\S+Z\tactive$/m, 'token list shows the token');
unlike($r->{stdout}, qr/\Q$secret\E/, 'token list never shows the secret');
my $dbdump = $inst->sql('SELECT hash FROM tokens');
unlike($dbdump, qr/\Q$secret\E/, 'the database keeps no token text');
like($dbdump, qr/^[0-9a-f]{64}$/m, 'the database keeps a SHA-256');

like($r->{stdout}, qr/\AID\tPROJECT\tSCOPE\tNAME\tCREATED\tSTATE\n/, 'issue 13 item 9: token list starts with a header naming the ID column');
$r = $inst->cli('token', 'list', '--project', 'default');
is($r->{stdout}, "ID\tPROJECT\tSCOPE\tNAME\tCREATED\tSTATE\n", 'token list filtered by project: only the header');

$r = $inst->cli('token', 'create', '--project', 'shop-web', '--scope', 'root');
is($r->{exit}, 1, 'negative: bad scope exits 1');
like($r->{stderr}, qr/invalid scope 'root'/, 'negative: bad scope named');
$r = $inst->cli('token', 'create', '--project', 'nope', '--scope', 'read');
is($r->{exit}, 1, 'negative: unknown project exits 1');
like($r->{stderr}, qr/unknown project 'nope'/, 'negative: unknown project named');
$r = $inst->cli('token', 'create', '--scope', 'read');
is($r->{exit}, 2, 'negative: token create without --project is a usage error');

$r = $inst->cli('token', 'revoke', $id);
is($r->{exit}, 0, 'token revoke');
$r = $inst->cli('token', 'list');
like($r->{stdout}, qr/^$id\t.*\trevoked$/m, 'revoked token listed as revoked');
$r = $inst->cli('token', 'revoke', $id);
is($r->{exit}, 1, 'negative: revoking twice exits 1');
like($r->{stderr}, qr/no active token '$id' \(the ID column of 'testvis token list'\)/, 'negative: revoking twice says why and where ids are');

# issue 13 item 9: revoke also takes the whole token text
$r = $inst->cli('token', 'create', '--project', 'shop-web', '--scope', 'read');
chomp(my $whole = $r->{stdout});
my ($id2) = $whole =~ /^tv_([0-9a-f]{12})_/;
$r = $inst->cli('token', 'revoke', $whole);
is($r->{exit}, 0, 'issue 13 item 9: token revoke takes the whole token text');
like($r->{stdout}, qr/^token $id2 revoked$/m, 'and says the id it revoked');

$r = $inst->cli('frobnicate');
is($r->{exit}, 2, 'negative: unknown command exits 2');
like($r->{stderr}, qr/unknown command 'frobnicate'/, 'negative: unknown command named');
$r = $inst->cli('--bogus', 'migrate');
is($r->{exit}, 2, 'negative: unknown option exits 2');
$r = $inst->cli();
is($r->{exit}, 2, 'negative: no command exits 2');
$r = $inst->cli('version');
like($r->{stdout}, qr/^testvis \d+\.\d+\.\d+/, 'version');

# Storage errors exit 3; config errors exit 1 naming the key and line.
$r = $inst->cli({ TESTVIS_DB => '/nonexistent/dir/x.db' }, 'project', 'list');
is($r->{exit}, 3, 'negative: database that cannot be opened exits 3');
like($r->{stderr}, qr/cannot open database/, 'negative: says it cannot open the database');
$r = $inst->cli({ TESTVIS_DB => '/nonexistent/dir/x.db' }, 'migrate');
is($r->{exit}, 3, 'negative: migrate into a missing directory exits 3');

SKIP: {
	skip 'PostgreSQL cases', 3 if $inst->engine ne 'postgresql';
	my $dead = 'postgresql://testvis:s3cretpw@127.0.0.1:' . TV::free_port() . '/x?connect_timeout=2';
	$r = $inst->cli({ TESTVIS_DB => $dead }, 'project', 'list');
	is($r->{exit}, 3, 'negative: a PostgreSQL server that does not answer exits 3');
	unlike($r->{stdout} . $r->{stderr}, qr/s3cretpw/, 'negative: without showing the password');
	$r = $inst->cli({ TESTVIS_DB => TV::pg_create_db() }, 'project', 'list');
	is($r->{exit}, 3, 'negative: an unmigrated PostgreSQL database exits 3');
}

my $fresh = tv_scratch() . "/fresh.db";
$r = $inst->cli({ TESTVIS_DB => $fresh }, 'project', 'list');
is($r->{exit}, 3, 'negative: unmigrated database exits 3');

open(my $fh, '>', tv_scratch() . "/bad.conf") or die;
print $fh "db = /tmp/x.db\n# fine\ncolour = blue\n";
close $fh;
$r = $inst->cli('--config', tv_scratch() . "/bad.conf", 'project', 'list');
is($r->{exit}, 1, 'negative: bad config exits 1');
like($r->{stderr}, qr/bad\.conf:3: unknown key 'colour'/, 'negative: bad config names file, line and key');

done_testing();
