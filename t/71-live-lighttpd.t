#!/usr/bin/perl
# Live updates (LIVE-1, API-14, issue 15) through lighttpd and the one
# testvis-live process holding every client: the replay on connect (the
# last live_replay events, or those after Last-Event-ID, with a reset
# past live_replay_max), an upload arriving as an event while a client
# listens, keepalive comments and the idle close, the types/job/branch
# filters, a test's own stream, tickets (a token of project A cannot
# follow project B; expired, forged and revoked tickets are refused), the
# live_max_clients cap with JSON endpoints answering beside a full live
# program, and a killed live program losing no event for a client that
# reconnects with Last-Event-ID.  Intervals are set to seconds.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Select;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(sleep time);
use TV;

my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
plan skip_all => 'lighttpd is not installed' unless $lighttpd;

# ingest(inst, run, branch, job, [name, P|F]...): one run through the CLI
sub ingest {
	my ($inst, $run, $branch, $job, @cases) = @_;
	$inst->ingest_cases($run, { branch => $branch, job => $job }, @cases);
}

# sse_open(srv, path, headers): a raw HTTP/1.0 connection (no chunking)
# reading the stream; {sock, head, status, buf, eof}
sub sse_open {
	my ($srv, $path, %h) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$srv->{port}",
	    Proto => 'tcp') or die "connect: $!";
	my $req = "GET $path HTTP/1.0\r\nHost: 127.0.0.1\r\n";
	$req .= "$_: $h{$_}\r\n" for sort keys %h;
	print $s "$req\r\n";
	my $c = { sock => $s, buf => '', eof => 0 };
	sse_read($c, 5, qr/\r\n\r\n/);
	($c->{head}, $c->{buf}) = split /\r\n\r\n/, $c->{buf}, 2;
	$c->{buf} //= '';
	($c->{status}) = ($c->{head} // '') =~ m{^HTTP/\S+ (\d+)};
	$c->{status} //= 0;
	return $c;
}

# sse_read(c, seconds, until): reads until the regex matches the buffer,
# the time is up or the stream ends
sub sse_read {
	my ($c, $secs, $until) = @_;
	my $sel = IO::Select->new($c->{sock});
	my $end = time + $secs;
	while (!$c->{eof} && time < $end) {
		last if $until && $c->{buf} =~ $until;
		next unless $sel->can_read($end - time > 0 ? $end - time : 0);
		my $k = sysread($c->{sock}, my $chunk, 65536);
		if (!$k) { $c->{eof} = 1; last }
		$c->{buf} .= $chunk;
	}
	return $c->{buf};
}

# events(text): the data JSON of every event frame, in order
sub events {
	my ($text) = @_;
	my @out;
	for my $f (split /\n\n/, $text) {
		my ($data) = $f =~ /^data: (.*)$/m or next;
		my ($id) = $f =~ /^id: (\d+)$/m;
		my $j = decode_json_safe($data) or next;
		$j->{_frame_id} = $id;
		push @out, $j;
	}
	return @out;
}
sub types { join ',', map { $_->{type} } @_ }

# ---- a public instance with short intervals ----
my $inst = new_instance(conf => { auth_read => 'public', live_poll_ms => 100,
    live_keepalive_s => 1, live_idle_s => 4, live_replay => 3,
    live_replay_max => 4 });
ingest($inst, 'r1', 'main', 'unit', ['alpha', 'P'], ['beta', 'F']);
ingest($inst, 'r2', 'dev', 'unit', ['alpha', 'P'], ['beta', 'P']);
ingest($inst, 'r3', 'main', 'e2e', ['gamma', 'P']);
my $srv = $inst->start_lighttpd(max_procs => 1);

# ---- replay: the last live_replay events, oldest first ----
my $c = sse_open($srv, '/api/live');
is($c->{status}, 200, 'the stream answers 200');
like($c->{head}, qr{^Content-Type: text/event-stream}mi, 'as text/event-stream');
like($c->{head}, qr{^Cache-Control: no-store}mi, 'never cached');
sse_read($c, 3, qr/(?:^data: .*\n\n.*){3}/ms);
like($c->{buf}, qr/^retry: 3000\n\n/, 'first the reconnect delay');
my @ev = events($c->{buf});
is(scalar(@ev), 3, 'the replay holds live_replay (3) events');
my @ids = map { $_->{id} } @ev;
is_deeply(\@ids, [sort { $a <=> $b } @ids], 'oldest first');
is($ev[-1]{type}, 'run_ingested', 'the newest is the last upload');
is($ev[-1]{run_id}, 'r3', '... of r3');
is($ev[-1]{branch}, 'main', '... with its branch');
is($ev[-1]{job}, 'e2e', '... and job');
is($ev[-1]{project}, 'default', '... and project');
is($ev[-1]{detail}{counts}{tests}, 1, 'the detail carries the counts');
is($ev[-1]{_frame_id}, $ev[-1]{id}, 'the SSE id is the event id');
my $last_id = $ev[-1]{id};

# ---- an upload while the client listens arrives within a second ----
my $t0 = time;
ingest($inst, 'r4', 'main', 'unit', ['alpha', 'F'], ['beta', 'F']);
sse_read($c, 5, qr/"subject":"r4".*\n\n/);
my @new = grep { $_->{id} > $last_id } events($c->{buf});
ok(time - $t0 < 5, 'the new events arrived');
my ($r4) = grep { $_->{type} eq 'run_ingested' } @new;
ok($r4 && $r4->{run_id} eq 'r4', 'the upload arrived as run_ingested');
my ($inc) = grep { $_->{type} eq 'incident_opened' } @new;
ok($inc && @{$inc->{test_ids} || []} == 1, 'the opened incident names its test');
my $alpha = $inc ? $inc->{test_ids}[0] : '';
my @all_ids = map { $_->{id} } events($c->{buf});
my %seen;
is(scalar(grep { $seen{$_}++ } @all_ids), 0, 'no event is sent twice');

# ---- keepalive, then the idle close ----
$c->{buf} = '';
sse_read($c, 3, qr/^: keepalive\n\n/m);
like($c->{buf}, qr/^: keepalive\n\n/m, 'a keepalive comment when quiet');
sse_read($c, 8);
ok($c->{eof}, 'the stream ends after live_idle_s without events');
close $c->{sock};

# ---- Last-Event-ID and last_event_id replay what came after ----
my $mid = $r4->{id} - 1;
$c = sse_open($srv, '/api/live', 'Last-Event-ID' => $mid);
sse_read($c, 3, qr/"subject":"r4".*\n\n/);
@ev = events($c->{buf});
is_deeply([map { $_->{id} } @ev], [$r4->{id}], 'Last-Event-ID: the events after it');
close $c->{sock};
$c = sse_open($srv, "/api/live?last_event_id=$mid");
sse_read($c, 3, qr/"subject":"r4".*\n\n/);
is_deeply([map { $_->{id} } events($c->{buf})], [$r4->{id}],
    'last_event_id does the same');
close $c->{sock};
# more missed than live_replay_max (4): a reset, then the last 3
$c = sse_open($srv, '/api/live?last_event_id=0');
sse_read($c, 3, qr/(?:^data: .*\n\n.*){4}/ms);
@ev = events($c->{buf});
is($ev[0]{type}, 'reset', 'past live_replay_max a reset comes first');
is(scalar(@ev), 4, '... then the last live_replay events');
close $c->{sock};
my $bad = http_req($srv, 'GET', '/api/live', headers => { 'Last-Event-ID' => 'x' });
is($bad->{status}, 400, 'a Last-Event-ID that is no id is a 400');

# ---- filters ----
$c = sse_open($srv, '/api/live?types=run_ingested&branch=dev');
sse_read($c, 2, qr/"subject":"r2".*\n\n/);
@ev = events($c->{buf});
is(types(@ev), 'run_ingested', 'types and branch: the one upload on dev');
is($ev[0]{run_id}, 'r2', '... r2');
close $c->{sock};
$c = sse_open($srv, '/api/live?job=e2e&types=run_ingested,incident_opened');
sse_read($c, 2, qr/"subject":"r3".*\n\n/);
is_deeply([map { $_->{run_id} } events($c->{buf})], ['r3'], 'job: the e2e run only');
close $c->{sock};
$bad = http_req($srv, 'GET', '/api/live?types=run_ingested,bogus');
is($bad->{status}, 400, 'an unknown type is a 400');
like($bad->{json}{error}{message} // '', qr/'bogus'/, '... naming it');
$c = sse_open($srv, '/api/live?types=signal_open,signal_acknowledged,signal_resolved');
is($c->{status}, 200, 'every signal triage type is one to ask for');
close $c->{sock};
is(http_req($srv, 'GET', '/api/live?colour=red')->{status}, 400,
    'an unknown parameter is a 400');

# ---- a test's stream ----
$c = sse_open($srv, "/api/tests/$alpha/live");
sse_read($c, 3, qr/"run_id":"r4".*\n\n.*"run_id":"r4".*\n\n/s);
@ev = events($c->{buf});
ok(@ev >= 2, "the test's replay has its events");
is(scalar(grep { $_->{run_id} && $_->{run_id} eq 'r3' } @ev), 0,
    'not the upload of a run without the test');
ok((grep { $_->{type} eq 'incident_opened' } @ev), 'its incident is there');
ingest($inst, 'r5', 'main', 'e2e', ['gamma', 'F']);
ingest($inst, 'r6', 'main', 'unit', ['alpha', 'P']);
sse_read($c, 5, qr/"subject":"r6".*\n\n/);
@ev = events($c->{buf});
ok((grep { ($_->{run_id} // '') eq 'r6' && $_->{type} eq 'run_ingested' } @ev),
    'a new upload holding the test arrives');
is(scalar(grep { ($_->{run_id} // '') eq 'r5' } @ev), 0,
    'one without it does not');
close $c->{sock};
is(http_req($srv, 'GET', '/api/tests/0123456789abcdef/live')->{status}, 404,
    'an unknown test is a 404');

$c = sse_open($srv, '/api/live?types=batch_done');
is($c->{status}, 200, 'a stream for batch events');

# ---- batch_done: a pass that changed the project ----
my $b = $inst->cli('batch', '--pass', 'mapping');
is($b->{exit}, 0, 'the mapping pass ran');
sse_read($c, 3, qr/batch_done.*\n\n/);
@ev = events($c->{buf});
ok((grep { $_->{type} eq 'batch_done' && $_->{detail}{pass} eq 'mapping' } @ev),
    'it arrives as batch_done naming the pass');
$c->{buf} = '';
is($inst->cli('batch', '--pass', 'mapping')->{exit}, 0, 'the pass again, nothing new');
sse_read($c, 1.5, qr/batch_done/);
is(scalar(events($c->{buf})), 0, 'a pass that changed nothing says nothing');
close $c->{sock};

# ---- a killed live program loses nothing for a client reconnecting ----
$c = sse_open($srv, '/api/live?types=run_ingested');
sse_read($c, 3, qr/"subject":"r6".*\n\n/);
my ($seen_last) = reverse events($c->{buf});
my @pids = grep { /^\d+$/ } split /\s+/, `pgrep -P $srv->{pid} -f testvis-live`;
is(scalar(@pids), 1, 'one live process under lighttpd');
kill 'KILL', @pids;
sse_read($c, 5);
ok($c->{eof}, 'its streams end when it dies');
ingest($inst, 'r7', 'main', 'unit', ['alpha', 'P']);
my $again;
for (1 .. 20) {
	$again = sse_open($srv, '/api/live?types=run_ingested',
	    'Last-Event-ID' => $seen_last->{id});
	last if $again->{status} == 200;
	close $again->{sock};
	sleep 0.25;
}
is($again->{status}, 200, 'lighttpd starts it again on the next request');
sse_read($again, 3, qr/"subject":"r7".*\n\n/);
is_deeply([map { $_->{run_id} } events($again->{buf})], ['r7'],
    'the upload made while it was down is replayed');
close $again->{sock};
stop_lighttpd($srv);

# ---- the cap: live_max_clients (3), JSON answers beside it ----
my $capped = new_instance(conf => { auth_read => 'public', live_poll_ms => 100,
    live_keepalive_s => 60, live_max_clients => 3 });
ingest($capped, 'c1', 'main', 'unit', ['alpha', 'P']);
$srv = $capped->start_lighttpd(max_procs => 1);
my @held = map { sse_open($srv, '/api/live?types=batch_done') } 1 .. 3;
is(scalar(grep { $_->{status} == 200 } @held), 3, 'three clients held');
my $full = http_req($srv, 'GET', '/api/live');
is($full->{status}, 503, 'the fourth is a 503');
is($full->{json}{error}{code}, 'live_full', '... live_full');
ok($full->{headers}{'retry-after'}, '... with Retry-After');
is(http_req($srv, 'GET', '/api/tests/runs')->{status}, 200,
    'the runs list answers while the live program is full');
is(http_req($srv, 'GET', '/api/health')->{status}, 200, '... and health');
# lighttpd notices a browser gone only when it next writes to it: a full
# program makes it write, so the retry finds the places free
# (lighttpd may also notice by itself: then the first try gets in)
close $_->{sock} for @held;
sleep 1.2;
my ($next, @tries);
for (1 .. 2) {
	$next = sse_open($srv, '/api/live?types=batch_done');
	push @tries, $next->{status};
	last if $next->{status} == 200;
	like($next->{head}, qr/^Retry-After: 2/mi, 'still full: retry in 2 s');
	close $next->{sock};
	sleep 2;
}
is($next->{status}, 200, 'a client following Retry-After gets in (' .
    join(', ', @tries) . ')');
close $next->{sock};
my @live = grep { /^\d+$/ } split /\s+/, `pgrep -P $srv->{pid} -f testvis-live`;
stop_lighttpd($srv);
sleep 0.5;
# (gone, or a zombie nobody reaps once lighttpd, its parent, is gone)
my @running = grep { (TV::slurp("/proc/$_/stat") // '') =~ /^\d+ \(.*\) [^Z]/ } @live;
is(scalar(@live) . '/' . scalar(@running), '1/0', 'the live program stops with lighttpd');


# ---- tickets, with auth_read = token ----
my $sec = new_instance(conf => { auth_read => 'token', live_poll_ms => 100,
    live_ticket_ttl_s => 5 });
$sec->cli('project', 'add', 'other');
my $read = $sec->token('default', 'read');
my $other = $sec->token('other', 'read');
ingest($sec, 's1', 'main', 'unit', ['alpha', 'P']);
$srv = $sec->start_lighttpd(max_procs => 1);
is(http_req($srv, 'GET', '/api/live')->{status}, 401, 'no token: 401');
$c = sse_open($srv, '/api/live', Authorization => "Bearer $read");
is($c->{status}, 200, 'a bearer token works (for clients that send headers)');
close $c->{sock};
is(http_req($srv, 'GET', '/api/live', headers => { Authorization => "Bearer $other" })->{status},
    403, 'a token of project other cannot follow default');
is(http_req($srv, 'POST', '/api/live/ticket', body => '')->{status}, 401,
    'a ticket needs a token');
my $tk = http_req($srv, 'POST', '/api/live/ticket', body => '',
    headers => { Authorization => "Bearer $read" });
is($tk->{status}, 200, 'a token gets a ticket');
my $ticket = $tk->{json}{ticket} // '';
is($tk->{json}{ttl_seconds}, 5, '... for live_ticket_ttl_s');
unlike($ticket, qr/\Q$read\E/, '... which does not hold the token');
$c = sse_open($srv, "/api/live?ticket=$ticket");
is($c->{status}, 200, 'the ticket follows its project without a header');
sse_read($c, 3, qr/"subject":"s1".*\n\n/);
is_deeply([map { $_->{run_id} } events($c->{buf})], ['s1'], '... and gets its events');
close $c->{sock};
my $ot = http_req($srv, 'GET', "/api/live?project=other&ticket=$ticket");
is($ot->{status}, 403, 'a ticket of project default cannot follow other');
(my $forged = $ticket) =~ s/^(lt1\.\d+\.\w+\.)(\d+)/$1 . ($2 + 3600000)/e;
is(http_req($srv, 'GET', "/api/live?ticket=$forged")->{status}, 401,
    'a ticket with a changed expiry is refused');
is(http_req($srv, 'GET', '/api/live?ticket=lt1.x')->{status}, 401,
    'so is one that is no ticket');
my $tk2 = http_req($srv, 'POST', '/api/live/ticket?project=other', body => '',
    headers => { Authorization => "Bearer $other" });
my $ot2 = sse_open($srv, "/api/live?project=other&ticket=$tk2->{json}{ticket}");
is($ot2->{status}, 200, "project other's own ticket follows other");
close $ot2->{sock};
my ($oid) = $other =~ /^tv_([0-9a-f]{12})_/;
is($sec->cli('token', 'revoke', $oid)->{exit}, 0, 'revoke the other token');
my $rv = http_req($srv, 'GET', "/api/live?project=other&ticket=$tk2->{json}{ticket}");
is($rv->{status}, 401, "a revoked token's ticket is refused");
sleep 5.2;
my $ex = http_req($srv, 'GET', "/api/live?ticket=$ticket");
is($ex->{status}, 401, 'an expired ticket is refused');
like($ex->{json}{error}{message} // '', qr/expired/, '... saying so');
like(TV::slurp($srv->{log}), qr{testvis-live: .*path=/api/live status=200},
    'streams are logged');
unlike(TV::slurp($srv->{log}), qr/lt1\./, 'tickets never reach the log');
stop_lighttpd($srv);

done_testing();
