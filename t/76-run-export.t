#!/usr/bin/perl
# GET /api/tests/runs/{run_id}/export (issue 17 item 5, REP-6's direct
# export): a run's results as CSV (the default) or JUnit XML, streamed.
# The JUnit file, ingested into another project, gives the same counts
# and the same results (names, classnames, statuses, durations, messages,
# error types, suite paths of nested suites); the CSV parses back to one
# row per result with commas, quotes, line breaks and non-ASCII kept and a
# leading '=' made inert; 404 for an unknown run, 400 for an unknown
# format, and the file name in Content-Disposition made safe.  Runs on
# both engines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance();
my $xml = <<'XML';
<testsuites>
 <testsuite name="api">
  <testsuite name="v2">
   <testcase classname="k.Api" name="ok, with comma" time="0.125"/>
   <testcase classname="k.Api" name="broke &quot;quoted&quot;" time="0.5"><failure message="expected &lt;1&gt; &amp; got 2" type="AssertionError">at k.Api:12
  detail line</failure><system-out>out &amp; more</system-out></testcase>
   <testcase classname="k.Api" name="=SUM(1)" time="0.001"/>
  </testsuite>
  <testcase classname="k.Top" name="crash" time="1"><error message="boom" type="NPE">stack</error><system-err>err text</system-err></testcase>
 </testsuite>
 <testsuite name="ui">
  <testcase classname="k.Ui" name="later" time="0"><skipped message="not today"/></testcase>
  <testcase classname="k.Ui" name="héllo ünïcode" time="0.2"/>
  <testcase classname="k.Ui" name="two&#10;lines" time="0.3"><failure message="line one&#10;line two"/></testcase>
 </testsuite>
</testsuites>
XML
my $f = "$inst->{dir}/exp.xml";
open(my $fh, '>', $f) or die;
print $fh $xml;
close $fh;
my $r = $inst->cli('ingest', '--run-id', 'r/1:x', '--branch', 'main', '--job', 'unit',
    '--started-at', '2026-11-03T10:00:00Z', $f);
is($r->{exit}, 0, 'the run is stored') or diag($r->{stderr});
my $orig = TV::decode_json_safe($r->{stdout});

sub export {
	my ($q, $want) = @_;
	my $x = $inst->cgi('runs', 'GET', "/api/tests/runs/r%2F1:x/export$q");
	is($x->{status}, $want // 200, "export$q: " . ($want // 200)) or diag($x->{body});
	return $x;
}
# results(project): "name|classname|status|duration|message|type" sorted
sub results {
	my ($project) = @_;
	my $x = $inst->cgi('runs', 'GET', "/api/tests/runs/r%2F1:x/results?limit=500&project=$project");
	is($x->{status}, 200, "results of the run in $project") or diag($x->{body});
	return [sort map { join '|', map { $_ // '' } @$_{qw(name classname status duration_ms message error_type)} }
	    @{$x->{json}{results} || []}];
}

# ---- JUnit: ingested back, the same run ----
my $j = export('?format=junit');
like($j->{headers}{'content-type'}, qr{^application/xml}, 'JUnit: XML');
is($j->{headers}{'content-disposition'}, 'attachment; filename="r_1_x.xml"',
    'the file name: the run id with / and : replaced');
like($j->{body}, qr{^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="r/1:x" tests="7" failures="2" errors="1" skipped="1"},
    'the root carries the run\'s counts');
like($j->{body}, qr{<testsuite name="api / v2">}, 'a nested suite by its path');
like($j->{body}, qr{<failure message="expected &lt;1&gt; &amp; got 2" type="AssertionError">at k.Api:12\n  detail line</failure>},
    'a failure with its message, type and details, escaped');
my $g = "$inst->{dir}/back.xml";
open($fh, '>', $g) or die;
print $fh $j->{body};
close $fh;
$r = $inst->cli('project', 'add', 'copy');
is($r->{exit}, 0, 'a second project');
$r = $inst->cli('ingest', '--project', 'copy', '--run-id', 'r/1:x', '--branch', 'main', $g);
is($r->{exit}, 0, 'the export ingests into it') or diag($r->{stderr});
my $back = TV::decode_json_safe($r->{stdout});
is_deeply($back->{counts}, $orig->{counts}, 'with the same counts') or diag(explain($back->{counts}));
is_deeply($back->{warnings}, [], '... and no warning');
is_deeply(results('copy'), results('default'), '... and the same results: names, statuses, durations, messages, types');
is(join(',', split /\n/, $inst->sql("SELECT DISTINCT t.suite_path FROM tests t "
    . "JOIN projects p ON p.id = t.project_id WHERE p.slug = 'copy' ORDER BY 1")),
    'api,api / v2,ui', '... in the same suites');

# ---- CSV ----
my $c = export('');
like($c->{headers}{'content-type'}, qr{^text/csv}, 'CSV by default');
is($c->{headers}{'content-disposition'}, 'attachment; filename="r_1_x.csv"', '... named .csv');
# a small RFC 4180 reader
sub csv_rows {
	my ($text) = @_;
	my (@rows, @f);
	my ($v, $q, $started) = ('', 0, 0);
	my @c = split //, $text;
	for (my $i = 0; $i < @c; $i++) {
		my $ch = $c[$i];
		if ($q) {
			if ($ch eq '"' && $i + 1 < @c && $c[$i + 1] eq '"') { $v .= '"'; $i++ }
			elsif ($ch eq '"') { $q = 0 }
			else { $v .= $ch }
		} elsif ($ch eq '"' && !$started) { $q = 1; $started = 1 }
		elsif ($ch eq ',') { push @f, $v; ($v, $started) = ('', 0) }
		elsif ($ch eq "\r") { }
		elsif ($ch eq "\n") { push @f, $v; push @rows, [@f]; @f = (); ($v, $started) = ('', 0) }
		else { $v .= $ch; $started = 1 }
	}
	return @rows;
}
my $body = $c->{body};
utf8::decode($body);
my @rows = csv_rows($body);
is(join(',', @{$rows[0]}), 'run_id,started_at,branch,job,test_id,suite,classname,name,file,status,duration_ms,attempts,message',
    'the header row');
is(scalar @rows, 8, 'a row per result');
my %by = map { $_->[7] => $_ } @rows[1 .. $#rows];
is_deeply([@{$by{'broke "quoted"'}}[0 .. 3, 5, 6, 9, 10, 11, 12]],
    ['r/1:x', '2026-11-03T10:00:00.000Z', 'main', 'unit', 'api / v2', 'k.Api', 'failed', 500, 1, 'expected <1> & got 2'],
    'a failed result: its run, suite, class, status, duration, attempts and message');
ok($by{'ok, with comma'}, 'a comma in a name is quoted');
ok($by{"two\nlines"} && $by{"two\nlines"}[12] eq "line one\nline two", 'line breaks inside a field are kept');
ok($by{"h\x{e9}llo \x{fc}n\x{ef}code"}, 'non-ASCII kept (UTF-8)');
ok($by{"'=SUM(1)"}, 'a leading = is made inert for spreadsheets');
is($by{later}[9], 'skipped', 'statuses by name');
is($by{'later'}[10], 0, 'a duration of 0 kept');

# ---- bad requests ----
like(export('?format=xlsx', 400)->{body}, qr/format/, 'an unknown format: 400 naming it');
my $x = $inst->cgi('runs', 'GET', '/api/tests/runs/nope/export');
is($x->{status}, 404, 'an unknown run: 404');
$x = $inst->cgi('runs', 'GET', '/api/tests/runs/r%2F1:x/export?format=csv&format=junit');
is($x->{status}, 400, 'format twice: 400');

# ---- an empty run exports as an empty file of its kind ----
open($fh, '>', "$inst->{dir}/empty.xml") or die;
print $fh '<testsuites/>';
close $fh;
$r = $inst->cli('ingest', '--run-id', 'empty', "$inst->{dir}/empty.xml");
is($r->{exit}, 0, 'an empty run');
$x = $inst->cgi('runs', 'GET', '/api/tests/runs/empty/export?format=junit');
like($x->{body}, qr{<testsuites name="empty" tests="0" failures="0" errors="0" skipped="0"[^>]*>\n</testsuites>\n$},
    '... exports as an empty JUnit document');
$x = $inst->cgi('runs', 'GET', '/api/tests/runs/empty/export');
is(($x->{body} =~ tr/\n//), 1, '... and a CSV of its header alone');

done_testing();
