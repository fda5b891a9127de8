#!/usr/bin/perl
# API-27: GET /api/openapi.json is an OpenAPI 3.1 document that describes
# exactly the routes of the programs' route tables (each prints its table
# with --routes): every route is documented with its path and query
# parameters, and nothing is documented that no program serves.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance();
my $r = $inst->cgi('health', 'GET', '/api/openapi.json');
is($r->{status}, 200, 'the document is served');
my $doc = $r->{json};
like($doc->{openapi} // '', qr/^3\.1\./, 'it is OpenAPI 3.1');
ok($doc->{info}{title}, 'it has a title');

# every route of every program
my %routes;
opendir(my $dh, tv_build() . '/cgi-bin') or die;
for my $prog (sort grep { /^testvis-/ } readdir $dh) {
	my $out = run_cmd(argv => [tv_build() . "/cgi-bin/$prog", '--routes']);
	is($out->{exit}, 0, "$prog --routes");
	for my $line (split /\n/, $out->{stdout}) {
		my ($method, $path, @fields) = split / /, $line;
		my %kv = map { split /=/, $_, 2 } @fields;
		$routes{lc($method) . " $path"} = \%kv;
	}
}
closedir $dh;
ok(keys %routes >= 19, scalar(keys %routes) . ' routes found');

my %documented;
for my $path (keys %{$doc->{paths}}) {
	for my $m (grep { /^(get|post|put|delete|patch)$/ } keys %{$doc->{paths}{$path}}) {
		$documented{"$m $path"} = $doc->{paths}{$path}{$m};
	}
}

# resolves a local $ref
sub deref {
	my ($x) = @_;
	while (ref $x eq 'HASH' && $x->{'$ref'}) {
		my $ref = $x->{'$ref'};
		$ref =~ s{^#/}{} or return undef;
		$x = $doc;
		$x = $x->{$_} for split m{/}, $ref;
	}
	return $x;
}

for my $key (sort keys %routes) {
	ok($documented{$key}, "documented: $key") or next;
	my $op = $documented{$key};
	my ($path) = $key =~ / (.*)/;
	my @params = map { deref($_) } (@{$doc->{paths}{$path}{parameters} || []}, @{$op->{parameters} || []});
	my %q = map { $_->{name} => 1 } grep { $_ && $_->{in} eq 'query' } @params;
	my %p = map { $_->{name} => 1 } grep { $_ && $_->{in} eq 'path' } @params;
	my @want_q = grep { length } split /,/, $routes{$key}{query} // '';
	push @want_q, 'project' if ($routes{$key}{flags} // '') =~ /project/;
	delete $q{_};
	is_deeply([sort keys %q], [sort @want_q], "query parameters of $key");
	is_deeply([sort keys %p], [sort grep { length } split /,/, $routes{$key}{path} // ''], "path parameters of $key");
	ok($op->{responses} && keys %{$op->{responses}}, "responses of $key");
}
for my $key (sort keys %documented) {
	ok($routes{$key}, "served: $key");
}

# every $ref resolves
my @refs;
my $walk;
$walk = sub {
	my ($x) = @_;
	if (ref $x eq 'HASH') { push @refs, $x->{'$ref'} if $x->{'$ref'}; $walk->($_) for values %$x }
	elsif (ref $x eq 'ARRAY') { $walk->($_) for @$x }
};
$walk->($doc);
my @broken = grep { !defined deref({ '$ref' => $_ }) } @refs;
is_deeply(\@broken, [], scalar(@refs) . ' $refs all resolve');

done_testing();
