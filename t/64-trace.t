#!/usr/bin/perl
# OpenTelemetry traces (DEP-3, issue 11): with trace_file set, every
# request appends one OTLP/JSON ExportTraceServiceRequest line that decodes
# against the OTLP protobuf schema (t/trace/decode.mjs, with the schema
# @opentelemetry/otlp-transformer ships, installed by make into build/npm);
# spans nest (server span, view and ingest spans under it, batch passes);
# an incoming W3C traceparent makes the server span the caller's child and a
# malformed one is ignored; the trace id is in the request log line; the
# file rotates at trace_max_bytes; an unwritable trace_file fails nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $root = tv_root();
my $npm = tv_build() . '/npm';
die "the OTLP schema is missing: run make (it installs conf/npm into $npm)\n"
    unless -f "$npm/node_modules/\@opentelemetry/otlp-transformer/build/src/generated/root.js";

# Decodes trace files with decode.mjs; returns the list of lines.
sub decode {
	my @files = @_;
	my $r = run_cmd(argv => ['node', "$root/t/trace/decode.mjs", @files],
	    env => { TV_NPM => $npm });
	die "decode.mjs: exit $r->{exit}: $r->{stderr}" if $r->{exit} != 0;
	my $d = decode_json_safe($r->{stdout}) or die "decode.mjs: $r->{stdout}";
	return @{$d->{lines}};
}

# Lines of a file (as text), and its size.
sub file_lines {
	my ($f) = @_;
	open(my $fh, '<:raw', $f) or return ();
	my @l = <$fh>;
	return @l;
}

# Spans of a decoded line by name (the first of each name).
sub by_name {
	my ($line) = @_;
	my %s;
	$s{$_->{name}} //= $_ for @{$line->{spans}};
	return \%s;
}

# Every span of the line shares one trace id, exactly one span is the
# line's root (no parent in the line), and every other span's parent is a
# span of the same line.
sub nests {
	my ($line, $root_parent) = @_;
	my %ids = map { $_->{spanId} => 1 } @{$line->{spans}};
	my %tids = map { $_->{traceId} => 1 } @{$line->{spans}};
	my @roots = grep { !$ids{$_->{parentSpanId}} } @{$line->{spans}};
	return 0 unless keys(%tids) == 1 && @roots == 1;
	return $roots[0]->{parentSpanId} eq ($root_parent // '');
}

my $d = tv_scratch();
my $trace = "$d/trace.jsonl";
my $inst = new_instance(conf => { trace_file => $trace,
    auth_ingest => 'open' });
my $report = "$root/t/data/junit/mocha/report.xml";
my $xml = do { local $/; open(my $fh, '<:raw', $report) or die; <$fh> };

# 1. an ingest: the server span and ingest parse/store/rollup/commit
my $r = $inst->cgi('ingest', 'POST', '/api/tests/ingest?run_id=r1',
    body => $xml, content_type => 'application/xml');
is($r->{status}, 201, 'the traced ingest is stored');
my ($log) = $r->{stderr} =~ /req=\S+ trace=([0-9a-f]{32}) method=POST/;
ok($log, 'the request log line carries trace=<32 hex>') or diag($r->{stderr});
my @lines = decode($trace);
is(scalar @lines, 1, 'one trace line per request');
ok($lines[0]{ok}, 'the ingest line decodes as an OTLP ExportTraceServiceRequest')
    or diag(explain($lines[0]{errors}));
my $s = by_name($lines[0]);
my $srv = $s->{'POST /api/tests/ingest'};
ok($srv && $srv->{kind} == 2, 'server span "POST /api/tests/ingest", kind SERVER');
is($srv->{traceId}, $log, 'the logged trace id is the span\'s trace id');
is($srv->{parentSpanId}, '', 'without traceparent the server span is a root');
is_deeply([@{$srv->{attrs}}{qw(http.request.method http.route http.response.status_code url.path testvis.project_id)}],
    ['POST', '/api/tests/ingest', '201', '/api/tests/ingest', '1'],
    'server span: method, route, status, path, project_id');
like($srv->{attrs}{'testvis.request_id'} // '', qr/^[0-9a-f]{16}$/,
    'server span: the request id');
ok(nests($lines[0]), 'every ingest span is in the trace and under the server span');
is($s->{ingest}{parentSpanId}, $srv->{spanId}, 'the ingest span is the server span\'s child');
for my $n (qw(ingest.parse ingest.store ingest.rollup ingest.commit)) {
	is($s->{$n} && $s->{$n}{parentSpanId}, $s->{ingest}{spanId},
	    "$n is a child of the ingest span");
}
is_deeply([@{$s->{ingest}{attrs}}{qw(testvis.run_id testvis.tests testvis.failed testvis.new_tests)}],
    ['r1', 10, 4, 10], 'ingest span: run id and counts');
is($s->{'ingest.parse'}{attrs}{'testvis.cases'}, 10, 'parse span counts the testcases read');
is($s->{'ingest.store'}{attrs}{'testvis.cases'}, 10, 'store span counts the testcases written');
my $ok = 1;
for (@{$lines[0]{spans}}) {
	$ok = 0 unless $_->{start} =~ /^\d{19}$/ && $_->{end} >= $_->{start};
}
ok($ok, 'start and end are unix nanoseconds, end not before start');

# 2. a read with a caller's traceparent: our spans join the caller's trace
my $tp_trace = '4bf92f3577b34da6a3ce929d0e0e4736';
my $tp_span = '00f067aa0ba902b7';
$r = $inst->cgi('runs', 'GET', '/api/tests/runs/r1/results',
    headers => { traceparent => "00-$tp_trace-$tp_span-01" });
is($r->{status}, 200, 'the traced read answers');
like($r->{stderr}, qr/ trace=$tp_trace /, 'the log line shows the caller\'s trace id');
@lines = decode($trace);
my $l = $lines[-1];
ok($l->{ok}, 'the read line decodes') or diag(explain($l->{errors}));
$s = by_name($l);
$srv = $s->{'GET /api/tests/runs/{run_id}/results'};
ok($srv, 'server span named after the route pattern');
is($srv->{traceId}, $tp_trace, 'the incoming traceparent\'s trace id is kept');
is($srv->{parentSpanId}, $tp_span, 'the server span is the caller\'s span\'s child');
ok(nests($l, $tp_span), 'the view span nests under the server span');
my $v = $s->{runs_results};
is($v && $v->{parentSpanId}, $srv->{spanId}, 'view span runs_results under the server span');
is_deeply([@{$v->{attrs}}{qw(testvis.project_id testvis.run_id testvis.result_count)}],
    ['1', 'r1', '10'], 'view span: project_id, run_id, result count');
is($srv->{attrs}{'testvis.run_id'}, 'r1', 'server span: the run id');

# 3. a test's page: the test id on the view span
my $tid = $inst->cgi('tests', 'GET', '/api/tests?limit=1')->{json}{tests}[0]{test_id};
$r = $inst->cgi('tests', 'GET', "/api/tests/$tid");
is($r->{status}, 200, 'test detail answers');
@lines = decode($trace);
$s = by_name($lines[-1]);
ok($s->{'GET /api/tests/{test_id}'}, 'span "GET /api/tests/{test_id}"');
is($s->{tests_detail}{attrs}{'testvis.test_id'}, $tid, 'view span tests_detail: the test id');
is($s->{tests_detail}{attrs}{'testvis.result_count'}, 1, 'view span: one entity found');
# a list written straight to text (lib/db/jwrite.c): its rows counted
my $hist = $inst->cgi('tests', 'GET', "/api/tests/$tid/history?limit=1");
is($hist->{status}, 200, 'a test\'s history answers');
@lines = decode($trace);
$s = by_name($lines[-1]);
is($s->{tests_history}{attrs}{'testvis.result_count'}, scalar @{$hist->{json}{history}},
    'view span tests_history: the entries listed');

# 4. a 404 and a 5xx-free error: status code recorded, status not ERROR
$r = $inst->cgi('tests', 'GET', '/api/tests/0123456789abcdef');
is($r->{status}, 404, 'unknown test: 404');
@lines = decode($trace);
$s = by_name($lines[-1]);
is($s->{'GET /api/tests/{test_id}'}{attrs}{'http.response.status_code'}, 404,
    '404 recorded on the server span');
is($s->{tests_detail}{attrs}{'testvis.result_count'}, 0, 'view span: nothing found');

# 5. malformed traceparents are ignored: a new trace, a root server span
my @bad = ("00-" . uc($tp_trace) . "-$tp_span-01",	# upper-case hex
    "00-" . ('0' x 32) . "-$tp_span-01",		# all-zero trace id
    "00-$tp_trace-" . ('0' x 16) . "-01",		# all-zero span id
    "00-$tp_trace-$tp_span-01-extra",			# version 00 is exact
    "ff-$tp_trace-$tp_span-01",				# version ff
    "00-$tp_trace-$tp_span",				# too short
    "00_${tp_trace}_${tp_span}_01",			# separators
    "zz-$tp_trace-$tp_span-01");			# version not hex
for my $tp (@bad) {
	my $before = () = file_lines($trace);
	$r = $inst->cgi('health', 'GET', '/api/health',
	    headers => { traceparent => $tp });
	@lines = decode($trace);
	my $sp = $lines[-1]{spans}[0];
	ok(@lines == $before + 1 && $lines[-1]{ok} && $sp->{parentSpanId} eq '' &&
	    $sp->{traceId} ne $tp_trace && $sp->{traceId} ne lc($tp_trace) &&
	    $sp->{traceId} =~ /^[0-9a-f]{32}$/ && $sp->{traceId} !~ /^0+$/,
	    "malformed traceparent '$tp' is ignored: new trace, root span");
}
# a later version may carry more fields: still the caller's child
$r = $inst->cgi('health', 'GET', '/api/health',
    headers => { traceparent => "01-$tp_trace-$tp_span-01-more" });
@lines = decode($trace);
is($lines[-1]{spans}[0]{parentSpanId}, $tp_span,
    'a version 01 traceparent with extra fields is followed');

# 6. a path that is not UTF-8 still gives a valid line
$r = $inst->cgi('tests', 'GET', "/api/tests/\xff\xfe");
ok($r->{status} >= 400, 'a non-UTF-8 path is refused');
@lines = decode($trace);
ok($lines[-1]{ok}, 'its trace line is still valid UTF-8 OTLP/JSON')
    or diag(explain($lines[-1]{errors}));
is($lines[-1]{spans}[0]{attrs}{'url.path'}, '/api/tests/??',
    'bytes that are not UTF-8 are replaced in url.path');

# 7. the batch: one root span per pass, a child per project
$r = $inst->cli('batch');
is($r->{exit}, 0, 'traced batch runs');
@lines = decode($trace);
my %pass;
for my $ln (@lines) {
	my $sp = $ln->{spans}[0];
	$pass{$1} = $ln if $sp->{name} =~ /^batch (\w+)$/;
}
is_deeply([sort keys %pass], [qw(alerts exports fingerprints flaky history integrity mapping retention spool)],
    'one line per batch pass');
my $fl = $pass{flaky};
ok($fl->{ok} && nests($fl), 'the flaky pass line decodes and nests');
is($fl->{resource}{'process.executable.name'}, 'testvis-batch', 'resource names the batch');
my ($proj) = grep { $_->{name} eq 'batch.project' } @{$fl->{spans}};
is($proj && $proj->{attrs}{'testvis.project_id'}, 1, 'a child span per project, with project_id');

# 8. every line so far decodes, and the resource is testvis's
@lines = decode($trace);
is(scalar(grep { !$_->{ok} } @lines), 0, 'every line decodes against the OTLP schema (' .
    scalar(@lines) . ' lines)');
is(scalar(grep { $_->{resource}{'service.name'} ne 'testvis' } @lines), 0,
    'resource service.name is testvis on every line');
is((stat $trace)[2] & 0777, 0640, 'trace_file is created 0640');

# 9. rotation at trace_max_bytes: trace_file.1, no line lost or split
my $rt = "$d/rot.jsonl";
my $rot = new_instance(conf => { trace_file => $rt, trace_max_bytes => 4096 });
my $n = 0;
while (!-e "$rt.1" && $n < 40) {
	$rot->cgi('health', 'GET', '/api/health');
	$n++;
}
ok(-e "$rt.1", "trace_file.1 appears after $n requests");
ok(-s $rt <= 4096 && -s "$rt.1" <= 4096, 'neither file is over trace_max_bytes');
$rot->cgi('health', 'GET', '/api/health') for 1 .. 3;
$n += 3;
my @all = (decode("$rt.1", $rt));
my $kept = () = (file_lines("$rt.1"), file_lines($rt));
is(scalar(grep { $_->{ok} } @all), $kept, 'every line of both files decodes whole');
ok($kept >= 3 && $kept <= $n, "the newest lines are kept ($kept of $n)");

# 10. an unwritable trace_file fails nothing and is logged
for my $bad (["$d/no-such-dir/trace.jsonl", 'a missing directory'],
    [$d, 'a directory']) {
	my $u = new_instance(conf => { trace_file => $bad->[0] });
	$r = $u->cgi('health', 'GET', '/api/health');
	is($r->{status}, 200, "trace_file in $bad->[1]: the request still answers 200");
	like($r->{stderr}, qr/trace: opening \Q$bad->[0]\E: .* \(1 trace lines lost/,
	    "trace_file in $bad->[1]: the failed write is logged and counted");
}

# 11. tracing off: no file, no trace= in the log
my $off = new_instance();
$r = $off->cgi('health', 'GET', '/api/health',
    headers => { traceparent => "00-$tp_trace-$tp_span-01" });
unlike($r->{stderr}, qr/trace=/, 'tracing off: no trace id in the log line');

# 12. through lighttpd (FastCGI: one process, many requests, one line each)
SKIP: {
	my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
	skip 'lighttpd is not installed', 4 unless $lighttpd;
	my $lt = "$d/lt.jsonl";
	my $li = new_instance(conf => { trace_file => $lt });
	my $sv = $li->start_lighttpd();
	my @st;
	push @st, http_req($sv, 'GET', '/api/tests/runs')->{status} for 1 .. 3;
	push @st, http_req($sv, 'GET', '/api/tests/runs',
	    headers => { traceparent => "00-$tp_trace-$tp_span-01" })->{status};
	stop_lighttpd($sv);
	is("@st", '200 200 200 200', 'FastCGI answers');
	my @fl = decode($lt);
	is(scalar(grep { $_->{ok} } @fl), 4, 'one valid line per FastCGI request');
	my %t = map { $_->{spans}[0]{traceId} => 1 } @fl;
	is(scalar(keys %t), 4, 'each request has its own trace id');
	is($fl[-1]{spans}[0]{parentSpanId}, $tp_span,
	    'traceparent through lighttpd reaches the program');
}

done_testing();
