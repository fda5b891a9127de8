#!/usr/bin/perl
# Export jobs (issue 17 item 5, REP-6): POST /api/exports queues a job,
# the batch `exports` pass writes its file, GET /api/exports/{job_id}
# shows the progress and /download streams it.  Every format of every
# query kind is read back and compared with the API's own answers (the
# run's results, the test's history, the catalogue, the saved report);
# the JUnit export, ingested into a second project, gives the same
# counts; the workbook is opened with openpyxl.  Then: 409 before the
# pass, 410 after expiry (batch --now), the quota (507 when used up; a
# file outgrowing it fails its job and is deleted), a job left `running`
# by a killed batch written again, the list's order and cursor, and
# hostile requests.  Runs on both engines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $PY = '/usr/bin/python3';
my $XLSX = tv_root() . '/t/tools/xlsx2json.py';
my $inst = new_instance();
my $dir = "$inst->{dir}/exp";
# conf(KEY, VALUE): sets a key of the instance's testvis.conf
sub conf {
	my ($k, $v) = @_;
	open(my $in, '<', $inst->{conf}) or die;
	my @l = grep { !/^\Q$k\E = / } <$in>;
	close $in;
	open(my $out, '>', $inst->{conf}) or die;
	print $out @l, "$k = $v\n";
	close $out;
}
conf('export_dir', $dir);

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
# a history for one test: c.T a, over five runs on two branches
for my $i (1 .. 5) {
	$inst->ingest_cases("h$i", { branch => $i % 2 ? 'main' : 'dev', job => 'unit',
	    started_at => "2026-11-0${i}T08:00:00Z" }, ['a', $i == 3 ? 'F' : 'P'], ['b', 'P']);
}
is($inst->cli('batch')->{exit}, 0, 'a batch over the history');

sub api {
	my ($prog, $uri, $want) = @_;
	my $x = $inst->cgi($prog, 'GET', $uri);
	is($x->{status}, $want // 200, "GET $uri: " . ($want // 200)) or diag($x->{body});
	return $x;
}
sub post {
	my ($body, $want, $what, %o) = @_;
	my $x = $inst->cgi('exports', 'POST', '/api/exports' . ($o{q} // ''),
	    body => ref $body ? TV::encode_json_text($body) : $body,
	    content_type => $o{type} // 'application/json');
	is($x->{status}, $want // 202, ($what // 'POST /api/exports ' . (ref $body ? TV::encode_json_text($body) : $body))
	    . ': ' . ($want // 202)) or diag($x->{body});
	return $x;
}
sub batch {
	my (@args) = @_;
	my $x = $inst->cli('batch', '--pass', 'exports', @args);
	is($x->{exit}, 0, "batch --pass exports @args") or diag($x->{stderr} . $x->{stdout});
	return $x;
}
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
# the rows of a downloaded file as hashes (names from the header), every
# value as text ('' for empty/null), whatever the format
sub file_rows {
	my ($format, $bytes) = @_;
	my (@names, @rows);
	if ($format eq 'csv') {
		utf8::decode($bytes);
		my @r = csv_rows($bytes);
		@names = @{shift @r};
		@rows = map { my $row = $_; +{ map { $names[$_] => $row->[$_] } 0 .. $#names } } @r;
		# undo the formula guard for the comparisons
		for my $h (@rows) { s/^'([=+\-@])/$1/ for values %$h }
	} elsif ($format eq 'ndjson') {
		for my $l (split /\n/, $bytes) {
			my $o = TV::decode_json_safe($l);
			ok($o, 'an NDJSON line is a JSON object') or diag($l) unless $o;
			push @rows, $o;
		}
	} elsif ($format eq 'json') {
		my $a = TV::decode_json_safe($bytes);
		ok(ref $a eq 'ARRAY', 'the JSON file is one array') or diag(substr($bytes, 0, 300));
		@rows = @{$a || []};
	} elsif ($format eq 'xlsx') {
		my $p = "$inst->{dir}/read.xlsx";
		open(my $o, '>', $p) or die;
		binmode $o;
		print $o $bytes;
		close $o;
		my $x = run_cmd(argv => [$PY, $XLSX, $p]);
		my $j = TV::decode_json_safe($x->{stdout});
		ok($j && $j->{sheets}[0]{bold_header}, 'the workbook opens, its header row bold') or diag($x->{stderr});
		my @r = @{$j->{sheets}[0]{rows} || []};
		@names = @{shift @r};
		@rows = map { my $row = $_; +{ map { $names[$_] => $row->[$_] } 0 .. $#names } } @r;
	}
	for my $h (@rows) { $_ //= '' for values %$h }
	return @rows;
}

# ---- every format of every kind ----
my $rep = $inst->cgi('reports', 'POST', '/api/reports', content_type => 'application/json',
    body => TV::encode_json_text({ from => '2026-11-01', to => '2026-11-30', branch => '*',
    group_by => ['branch', 'suite'] }));
is($rep->{status}, 201, 'a saved report') or diag($rep->{body});
my $report_id = $rep->{json}{report_id};
my %queries = (
	run => { kind => 'run', run_id => 'r/1:x' },
	test_history => { kind => 'test_history', test_id => undef, limit => 4 },
	catalogue => { kind => 'catalogue', q => 'a' },
	report => { kind => 'report', report_id => $report_id },
);
my $tests = api('tests', '/api/tests?q=a&limit=500')->{json}{tests};
my ($ta) = grep { $_->{name} eq 'a' && $_->{classname} eq 'c.T' } @$tests;
$queries{test_history}{test_id} = $ta->{test_id};
my %jobs;
for my $kind (sort keys %queries) {
	for my $format (qw(csv ndjson json xlsx), $kind eq 'run' ? 'junit' : ()) {
		my $x = post({ format => $format, query => $queries{$kind} });
		like($x->{json}{job_id} // '', qr/^[0-9a-f]{32}$/, "$kind $format: a job id");
		is($x->{json}{status}, 'queued', '... queued');
		is($x->{json}{href}, "/api/exports/$x->{json}{job_id}", '... with its href');
		$jobs{"$kind $format"} = $x->{json}{job_id};
	}
}
my $first = $jobs{'run csv'};
my $g = api('exports', "/api/exports/$first");
is($g->{json}{status}, 'queued', 'GET: queued before the pass');
is_deeply($g->{json}{progress}, { rows_done => 0, rows_total => undef, pct => undef }, '... no progress yet');
is_deeply($g->{json}{query}, $queries{run}, '... the query as asked');
is($g->{json}{download}, undef, '... no download link');
my $d = api('exports', "/api/exports/$first/download", 409);
like($d->{body}, qr/queued/, 'download before the pass: 409 saying it is queued');

$r = batch();
like($r->{stdout}, qr/default: 17 jobs done, \d+ rows, \d+ MB; 0 failed; 0 expired; peak RSS \d+ MB/,
    'the pass writes every job, with its peak RSS');

# the API's own answers
my @results = @{api('runs', '/api/tests/runs/r%2F1:x/results?limit=500')->{json}{results}};
my @history = @{api('tests', "/api/tests/$ta->{test_id}/history?limit=4")->{json}{history}};
my $report = api('reports', "/api/reports/$report_id")->{json};
my $sig_run = sub { join '|', map { $_ // '' } @{$_[0]}{qw(name classname status duration_ms message)} };
my $sig_hist = sub { join '|', map { $_ // '' } @{$_[0]}{qw(run_id started_at branch status duration_ms)} };
my $sig_cat = sub { join '|', map { $_ // '' } @{$_[0]}{qw(test_id name classname file state owner)} };
my $sig_rep = sub { my ($h, $v) = @_; join '|', (map { $v->{$_} // '' } qw(branch suite)),
    map { $h->{$_} // '' } qw(runs tests passed failed skipped duration_p50_ms) };
my %want = (
	run => [sort map { $sig_run->($_) } @results],
	test_history => [map { $sig_hist->($_) } @history],
	catalogue => [sort map { $sig_cat->($_) } @$tests],
	report => [sort map { $sig_rep->($_, $_->{values}) } @{$report->{groups}}],
);
is(scalar @{$want{test_history}}, 4, 'the history: four of the five runs (limit 4)');
ok(@{$want{report}} >= 3, 'the report: groups by branch and suite');
for my $key (sort keys %jobs) {
	my ($kind, $format) = split / /, $key;
	my $job = api('exports', "/api/exports/$jobs{$key}")->{json};
	is($job->{status}, 'done', "$key: done") or diag(explain($job));
	is($job->{progress}{pct}, 100, '... 100%');
	is($job->{progress}{rows_done}, $job->{progress}{rows_total}, '... every row');
	like($job->{expires_at} // '', qr/^\d{4}-/, '... with its expiry');
	is($job->{download}, "/api/exports/$jobs{$key}/download", '... and its download link');
	my $x = api('exports', "/api/exports/$jobs{$key}/download");
	my $ext = { csv => 'csv', ndjson => 'ndjson', json => 'json', junit => 'xml', xlsx => 'xlsx' }->{$format};
	is($x->{headers}{'content-disposition'}, "attachment; filename=\"$jobs{$key}.$ext\"", '... named');
	like($x->{headers}{'content-type'}, { csv => qr{^text/csv}, ndjson => qr{^application/x-ndjson},
	    json => qr{^application/json}, junit => qr{^application/xml},
	    xlsx => qr{^application/vnd.openxmlformats-officedocument.spreadsheetml.sheet} }->{$format}, '... typed');
	is(length $x->{body}, $job->{bytes}, '... as long as the job says');
	next if $format eq 'junit';
	my @rows = file_rows($format, $x->{body});
	is(scalar @rows, $job->{progress}{rows_total}, "$key: a row per row counted");
	my @got;
	if ($kind eq 'run') {
		@got = sort map { my $h = $_; $h->{duration_ms} = $h->{duration_ms} eq '' ? '' : $h->{duration_ms} + 0;
		    $sig_run->({ %$h, message => $h->{message} eq '' ? undef : $h->{message} }) } @rows;
		ok(!grep({ $_->{run_id} ne 'r/1:x' || $_->{started_at} ne '2026-11-03T10:00:00.000Z' } @rows),
		    "$key: each row names its run and when it started");
	} elsif ($kind eq 'test_history') {
		@got = map { $sig_hist->($_) } @rows;
	} elsif ($kind eq 'catalogue') {
		@got = sort map { $sig_cat->({ %$_, owner => $_->{owner} eq '' ? undef : $_->{owner},
		    file => $_->{file} eq '' ? undef : $_->{file} }) } @rows;
	} else {
		@got = sort map { $sig_rep->($_, $_) } @rows;
	}
	my @w = @{$want{$kind}};
	if ($kind eq 'catalogue' || $kind eq 'run') {	# '' and null are one in a file
		s/\|\|/|-|/g for @got, @w;
	}
	is_deeply(\@got, \@w, "$key: the same rows as the API answers") or diag(explain(\@got, \@w));
}

# the CSV keeps RFC 4180 and the formula guard
my $csv = api('exports', "/api/exports/$jobs{'run csv'}/download")->{body};
like($csv, qr/^run_id,started_at,branch,job,test_id,suite,classname,name,file,status,duration_ms,attempts,message\r\n/,
    'CSV: the header row');
like($csv, qr/,"'=SUM\(1\)",/, 'CSV: a leading = made inert');
like($csv, qr/"broke ""quoted"""/, 'CSV: quotes doubled');
# the workbook: numbers as numbers
my @xr = file_rows('xlsx', api('exports', "/api/exports/$jobs{'run xlsx'}/download")->{body});
my ($crash) = grep { $_->{name} eq 'crash' } @xr;
ok($crash && $crash->{duration_ms} =~ /^\d+$/ && $crash->{duration_ms} == 1000, 'xlsx: a duration is a number');

# JUnit: ingested into another project, the same run
my $jx = api('exports', "/api/exports/$jobs{'run junit'}/download")->{body};
like($jx, qr{^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="r/1:x" tests="7" failures="2" errors="1" skipped="1"},
    'JUnit: the run\'s counts on the root');
open($fh, '>', "$inst->{dir}/back.xml") or die;
print $fh $jx;
close $fh;
is($inst->cli('project', 'add', 'copy')->{exit}, 0, 'a second project');
$r = $inst->cli('ingest', '--project', 'copy', '--run-id', 'r/1:x', "$inst->{dir}/back.xml");
is($r->{exit}, 0, 'the JUnit export ingests') or diag($r->{stderr});
is_deeply(TV::decode_json_safe($r->{stdout})->{counts}, $orig->{counts}, '... with the same counts');
my @back = @{api('runs', '/api/tests/runs/r%2F1:x/results?limit=500&project=copy')->{json}{results}};
is_deeply([sort map { join '|', map { $_ // '' } @$_{qw(name classname status duration_ms message error_type)} } @back],
    [sort map { join '|', map { $_ // '' } @$_{qw(name classname status duration_ms message error_type)} } @results],
    '... and the same results');

# ---- the list ----
my $l = api('exports', '/api/exports?limit=5')->{json};
is(scalar @{$l->{exports}}, 5, 'the list: a page of five');
is($l->{exports}[0]{job_id}, $jobs{'test_history xlsx'}, '... the newest first');
my $l2 = api('exports', "/api/exports?limit=100&cursor=$l->{next_cursor}")->{json};
is(scalar @{$l2->{exports}}, 12, '... the next page has the rest');
is($l2->{next_cursor}, undef, '... and no cursor after it');
is(scalar @{api('exports', '/api/exports?project=copy')->{json}{exports}}, 0, '... per project');
api('exports', "/api/exports/$first?project=copy", 404);

# ---- expiry: 410 ----
my $ttl_ms = 24 * 3600 * 1000;
my $later = TV::iso_ms($g->{json}{created_at}) + $ttl_ms + 3600 * 1000;
my @t = gmtime(int($later / 1000));
my $iso = sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
$r = batch('--now', $iso);
like($r->{stdout}, qr/0 jobs done, 0 rows, 0 MB; 0 failed; 17 expired/, 'a day later the pass expires them');
is(api('exports', "/api/exports/$first")->{json}{status}, 'expired', 'GET: expired');
$d = api('exports', "/api/exports/$first/download", 410);
like($d->{body}, qr/expired/, 'download: 410 Gone');
my @left = grep { !/^\.\.?$/ } do { opendir(my $dh, $dir) or die; readdir $dh };
is("@left", '', 'the files are deleted');

# ---- a job left running by a killed batch ----
my $j1 = post({ format => 'csv', query => $queries{run} })->{json}{job_id};
$r = $inst->cli({ TESTVIS_BATCH_CRASH_AFTER => 2 }, 'batch', '--pass', 'exports');
is($r->{exit}, 137, 'a batch killed after its first page');
my $run1 = api('exports', "/api/exports/$j1")->{json};
is($run1->{status}, 'running', 'leaves the job running');
is_deeply($run1->{progress}, { rows_done => 7, rows_total => 7, pct => 100 }, '... with its progress')
    or diag(explain($run1));
ok(-e "$dir/$j1.csv.part", '... with its .part file');
$r = batch();
like($r->{stdout}, qr/1 jobs done, 7 rows/, 'the next batch writes it again');
my $job = api('exports', "/api/exports/$j1")->{json};
is($job->{status}, 'done', '... done');
my @rr = file_rows('csv', api('exports', "/api/exports/$j1/download")->{body});
is(scalar @rr, 7, '... whole');
ok(!-e "$dir/$j1.csv.part", '... and the .part file renamed');

# ---- the quota ----
conf('export_quota_mb', 1);
$inst->sql("UPDATE export_jobs SET bytes = 1048576 WHERE job_id = '$j1'");
$d = post({ format => 'csv', query => $queries{run} }, 507, 'the quota used up');
like($d->{body}, qr/export_quota_mb \(1 MB\)/, '... 507 naming it');
$inst->sql("UPDATE export_jobs SET bytes = 1048576 - 100 WHERE job_id = '$j1'");
my $j2 = post({ format => 'csv', query => $queries{run} })->{json}{job_id};
$r = batch();
like($r->{stdout}, qr/0 jobs done, 0 rows, 0 MB; 1 failed/, 'a file that outgrows the quota');
$job = api('exports', "/api/exports/$j2")->{json};
is($job->{status}, 'failed', '... fails its job');
like($job->{error}, qr/outgrew export_quota_mb/, '... saying why');
ok(!-e "$dir/$j2.csv" && !-e "$dir/$j2.csv.part", '... and is deleted');
like(api('exports', "/api/exports/$j2/download", 409)->{body}, qr/failed/, 'download of a failed job: 409');
$inst->sql("UPDATE export_jobs SET bytes = 10 WHERE job_id = '$j1'");

# ---- a job whose run went away fails ----
my $j3 = post({ format => 'json', query => { kind => 'run', run_id => 'h5' } })->{json}{job_id};
$inst->sql("UPDATE export_jobs SET query = '{\"kind\":\"run\",\"run_id\":\"gone\"}' WHERE job_id = '$j3'");
batch();
$job = api('exports', "/api/exports/$j3")->{json};
is($job->{status}, 'failed', 'a job whose run is gone fails');
like($job->{error}, qr/no run 'gone'/, '... naming it');

# ---- a JUnit job of something else than a run (not from the API) fails ----
my $j4 = post({ format => 'junit', query => $queries{run} })->{json}{job_id};
$inst->sql("UPDATE export_jobs SET query = '{\"kind\":\"catalogue\"}' WHERE job_id = '$j4'");
batch();
like(api('exports', "/api/exports/$j4")->{json}{error} // '', qr/junit exports a run only/,
    'a JUnit job of the catalogue fails, saying why');

# ---- hostile requests ----
post('{"format": "csv", "query": ', 400, 'bad JSON');
post('[1]', 400, 'not an object');
for my $bad (
    [{ format => 'csv', query => $queries{run}, extra => 1 }, qr/unknown key 'extra'/],
    [{ format => 'pdf', query => $queries{run} }, qr/format must be one of/],
    [{ query => $queries{run} }, qr/format/],
    [{ format => 'csv' }, qr/query/],
    [{ format => 'csv', query => 'run' }, qr/query must be an object/],
    [{ format => 'csv', query => { kind => 'runs', run_id => 'x' } }, qr/query.kind must be/],
    [{ format => 'csv', query => { run_id => 'x' } }, qr/query.kind must be/],
    [{ format => 'csv', query => { kind => 'run', run_id => 'x', limit => 3 } }, qr/unknown key 'limit'/],
    [{ format => 'csv', query => { kind => 'run' } }, qr/query.run_id is required/],
    [{ format => 'csv', query => { kind => 'run', run_id => 7 } }, qr/query.run_id must be a string/],
    [{ format => 'csv', query => { kind => 'run', run_id => '' } }, qr/query.run_id must be a string/],
    [{ format => 'csv', query => { kind => 'test_history', test_id => 'x', limit => 0 } }, qr/query.limit must be an integer/],
    [{ format => 'csv', query => { kind => 'test_history', test_id => 'x', limit => '5' } }, qr/query.limit must be an integer/],
    [{ format => 'csv', query => { kind => 'catalogue', status => 'broken' } }, qr/query.status must be one of/],
    [{ format => 'csv', query => { kind => 'catalogue', q => 'x' x 300 } }, qr/query.q must be a string/],
    [{ format => 'csv', query => { kind => 'report', report_id => 'one' } }, qr/query.report_id must be an integer/],
    [{ format => 'junit', query => { kind => 'catalogue' } }, qr/junit exports a run only/],
    [{ format => 'junit', query => $queries{test_history} }, qr/junit exports a run only/],
    ) {
	my $x = post($bad->[0], 400);
	like($x->{body}, $bad->[1], '... saying so');
}
like(post({ format => 'csv', query => { kind => 'run', run_id => 'nope' } }, 404)->{body}, qr/no run 'nope'/,
    'an unknown run: 404 naming it');
like(post({ format => 'csv', query => { kind => 'test_history', test_id => 'nope' } }, 404)->{body}, qr/no test 'nope'/,
    'an unknown test: 404 naming it');
like(post({ format => 'csv', query => { kind => 'report', report_id => 999 } }, 404)->{body}, qr/no report 999/,
    'an unknown report: 404 naming it');
post({ format => 'csv', query => { kind => 'run', run_id => 'h1' } }, 404, 'a run of another project: 404',
    q => '?project=copy');
post('{"format":"csv","query":{"kind":"run","run_id":"r/1:x"}}', 415, 'not JSON: 415', type => 'text/plain');
post(TV::encode_json_text({ format => 'csv', query => { kind => 'catalogue', q => 'x' x 20000 } }), 413, 'over 16 KiB: 413');
api('exports', '/api/exports/0123456789abcdef0123456789abcdef', 404);
api('exports', '/api/exports/not-hex', 400);
api('exports', '/api/exports/0123456789abcdef0123456789abcdef/download', 404);
api('exports', '/api/exports?limit=0', 400);
api('exports', '/api/exports?limit=101', 400);
api('exports', '/api/exports?cursor=x', 400);
api('exports', '/api/exports?nope=1', 400);
my $m = $inst->cgi('exports', 'DELETE', "/api/exports/$j1");
is($m->{status}, 405, 'DELETE: 405');

done_testing();
