#!/usr/bin/perl
# The shape of lib/ (issue 12): each module sits in one layer folder and
# includes only its own layer and the layers below it; no two modules
# include each other, even through others; no SQL outside lib/.  The
# layers, bottom up, and what each may include:
#
#   base    utilities with no database and no HTTP
#   db      the database, migrations, JSON from rows, keyset pages, tokens,
#           projects, the rollups' SQL functions
#   web     the FastCGI request layer (routing, parameters, answers, cache)
#   ingest  reading reports and storing uploads
#   passes  the batch runner and its passes
#   views   read views and admin writes, for the programs in cgi-bin/
#
# web stands beside ingest, passes and views: none of them includes it and
# it includes none of them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Basename qw(basename);
use TV;

my %allowed = (
	base   => [qw(base)],
	db     => [qw(base db)],
	web    => [qw(base db web)],
	ingest => [qw(base db ingest)],
	passes => [qw(base db ingest passes)],
	views  => [qw(base db ingest passes views)],
);
my $root = tv_root();

# module name -> layer, and module -> the modules it includes
my (%layer, %inc);
for my $l (sort keys %allowed) {
	for my $f (glob("$root/lib/$l/*.[ch]")) {
		(my $m = basename($f)) =~ s/\.[ch]$//;
		$layer{$m} = $l;
		open(my $fh, '<', $f) or die "$f: $!";
		while (<$fh>) {
			$inc{$m}{$1} = 1 if /^#include "([a-z0-9_]+)\.h"/ && $1 ne $m;
		}
	}
}
ok(scalar(keys %layer) > 40, 'every module is in a layer folder (' . scalar(keys %layer) . ')');
my @loose = grep { !m{/gen-[a-z-]+\.sh$|/openapi\.json$} } glob("$root/lib/*.*");
is("@loose", '', 'nothing but build inputs lies loose in lib/');

my @up;
for my $m (sort keys %inc) {
	for my $h (sort keys %{$inc{$m}}) {
		next unless exists $layer{$h};	# generated or system headers
		push @up, "$m ($layer{$m}) includes $h ($layer{$h})"
		    unless grep { $_ eq $layer{$h} } @{$allowed{$layer{$m}}};
	}
}
is(join("\n", @up), '', 'no module includes one of a layer above or beside it');

# include circles: depth-first search over the module graph
my (%state, @circles);
sub visit {
	my ($m, @path) = @_;
	$state{$m} = 1;
	for my $h (sort keys %{$inc{$m} || {}}) {
		next unless exists $layer{$h};
		if (($state{$h} // 0) == 1) {
			my @c = (@path, $m);
			my ($i) = grep { $c[$_] eq $h } 0 .. $#c;
			push @circles, join(' -> ', @c[$i .. $#c], $h);
		} elsif (!$state{$h}) {
			visit($h, @path, $m);
		}
	}
	$state{$m} = 2;
}
visit($_) for sort keys %layer;
is(join("\n", @circles), '', 'no include circle among the modules');

# no SQL in the programs: cgi-bin/ and bin/ hold route tables and handlers
my @sql;
for my $f (glob("$root/cgi-bin/*.c"), glob("$root/bin/*.c")) {
	open(my $fh, '<', $f) or die;
	while (<$fh>) {
		push @sql, basename($f) . ":$.: $_"
		    if /"[^"]*\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)\b/;
	}
}
is(join('', @sql), '', 'no SQL outside lib/');

# one storage layer, two engines (issue 14): only the engine adapters call
# SQLite's or libpq's API; every other module goes through lib/db/db.h
my %adapter = map { $_ => 1 } qw(db_sqlite.c db_sqlite_fn.c db_sqlite.h
    db_pg.c pgmigrate.c pgcopy.c);
my @engine;
for my $f (glob("$root/lib/*/*.[ch]"), glob("$root/cgi-bin/*.c"), glob("$root/bin/*.c")) {
	next if $adapter{basename($f)};
	open(my $fh, '<', $f) or die;
	while (<$fh>) {
		push @engine, basename($f) . ":$.: $_"
		    if /\b(sqlite3_\w+|SQLITE_[A-Z_]+|PQ[a-z]\w*|PG(?:conn|result)\b)|<(?:sqlite3|libpq-fe)\.h>/;
	}
}
is(join('', @engine), '', 'no module but the engine adapters calls sqlite3_* or PQ*');

done_testing();
