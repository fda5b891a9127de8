#!/usr/bin/perl
# Flaky per stream (issue 13 item 5): the flaky pass judges flip rates and
# same-sha conflicts within one stream, the runs of one branch and job, so
# a test that fails steadily on one branch (or job) is broken there, never
# flaky because it passed on another; its evidence names branch and job;
# and the catalogue shows the flaky pass's flip rate on the default
# branch, the same number as the flaky list's.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(strftime);
use Test::More;
use TV;

my $t0 = time - 2 * 86400;
sub iso { my ($t) = @_; return strftime('%Y-%m-%dT%H:%M:%S', gmtime(int $t)) . 'Z' }

# A report of the tests in @names, each passing unless %st says F.
sub report {
	my ($names, %st) = @_;
	return '<testsuite name="s">' . join('', map { qq{<testcase classname="s.T" name="$_">}
	    . (($st{$_} // 'P') eq 'F' ? '<failure message="boom" type="AssertionError">at T.java:1</failure>' : '')
	    . '</testcase>' } @$names) . '</testsuite>';
}

# Uploads one run: [run_id, branch, job or undef, sha, minutes after $t0].
my %seq;
sub upload {
	my ($inst, $names, $run, %st) = @_;
	my ($id, $branch, $job, $sha, $min) = @$run;
	my $q = "?run_id=$id&branch=$branch&git_sha=$sha&started_at=" . iso($t0 + $min * 60);
	$q .= "&job=$job" if defined $job;
	my $r = $inst->cgi('ingest', 'POST', "/api/tests/ingest$q", body => report($names, %st),
	    content_type => 'application/xml');
	die "upload $id: $r->{status} $r->{body}" unless $r->{status} == 201;
}
sub flaky_pass {
	my ($inst) = @_;
	my $r = $inst->cli('batch', '--pass', 'flaky');
	die "batch: $r->{stdout}$r->{stderr}" unless $r->{exit} == 0;
	return $r->{stdout};
}
sub flaky_by_name {
	my ($inst) = @_;
	my $r = $inst->cgi('insights', 'GET', '/api/tests/flaky?state=all');
	die "flaky list: $r->{status}" unless $r->{status} == 200;
	return { map { $_->{name} => $_ } @{$r->{json}{flaky}} };
}
sub catalogue {
	my ($inst, $qs) = @_;
	my $r = $inst->cgi('tests', 'GET', "/api/tests$qs");
	die "catalogue: $r->{status}" unless $r->{status} == 200;
	return { map { $_->{name} => $_ } @{$r->{json}{tests}} };
}

my @names = qw(broken ok1 ok2 ok3 ok4 ok5);

# ---- broken on main, passed once on an agent branch ----
{
	my $inst = new_instance(conf => { auth_ingest => 'open', flaky_window => 6 });
	upload($inst, \@names, ["m$_", 'main', undef, "s$_", $_ * 10], broken => 'F') for 1 .. 4;
	# the agent's run of main's latest commit, its test body stubbed out
	upload($inst, \@names, ['q1', 'agent/quick-fix', undef, 's4', 45]);
	upload($inst, \@names, ["m$_", 'main', undef, "s$_", $_ * 10], broken => 'F') for 5 .. 6;
	like(flaky_pass($inst), qr/0 newly flaky/, 'issue 13 item 5: no test became flaky');
	ok(!exists flaky_by_name($inst)->{broken},
	    'issue 13 item 5: a test failing steadily on main is not flaky because it passed once on an agent branch');
	my $cat = catalogue($inst, '?limit=50');
	is($cat->{broken}{flaky_score}, 0, 'its flip rate on the default branch (main) is 0');
	ok(!exists catalogue($inst, '?flaky=true')->{broken}, 'the catalogue\'s flaky filter leaves it out');
	is($cat->{broken}{last_status}, 'failed', 'it is broken: failing');
}

# ---- same sha, pass and fail, within one job ----
{
	my $inst = new_instance(conf => { auth_ingest => 'open', flaky_window => 6 });
	upload($inst, \@names, ['u1', 'main', 'unit', 'a1', 10]);
	upload($inst, \@names, ['u2', 'main', 'unit', 'a1', 20], broken => 'F');
	like(flaky_pass($inst), qr/1 newly flaky/, 'one test became flaky');
	my $f = flaky_by_name($inst)->{broken};
	ok($f, 'issue 13 item 5: a pass and a failure of one sha in one job make the test flaky');
	like($f->{monitors} // '', qr/\bsame_sha\b/, 'by the same-sha monitor');
	is($f->{evidence}{same_sha_conflicts}, 1, 'one conflict');
	my ($item) = grep { $_->{monitor} eq 'same_sha' } @{$f->{evidence}{items}};
	is_deeply([@$item{qw(run_id branch job git_sha)}], ['u2', 'main', 'unit', 'a1'],
	    'issue 13 item 5: the evidence names run, branch, job and commit');
}

# ---- same sha passing in job unit, failing in job e2e ----
{
	my $inst = new_instance(conf => { auth_ingest => 'open', flaky_window => 6 });
	upload($inst, \@names, ['c1-unit', 'main', 'unit', 'b1', 10]);
	upload($inst, \@names, ['c1-e2e', 'main', 'e2e', 'b1', 11], broken => 'F');
	like(flaky_pass($inst), qr/0 newly flaky/, 'no test became flaky');
	ok(!exists flaky_by_name($inst)->{broken},
	    'issue 13 item 5: one sha passing in job unit and failing in job e2e is no same-sha conflict');
	ok(!exists catalogue($inst, '?flaky=true')->{broken}, 'nor flaky in the catalogue (no same-sha flake at ingest)');
	# alternating jobs on one branch: P (unit) F (e2e) P F ... is no flip
	upload($inst, \@names, ["c$_-unit", 'main', 'unit', "b$_", $_ * 10]) for 2 .. 5;
	upload($inst, \@names, ["c$_-e2e", 'main', 'e2e', "b$_", $_ * 10 + 1], broken => 'F') for 2 .. 5;
	like(flaky_pass($inst), qr/0 newly flaky/, 'still none');
	ok(!exists flaky_by_name($inst)->{broken},
	    'issue 13 item 5: passing in one job and failing in another does not flip: each job is steady');
	is(catalogue($inst, '?limit=50')->{broken}{flaky_score}, 0, 'and its flip rate on main is 0');
}

# ---- the flip-rate monitor on one stream ----
{
	my $inst = new_instance(conf => { auth_ingest => 'open', flaky_window => 6 });
	for my $i (1 .. 6) {
		upload($inst, \@names, ["e$i", 'main', 'e2e', "f$i", $i * 10], broken => ($i % 2 ? 'F' : 'P'));
		upload($inst, \@names, ["u$i", 'main', 'unit', "f$i", $i * 10 + 1]);	# steady in unit
	}
	like(flaky_pass($inst), qr/1 newly flaky/, 'one test became flaky');
	my $f = flaky_by_name($inst)->{broken};
	ok($f, 'issue 13 item 5: a test flipping within one job is flaky');
	is($f->{monitors}, 'flip', 'by the flip monitor alone');
	is_deeply([@{$f->{evidence}}{qw(flip_branch flip_job)}], ['main', 'e2e'], 'the flip rate names its branch and job');
	is($f->{evidence}{flip_rate}, 1, 'F P F P F P flips at every step');
	is($f->{evidence}{items}[-1]{job}, 'e2e', 'its evidence items name the job');
	is(catalogue($inst, '?limit=50')->{broken}{flaky_score}, $f->{evidence}{flip_rate},
	    'issue 13 item 5: the catalogue shows the same flip rate as the flaky list');
	# the latch sits on e2e: steady unit runs do not clear it
	upload($inst, \@names, ["u$_", 'main', 'unit', "f$_", $_ * 10 + 1]) for 7 .. 9;
	flaky_pass($inst);
	is(flaky_by_name($inst)->{broken}{evidence}{flip_active}, JSON::PP::true, 'another job\'s steady runs leave the latch set');
	upload($inst, \@names, ["e$_", 'main', 'e2e', "f$_", $_ * 10]) for 7 .. 12;
	flaky_pass($inst);
	$f = flaky_by_name($inst)->{broken};
	is($f->{evidence}{flip_active}, JSON::PP::false, 'its own job\'s steady passes clear it');
	is($f->{evidence}{flip_rate}, 0, 'at its rate now');
	is(catalogue($inst, '?limit=50')->{broken}{flaky_score}, 0, 'the catalogue agrees');
}

# ---- evidence: the newest 20 items, kept as they were written ----
# The pass appends each new item to the stored text without decoding the
# items already there (issue 18), so the newest 20 must survive in order,
# a job name holding JSON's own delimiters included, and a stored text
# that is no array must start over rather than stop the pass.
{
	my $inst = new_instance(conf => { auth_ingest => 'open', flaky_window => 4 });
	my $job = "e2e {1},[\"x\\y\"]:}";
	(my $qjob = $job) =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
	for my $i (1 .. 26) {
		upload($inst, \@names, ["r$i", 'main', $qjob, "g$i", $i * 10], broken => ($i % 2 ? 'F' : 'P'));
		flaky_pass($inst) if $i == 3 || $i == 13;
	}
	flaky_pass($inst);
	my $f = flaky_by_name($inst)->{broken};
	my @items = @{$f->{evidence}{items} // []};
	is(scalar @items, 20, 'issue 18: 23 flip items leave the newest 20');
	is_deeply([map { $_->{run_id} } @items], [map { "r$_" } 7 .. 26], 'issue 18: oldest first');
	ok(!(grep { $_->{monitor} ne 'flip' || !defined $_->{flip_rate} || $_->{job} ne $job } @items),
	    'every item a flip with its rate, its job name (braces, brackets, quotes, a backslash) intact');
	$inst->sql("UPDATE flaky_states SET evidence = '{\"monitor\":\"flip\"}' WHERE test = "
	    . "(SELECT id FROM tests WHERE name = 'broken')");
	upload($inst, \@names, ['r27', 'main', $qjob, 'g27', 270], broken => 'F');
	like(flaky_pass($inst), qr/^batch: flaky ok/m, 'a stored evidence text that is no array does not stop the pass');
	@items = @{flaky_by_name($inst)->{broken}{evidence}{items} // []};
	is_deeply([map { $_->{run_id} } @items], ['r27'], 'it starts over with the new item');
}

# ---- a branch name longer than the pass keeps, in non-ASCII ----
# The pass keeps 299 bytes of a branch name, which may end inside a
# character: the evidence item must still be written (its name repaired),
# not stop the pass.
{
	my $inst = new_instance(conf => { auth_ingest => 'open', flaky_window => 6 });
	my $branch = "\x{5206}" x 120;	# 360 bytes of UTF-8
	my $q = $branch;
	utf8::encode($q);
	$q =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
	upload($inst, \@names, ['w1', $q, undef, 'cjk1', 10]);
	upload($inst, \@names, ['w2', $q, undef, 'cjk1', 20], broken => 'F');
	like(flaky_pass($inst), qr/1 newly flaky/, 'issue 18: the flaky pass runs through a cut non-ASCII branch name');
	my $item = (flaky_by_name($inst)->{broken}{evidence}{items} // [])->[0];
	is($item && $item->{monitor}, 'same_sha', 'and writes its evidence');
	is($item && $item->{branch}, $branch, 'naming the whole branch');
}

done_testing();
