#!/usr/bin/perl
# Export jobs in bounded memory (issue 17 item 5, REP-6): a run of
# 1,100,000 results, made by SQL, exported by the batch `exports` pass as
# CSV and as an Excel workbook; the batch's peak RSS (its summary line,
# from getrusage) stays under 64 MB (not asserted under ASan), every row
# arrives, and the workbook continues on a second sheet past 1,048,575
# rows; progress shows while a job runs.  SQLite only: it is about the
# pass's memory, not the engine.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $N = 1_100_000;
my $inst = new_instance(engine => 'sqlite');
my $dir = "$inst->{dir}/exp";
open(my $fh, '>>', $inst->{conf}) or die;
print $fh "export_dir = $dir\n";
close $fh;
my $t0 = 1764000000000;
$inst->sql(<<"SQL");
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO runs (project_id, run_id, started_at, ingested_at, tests, passed, failed, branch)
    VALUES (1, 'big', $t0, $t0, $N, $N - $N / 10, $N / 10, 'main');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO tests (id, project_id, test_id, identity_path, name, base_name, classname, suite_path, first_seen_at)
    SELECT i, 1, printf('%016x', i), 'p/' || i, 'test_' || i, 'test_' || i, 'pkg.Class' || (i / 1000),
    'suite ' || (i / 10000), $t0 FROM n;
INSERT INTO results (run, test, shard, started_at, status, duration_ms)
    SELECT (SELECT id FROM runs WHERE run_id = 'big'), id, 0, $t0, CASE WHEN id % 10 = 0 THEN 1 ELSE 0 END,
    id % 1000 FROM tests;
INSERT INTO result_texts (run, test, message)
    SELECT run, test, 'assertion failed, step "' || test || '"' FROM results WHERE status = 1;
COMMIT;
SQL
is($inst->sql("SELECT count(*) FROM results"), $N, "a run of $N results");

my %job;
for my $format (qw(csv xlsx)) {
	my $x = $inst->cgi('exports', 'POST', '/api/exports', content_type => 'application/json',
	    body => qq({"format":"$format","query":{"kind":"run","run_id":"big"}}));
	is($x->{status}, 202, "$format queued") or diag($x->{body});
	$job{$format} = $x->{json}{job_id};
}
# progress: a batch killed after the csv job's second page of 5,000
my $r = $inst->cli({ TESTVIS_BATCH_CRASH_AFTER => 3 }, 'batch', '--pass', 'exports');
is($r->{exit}, 137, 'a batch killed after two pages');
my $p = $inst->cgi('exports', 'GET', "/api/exports/$job{csv}")->{json};
is($p->{status}, 'running', 'the job shows running');
is_deeply($p->{progress}, { rows_done => 10000, rows_total => $N, pct => 0 }, '... with its progress')
    or diag(explain($p));
ok($p->{bytes} > 0 && -s "$dir/$job{csv}.csv.part" == $p->{bytes}, '... and the bytes written so far');
$r = $inst->cli('batch', '--pass', 'exports');
is($r->{exit}, 0, 'the exports pass') or diag($r->{stderr});
diag($r->{stdout});
my ($rss) = $r->{stdout} =~ /peak RSS (\d+) MB/;
like($r->{stdout}, qr/2 jobs done, ${\ (2 * $N)} rows/, 'writes both files');
SKIP: {
	skip 'RSS under ASan is not the program\'s', 1 if ($ENV{TESTVIS_BUILD} // '') =~ /asan/;
	ok(defined $rss && $rss < 64, "peak RSS under 64 MB (" . ($rss // '?') . " MB)");
}
for my $format (qw(csv xlsx)) {
	my $j = $inst->cgi('exports', 'GET', "/api/exports/$job{$format}")->{json};
	is($j->{status}, 'done', "$format: done");
	is($j->{progress}{rows_done}, $N, "$format: every row counted");
}
# the CSV: a header and a line per result (messages hold no line break)
my $lines = 0;
open($fh, '<', "$dir/$job{csv}.csv") or die;
$lines++ while <$fh>;
close $fh;
is($lines, $N + 1, 'the CSV: a header and a line per result');
# the workbook: its sheets' rows counted from the XML, streamed
my $py = <<'PY';
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = sorted(n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
for n in names:
    k = 0
    tail = b""
    with z.open(n) as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            k += (tail + b).count(b"<row ")
            tail = b[-4:]
    print(k)
PY
my $x = run_cmd(argv => ['/usr/bin/python3', '-c', $py, "$dir/$job{xlsx}.xlsx"]);
is($x->{stdout}, "1048576\n" . ($N - 1048575 + 1) . "\n",
    'the workbook: a full first sheet (header + 1,048,575 rows), the rest on a second with its header')
    or diag($x->{stderr});

done_testing();
