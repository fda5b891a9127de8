#!/usr/bin/perl
# Issue 12 item 7: every route of every program, requested through
# lighttpd, reaches that program.  The lighttpd routing is generated from
# the programs' route tables (bin/gen-lighttpd-routes); a route added to a
# table must not answer the catch-all 404 behind lighttpd.  Which program
# answered is read from its request log line ("testvis-runs: req=ID ..."),
# found by the X-Request-Id of the answer.  Also: run ids with "/" (%2F),
# the literal segment winning over a parameter, ids of another shape going
# to the catch-all as before, the same under a sub-path, and the
# generator's refusals.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep time);
use TV;

my $gen = tv_root() . '/bin/gen-lighttpd-routes';

# Every program's routes: [program, method, pattern].
my @routes;
opendir(my $dh, tv_build() . '/cgi-bin') or die;
for my $prog (sort grep { /^testvis-[a-z]+$/ } readdir $dh) {
	my $r = run_cmd(argv => [tv_build() . "/cgi-bin/$prog", '--routes']);
	is($r->{exit}, 0, "$prog --routes");
	push @routes, map { [$prog, (split / /)[0, 1]] } split /\n/, $r->{stdout};
}
closedir $dh;
ok(@routes >= 30, scalar(@routes) . ' routes');

# The program whose log line carries the request id of answer r.
sub answered_by {
	my ($srv, $r) = @_;
	my $id = $r->{headers}{'x-request-id'} // return '(no X-Request-Id)';
	my $deadline = time + 5;
	while (time < $deadline) {
		open(my $fh, '<', $srv->{log}) or die "$srv->{log}: $!";
		while (my $line = <$fh>) {
			return $1 if $line =~ /^(testvis-[a-z]+): req=\Q$id\E /;
		}
		close $fh;
		sleep 0.05;
	}
	return '(no log line)';
}

# A request through srv: is it answered by prog, and not as no endpoint?
sub reaches {
	my ($srv, $method, $path, $prog, $what) = @_;
	my %o = $method =~ /^(POST|PUT)$/ ? (body => '{}',
	    headers => { 'Content-Type' => 'application/json' }) : ();
	my $r = http_req($srv, $method, $path, %o);
	is(answered_by($srv, $r), $prog, "$what: $method $path reaches $prog");
	unlike($r->{json}{error}{message} // '', qr/^no such endpoint/,
	    "$what: $method $path is an endpoint there") if $prog ne 'testvis-health';
	return $r;
}

# A value every path parameter takes: 16 hex digits (test ids), a
# positive integer (feature and signal ids), a run id.
my $dummy = '1000000000000001';

my $inst = new_instance();
my $srv = $inst->start_lighttpd(max_procs => 1);
for my $rt (@routes) {
	my ($prog, $method, $pattern) = @$rt;
	(my $path = $pattern) =~ s/\{[a-z_]+\}/$dummy/g;
	reaches($srv, $method, $path, $prog, 'every route');
}

# A run id may hold "/", sent as %2F; lighttpd matches the decoded path.
reaches($srv, 'GET', '/api/tests/runs/gh%2F42', 'testvis-runs', 'run id with /');
reaches($srv, 'GET', '/api/tests/runs/gh%2F42/results', 'testvis-runs', 'run id with /');
# Where paths overlap, the literal segment wins: "runs" is no test id.
reaches($srv, 'GET', '/api/tests/runs/history', 'testvis-runs', 'literal over parameter');
reaches($srv, 'GET', '/api/tests/flaky', 'testvis-insights', 'literal over parameter');
# Ids of another shape reach no program's route: the catch-all 404.
for my $p ('/api/tests/XYZ', '/api/tests/0123456789ABCDEF/history', '/api/no/such/thing') {
	my $r = reaches($srv, 'GET', $p, 'testvis-health', 'negative');
	is($r->{status}, 404, "negative: $p is 404");
	like($r->{json}{error}{message} // '', qr/^no such endpoint/, "negative: $p is no endpoint");
}
stop_lighttpd($srv);

# The same under a sub-path (@BASE@, base_path).
my $subinst = new_instance(conf => { base_path => '/testvis' });
my $sub = $subinst->start_lighttpd(max_procs => 1, base => '/testvis');
for my $rt (@routes) {
	my ($prog, $method, $pattern) = @$rt;
	(my $path = $pattern) =~ s/\{[a-z_]+\}/$dummy/g;
	reaches($sub, $method, $path, $prog, 'under a sub-path');
}
stop_lighttpd($sub);

# The generator refuses what lighttpd could not route.
sub fake_programs {
	my (%tables) = @_;
	my $dir = tempdir('cgi-XXXXXX', DIR => tv_scratch());
	for my $p (keys %tables) {
		open(my $fh, '>', "$dir/testvis-$p") or die;
		print $fh "#!/bin/sh\ncat <<'EOF'\n$tables{$p}EOF\n";
		close $fh;
		chmod 0755, "$dir/testvis-$p";
	}
	return $dir;
}
my $tpl = "before\n\@ROUTES\@\nafter\n";
my $ok = fake_programs(one => "GET /api/x/{id} path=id path.id=[^/]+\n",
    two => "GET /api/x/y\n");
my $r = run_cmd(argv => [$gen, $ok], stdin => $tpl);
is($r->{exit}, 0, 'the generator runs on two programs') or diag($r->{stderr});
like($r->{stdout}, qr/^before\n.*"\^\@BASE\@\(\/api\/x\/\[\^\/\]\+\)\$".*"\^\@BASE\@\(\/api\/x\/y\)\$".*\nafter\n\z/s,
    'the parameter block comes first, the literal one later, in the template');
$r = run_cmd(argv => [$gen, fake_programs(one => "GET /api/x/{a} path=a path.a=[^/]+\n",
    two => "POST /api/x/{b} path=b path.b=[^/]+\n")], stdin => $tpl);
is($r->{exit}, 1, 'negative: two programs on the same paths: exit 1');
like($r->{stderr}, qr{/api/x/\{a\} and /api/x/\{b\} may serve the same paths},
    'negative: the error names both routes');
$r = run_cmd(argv => [$gen, fake_programs(
    one => "GET /api/a/{x}/b path=x path.x=[^/]+\nGET /api/c/d\n",
    two => "GET /api/a/y/{z} path=z path.z=[^/]+\nGET /api/c/{w} path=w path.w=[^/]+\n")],
    stdin => $tpl);
is($r->{exit}, 1, 'negative: programs that would each have to come later: exit 1');
like($r->{stderr}, qr/no order: testvis-one, testvis-two/, 'negative: the error names them');
$r = run_cmd(argv => [$gen, $ok], stdin => "no placeholder\n");
is($r->{exit}, 1, 'negative: a template without the routes line: exit 1');
like($r->{stderr}, qr/no line \@ROUTES\@/, 'negative: the error says so');
$r = run_cmd(argv => [$gen, fake_programs(one => "GET /api/x/{id} path=id\n")], stdin => $tpl);
is($r->{exit}, 1, 'negative: a parameter without its shape: exit 1');
like($r->{stderr}, qr/no shape for \{id\}/, 'negative: the error names it');

done_testing();
