#!/usr/bin/perl
# testvis batch (SPEC §6): mapping (MAP-1, API-24, API-25), health and
# timelines (API-15 … API-17), flaky states (FLK-1, API-21, API-26),
# integrity signals (INT-1 … INT-3, API-18, API-19), retention (RET-1), the
# spool (ING-6), the lock, a killed batch, and --watch.  Every scenario is
# a scripted history through the real ingest path, with near misses that
# must raise nothing.
use strict;
use warnings;
use Fcntl qw(:flock);
use IO::Compress::Gzip qw(gzip);
use POSIX qw(strftime);
use Test::More;
use lib 't/lib';
use TV;

my $d = tv_scratch();
my $DAY = 86400;

sub iso { my ($t) = @_; return strftime('%Y-%m-%dT%H:%M:%S', gmtime(int $t)) . 'Z' }

# A testsuite of cases [name, status P|F|S, seconds, %attrs (classname,
# file, assertions)]; a case may appear twice (a retry).
sub xml {
	my (@cases) = @_;
	my $x = qq{<?xml version="1.0"?>\n<testsuite name="suite">};
	for my $c (@cases) {
		my ($n, $s, $t, %a) = @$c;
		my $cls = $a{classname} // ($a{file} ? ($a{file} =~ s/\.\w+$//r =~ s{/}{.}gr) : 'tests.T');
		my $attrs = qq{classname="$cls" name="$n" time="$t"};
		$attrs .= qq{ file="$a{file}"} if defined $a{file};
		$attrs .= qq{ assertions="$a{assertions}"} if defined $a{assertions};
		$x .= "<testcase $attrs>";
		$x .= qq{<failure message="$n failed" type="AssertionError">at x.py:1</failure>} if $s eq 'F';
		$x .= '<skipped/>' if $s eq 'S';
		$x .= "</testcase>\n";
	}
	return "$x</testsuite>\n";
}

my $seq = 0;
# ingest($inst, run_id, branch, sha, epoch, [cases], sidecar-hash?)
sub ingest {
	my ($inst, $id, $branch, $sha, $at, $cases, $side) = @_;
	my $f = "$d/r" . $seq++ . ".xml";
	open(my $fh, '>', $f) or die;
	print $fh xml(@$cases);
	close $fh;
	if ($side) {
		(my $m = $f) =~ s/\.xml$/.meta.json/;
		open($fh, '>', $m) or die;
		print $fh TV::encode_json_text($side);
		close $fh;
	}
	my @a = ('ingest', '--run-id', $id, '--branch', $branch, '--started-at', iso($at));
	push @a, '--git-sha', $sha if defined $sha;
	my $r = $inst->cli(@a, $f);
	die "ingest $id: $r->{stdout}$r->{stderr}" unless $r->{exit} == 0;
}

# Multipart upload with a diff part (INT-2).
sub ingest_diff {
	my ($inst, $token, $id, $branch, $sha, $at, $cases, $diff) = @_;
	my $b = 'tvbound90';
	my $body = "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.xml\"\r\n"
	    . "Content-Type: application/xml\r\n\r\n" . xml(@$cases) . "\r\n"
	    . "--$b\r\nContent-Disposition: form-data; name=\"diff\"\r\n\r\n$diff\r\n--$b--\r\n";
	my $q = "run_id=$id&branch=$branch&git_sha=$sha&started_at=" . iso($at);
	my $r = $inst->cgi('ingest', 'POST', "/api/tests/ingest?$q", body => $body,
	    content_type => "multipart/form-data; boundary=$b",
	    headers => { Authorization => "Bearer $token" });
	die "ingest $id: $r->{status} $r->{body}" unless $r->{status} == 201;
}

sub batch {
	my ($inst, @a) = @_;
	my $r = $inst->cli('batch', @a);
	return $r;
}
sub get { my ($inst, $prog, $uri) = @_; return $inst->cgi($prog, 'GET', $uri) }
sub send_json {
	my ($inst, $prog, $method, $uri, $token, $body) = @_;
	return $inst->cgi($prog, $method, $uri, body => $body, content_type => 'application/json',
	    headers => $token ? { Authorization => "Bearer $token" } : {});
}
sub sql { my ($inst, $q) = @_; return $inst->sql($q) }
sub tid { my ($inst, $name) = @_; return sql($inst, "SELECT test_id FROM tests WHERE name = '$name' AND alias_of IS NULL") }

my $t0 = time - 40 * $DAY;

# ===================== mapping, health, timeline =====================
{
	my $rules = "$d/mapping.rules";
	open(my $fh, '>', $rules) or die;
	print $fh "# test rules\nbilling/invoices file pkg/auth/*_test.go\nsearch/rules file tests/search/*\n";
	close $fh;
	my $inst = new_instance(conf => { mapping_rules => $rules });
	my $admin = $inst->token('default', 'admin');
	my $reader = $inst->token('default', 'read');
	my @cases = (
	    ['test_partial', 'P', 0.1, file => 'tests/checkout/payments/test_refunds.py'],
	    ['testAddItem', 'P', 0.1, classname => 'com.shop.cart.CartServiceTest'],
	    ['TestLogin', 'P', 0.1, file => 'pkg/auth/login_test.go', classname => 'auth'],
	    ['test_rank', 'P', 0.1, file => 'tests/search/test_rank.py'],
	    ['orphan', 'P', 0.1, classname => ''],
	    ['test_user', 'P', 0.1, file => 'spec/models/user_spec.rb'],
	);
	ingest($inst, 'm1', 'main', 'a1', $t0, \@cases,
	    { tests => { 'tests.search.test_rank::test_rank' => { feature => 'search/ranking' } } });
	my $r = batch($inst);
	is($r->{exit}, 0, 'batch exits 0') or diag("$r->{stdout}$r->{stderr}");
	like($r->{stdout}, qr/^batch: mapping ok in [\d.]+ s: default: 6 tests mapped/m, 'one summary line for the mapping pass');
	is(scalar(() = $r->{stdout} =~ /^batch: /mg), 9, 'one line per pass');
	my %want = (test_partial => ['heuristic', 'checkout/payments/refunds', 0.6],
	    testAddItem => ['heuristic', 'shop/cart/cart_service', 0.5],
	    TestLogin => ['rule', 'billing/invoices', 0.9],
	    test_rank => ['explicit', 'search/ranking', 0.95],
	    test_user => ['heuristic', 'models/user', 0.6]);
	for my $n (sort keys %want) {
		my $m = get($inst, 'features', '/api/tests/' . tid($inst, $n) . '/mappings')->{json}{mappings};
		my ($p) = grep { $_->{primary} } @$m;
		is_deeply([$p->{provider}, $p->{feature}, $p->{confidence}], $want{$n}, "$n: primary $want{$n}[0] mapping");
	}
	my $m = get($inst, 'features', '/api/tests/' . tid($inst, 'TestLogin') . '/mappings')->{json}{mappings};
	is_deeply([map { $_->{provider} } @$m], ['rule', 'heuristic'], 'the rule beats the heuristic, both listed');
	$m = get($inst, 'features', '/api/tests/' . tid($inst, 'test_rank') . '/mappings')->{json}{mappings};
	is_deeply([map { $_->{provider} } @$m], ['explicit', 'rule', 'heuristic'], 'explicit beats the rule');
	is(sql($inst, "SELECT f.path FROM tests t JOIN features f ON f.id = t.feature WHERE t.name = 'orphan'"), 'unmapped',
	    'a test with nothing to go by lands in unmapped');

	# API-15: the tree
	my $tree = get($inst, 'features', '/api/tests/health/domains')->{json};
	my ($checkout) = grep { $_->{path} eq 'checkout' } @{$tree->{domains}};
	is($checkout->{children}[0]{path}, 'checkout/payments', 'nested domain');
	is($checkout->{children}[0]{features}[0]{path}, 'checkout/payments/refunds', 'feature under its domain');
	is_deeply([@{$checkout}{qw(tests passed failed pass_rate status integrity_score confidence)}],
	    [1, 1, 0, 1, 'green', 1, 1], 'node figures');
	is($tree->{totals}{tests}, 6, 'every test counted once');

	# manual override (admin only), import with confidence
	my $tp = tid($inst, 'test_partial');
	$r = send_json($inst, 'features', 'PUT', "/api/tests/$tp/mapping", undef, '{"feature":"ops/manual"}');
	is($r->{status}, 401, 'manual mapping needs a token');
	$r = send_json($inst, 'features', 'PUT', "/api/tests/$tp/mapping", $reader, '{"feature":"ops/manual"}');
	is($r->{status}, 403, 'and the admin scope');
	$r = send_json($inst, 'features', 'PUT', "/api/tests/$tp/mapping", $admin, '{"feature":"../x"}');
	is($r->{status}, 400, 'a bad feature path is a 400');
	like($r->{json}{error}{message}, qr/feature/, 'naming the feature');
	$r = send_json($inst, 'features', 'PUT', "/api/tests/$tp/mapping", $admin, '{"feature":"ops/manual","x":1}');
	is($r->{status}, 400, 'unknown body fields are a 400');
	$r = send_json($inst, 'features', 'PUT', "/api/tests/$tp/mapping", $admin, '{"feature":"ops/manual"}');
	is($r->{status}, 200, 'manual mapping stored');
	is_deeply([map { "$_->{provider}:" . ($_->{primary} ? 1 : 0) } @{$r->{json}{mappings}}],
	    ['manual:1', 'heuristic:0'], 'manual wins at once');
	$r = send_json($inst, 'features', 'PUT', '/api/tests/0123456789abcdef/mapping', $admin, '{"feature":"a/b"}');
	is($r->{status}, 404, 'unknown test');
	my $ta = tid($inst, 'testAddItem');
	my $or = tid($inst, 'orphan');
	$r = send_json($inst, 'features', 'POST', '/api/tests/mappings/import', $admin,
	    qq({"mappings":[{"test_id":"$ta","feature":"cart/items","confidence":0.7},{"test_id":"ffffffffffffffff","feature":"a","confidence":0.9}]}));
	is($r->{status}, 404, 'import with an unknown test is refused');
	is(sql($inst, "SELECT count(*) FROM mappings WHERE provider = 'import'"), 0, 'and stores nothing');
	$r = send_json($inst, 'features', 'POST', '/api/tests/mappings/import', $admin,
	    qq({"mappings":[{"test_id":"$ta","feature":"cart/items","confidence":1.5}]}));
	is($r->{status}, 400, 'confidence above 1 is a 400');
	$r = send_json($inst, 'features', 'POST', '/api/tests/mappings/import', $admin,
	    qq({"mappings":[{"test_id":"$ta","feature":"cart/items","confidence":0.7},{"test_id":"$or","feature":"misc/orphans","confidence":0.4}]}));
	is($r->{status}, 200, 'import stored') or diag($r->{body});
	$m = get($inst, 'features', "/api/tests/$ta/mappings")->{json}{mappings};
	is("$m->[0]{provider} $m->[0]{feature} $m->[0]{confidence}", 'import cart/items 0.7', 'an import at 0.7 beats the heuristic at 0.5');
	is(sql($inst, "SELECT f.path FROM tests t JOIN features f ON f.id = t.feature WHERE t.test_id = '$or'"), 'unmapped',
	    'an import below 0.5 is listed but never primary');

	# the rules file changes: everything is re-resolved
	open($fh, '>', $rules) or die;
	print $fh "identity/login file pkg/auth/*\n";
	close $fh;
	$r = batch($inst, '--pass', 'mapping');
	like($r->{stdout}, qr/re-mapped \(rules changed\)/, 'a changed rules file re-maps');
	$m = get($inst, 'features', '/api/tests/' . tid($inst, 'TestLogin') . '/mappings')->{json}{mappings};
	is($m->[0]{feature}, 'identity/login', 'by the new rule');
	$r = get($inst, 'tests', '/api/tests/' . tid($inst, 'TestLogin'));
	is($r->{json}{mappings}[0]{feature}, 'identity/login', 'test detail lists its mappings');

	# API-16 features, paged, filtered by domain
	my @all;
	my $cur = '';
	for (1 .. 20) {
		$r = get($inst, 'features', "/api/tests/health/features?limit=2$cur");
		push @all, map { $_->{path} } @{$r->{json}{features}};
		last unless defined $r->{json}{next_cursor};
		$cur = "&cursor=$r->{json}{next_cursor}";
	}
	is_deeply(\@all, [sort @all], 'features in path order across pages');
	my %seen;
	is(scalar(grep { !$seen{$_}++ } @all), scalar @all, 'no feature twice');
	my $did = sql($inst, "SELECT id FROM domains WHERE path = 'checkout'");
	my $sdid = sql($inst, "SELECT id FROM domains WHERE path = 'shop'");
	$r = get($inst, 'features', "/api/tests/health/features?domain_id=$sdid");
	is($r->{status}, 200, 'issue 11: domain filter on a domain left without tests');
	is_deeply($r->{json}{features}, [], 'lists nothing: the import moved testAddItem from shop/cart to cart/items');
	$r = get($inst, 'features', "/api/tests/health/features?domain_id=" . sql($inst, "SELECT id FROM domains WHERE path = 'identity'"));
	is_deeply([map { $_->{path} } @{$r->{json}{features}}], ['identity/login'], 'domain filter');
	is(get($inst, 'features', '/api/tests/health/features?cursor=zz')->{status}, 400, 'a bad cursor is a 400');
	is(get($inst, 'features', '/api/tests/health/features?domain_id=0')->{status}, 400, 'domain_id out of range');

	# API-7 filters by feature and domain
	my $fid = sql($inst, "SELECT id FROM features WHERE path = 'identity/login'");
	$r = get($inst, 'tests', "/api/tests?feature_id=$fid");
	is_deeply([map { $_->{name} } @{$r->{json}{tests}}], ['TestLogin'], 'catalogue filtered by feature');
	$r = get($inst, 'tests', "/api/tests?domain_id=$did");
	is($r->{status}, 200, 'catalogue filtered by a domain');
	is_deeply([map { $_->{name} } @{$r->{json}{tests}}], [], 'domain filter: empty, test_partial moved out of checkout by hand');
	my $cdid = sql($inst, "SELECT id FROM domains WHERE path = 'cart'");
	$r = get($inst, 'tests', "/api/tests?domain_id=$cdid");
	is_deeply([map { $_->{name} } @{$r->{json}{tests}}], ['testAddItem'], 'issue 11: domain filter: the imported test in cart');
	# a test moved by hand under shop/cart: the parent domain shop takes in
	# its sub-domain, in the catalogue and in the feature list
	$r = send_json($inst, 'features', 'PUT', "/api/tests/$or/mapping", $admin, '{"feature":"shop/cart/orphans"}');
	is($r->{status}, 200, 'orphan moved to shop/cart/orphans');
	$r = get($inst, 'tests', "/api/tests?domain_id=$sdid");
	is_deeply([map { $_->{name} } @{$r->{json}{tests}}], ['orphan'], 'issue 11: a parent domain filter includes its sub-domains');
	$r = get($inst, 'features', "/api/tests/health/features?domain_id=$sdid");
	is_deeply([map { $_->{path} } @{$r->{json}{features}}], ['shop/cart/orphans'], 'and so does the feature list');
	is(get($inst, 'tests', '/api/tests?feature_id=x')->{status}, 400, 'feature_id must be a number');
}

# ===================== timeline on a known calendar =====================
{
	my $inst = new_instance();
	my $day0 = int((time - 20 * $DAY) / $DAY) * $DAY;	# UTC midnight
	my $f = 'tests/shop/test_cart.py';
	my @plan = (	# day offset, hour, statuses of (a, b)
	    [0, 9, 'P', 'P'], [0, 15, 'P', 'F'],	# day 0: red
	    [1, 10, 'P', 'P'],				# day 1: green
	    [2, 10, 'P', 'S'],				# day 2: green, not all-green
	    [4, 8, 'F', 'P'],				# day 4: red
	    [5, 9, 'P', 'P'], [5, 18, 'P', 'P'],	# day 5: all green, latest 18:00
	);
	my $i = 0;
	for my $p (@plan) {
		my ($off, $h, $a, $b) = @$p;
		ingest($inst, 'c' . ++$i, 'main', "s$i", $day0 + $off * $DAY + $h * 3600,
		    [['test_a', $a, 0.1, file => $f], ['test_b', $b, 0.1, file => $f]]);
	}
	batch($inst);
	my $fid = sql($inst, "SELECT id FROM features WHERE path = 'shop/cart'");
	my $r = get($inst, 'features', "/api/tests/features/$fid/timeline?days=30");
	is($r->{status}, 200, 'timeline') or diag($r->{body});
	my $tl = $r->{json};
	is(scalar @{$tl->{days}}, 30, 'one entry per day of the window');
	my %by = map { $_->{day} => $_ } @{$tl->{days}};
	my $dn = sub { strftime('%Y-%m-%d', gmtime($day0 + $_[0] * $DAY)) };
	is_deeply([@{$by{$dn->(0)}}{qw(runs passed failed skipped)}], [2, 3, 1, 0], 'day 0 counts');
	is_deeply([@{$by{$dn->(3)}}{qw(runs passed failed)}], [0, 0, 0], 'a day without runs is zeros');
	is($tl->{first_green}{day}, $dn->(1), 'first_green: first day with passes and no failures');
	is($tl->{first_green}{run_id}, 'c3', 'with that day\'s latest run');
	is($tl->{last_red}{day}, $dn->(4), 'last_red: last day with a failure');
	is($tl->{last_known_good}{day}, $dn->(5), 'last_known_good: last all-green day');
	is($tl->{last_known_good}{run_id}, 'c7', 'its latest run');
	is($tl->{last_known_good}{latest_run_at}, iso($day0 + 5 * $DAY + 18 * 3600) =~ s/Z$/.000Z/r, 'and time');
	is(get($inst, 'features', '/api/tests/features/999999/timeline')->{status}, 404, 'unknown feature');
	is(get($inst, 'features', "/api/tests/features/$fid/timeline?days=0")->{status}, 400, 'days out of range');
	is(get($inst, 'features', '/api/tests/features/abc/timeline')->{status}, 400, 'feature id not a number');
	# a feature's days follow a test when it is moved by hand
	my $admin = $inst->token('default', 'admin');
	send_json($inst, 'features', 'PUT', '/api/tests/' . tid($inst, 'test_b') . '/mapping', $admin, '{"feature":"shop/other"}');
	$r = get($inst, 'features', "/api/tests/features/$fid/timeline?days=30");
	%by = map { $_->{day} => $_ } @{$r->{json}{days}};
	is_deeply([@{$by{$dn->(0)}}{qw(passed failed)}], [2, 0], 'moving a test moves its days');
	is($r->{json}{last_red}{day}, $dn->(4), 'markers recomputed');
}

# ===================== flaky states (FLK-1) =====================
{
	my $inst = new_instance(conf => { flaky_window => 6, flaky_quiet_days => 2 });
	my @names = map { "t$_" } 1 .. 8;
	my $at = time - $DAY;
	my $n = 0;
	my $run = sub {
		my ($branch, $sha, %st) = @_;
		my @c;
		for my $t (@names) {
			my $s = $st{$t} // 'P';
			if ($s eq 'R') {	# failed, then passed on a retry
				push @c, [$t, 'F', 0.1], [$t, 'P', 0.1];
			} else {
				push @c, [$t, $s, 0.1];
			}
		}
		ingest($inst, 'f' . ++$n, $branch, $sha, $at + $n * 600, \@c);
	};
	$run->('main', 'x1') for 1 .. 3;
	$run->('main', 'x2', map { $_ => 'F' } @names);	# an outage: every test failed
	$run->('main', 'x3') for 1 .. 3;
	my $r = batch($inst, '--pass', 'flaky');
	like($r->{stdout}, qr/7 runs \(1 outages ignored\), 0 newly flaky/, 'an outage run makes no test flaky');
	$run->('main', 'x4', t1 => 'R');			# retry pass
	$run->('main', 'x6', t8 => 'F');			# always failing from here
	$run->('main', 'x7', t8 => 'F');
	$run->('main', 'x8', t8 => 'F');
	# same sha, pass then fail, on one branch (issue 13 item 5: same-sha
	# is judged within one branch and job): main's window of t2 becomes
	# P P P P P F, a flip rate of 0.2 under the activation threshold, so
	# only the same-sha monitor can see it
	$run->('main', 'x5', t8 => 'F');
	$run->('main', 'x5', t2 => 'F', t8 => 'F');
	$run->('dev', "d$_", t3 => ($_ % 2 ? 'F' : 'P')) for 1 .. 6;	# flips on dev
	$r = batch($inst, '--pass', 'flaky');
	like($r->{stdout}, qr/3 newly flaky/, 'three tests became flaky');
	my $fl = get($inst, 'insights', '/api/tests/flaky?branch=*')->{json}{flaky};
	my %f = map { $_->{name} => $_ } @$fl;
	# issue 11: each of t1, t2, t3 is caught by one monitor only, so
	# switching any one monitor off makes its test disappear from this set
	is_deeply([sort keys %f], [qw(t1 t2 t3)], 'retry, same-sha and flip-rate tests are flaky; a stable failure is not');
	is($f{t1}{monitors}, 'retry', 't1 by the retry monitor');
	is($f{t1}{evidence}{retry_passes}, 1, 'with its retry pass');
	is($f{t2}{monitors}, 'same_sha', 'issue 11: t2 by the same-sha monitor alone (no flips on either branch)');
	is($f{t2}{evidence}{same_sha_conflicts}, 1, 'with one same-sha conflict');
	is($f{t2}{evidence}{items}[0]{git_sha}, 'x5', 'evidence names the commit');
	is($f{t2}{evidence}{items}[0]{branch}, 'main', 'issue 13 item 5: and the branch');
	ok(exists $f{t2}{evidence}{items}[0]{job} && !defined $f{t2}{evidence}{items}[0]{job},
	    'issue 13 item 5: and the job (null: the unnamed job)');
	is($f{t3}{monitors}, 'flip', 't3 by the flip-rate monitor');
	is($f{t3}{evidence}{flip_branch}, 'dev', 'on its branch');
	ok($f{t3}{evidence}{flip_rate} >= 0.3, 'over the activation threshold');
	# issue 13 item 4: each branch counts the tests flaky there
	is(get($inst, 'insights', '/api/dashboard')->{json}{flaky}, 2, 'the dashboard of main counts t1 and t2');
	is(get($inst, 'insights', '/api/dashboard?branch=dev')->{json}{flaky}, 1, 'the dashboard of dev counts t3');
	is_deeply([map { $_->{name} } @{get($inst, 'insights', '/api/tests/flaky?branch=dev')->{json}{flaky}}], ['t3'],
	    'issue 13 item 4: the flaky list of dev: t3 only');
	# hysteresis: P P F P P P on dev gives 0.4 -> still over; then fewer flips
	$run->('dev', "d7", t3 => 'P');
	$run->('dev', "d8", t3 => 'P');
	batch($inst, '--pass', 'flaky');
	my $fa = sql($inst, "SELECT flip_active FROM flaky_states fs JOIN tests t ON t.id = fs.test WHERE t.name = 't3'");
	# window (6) = F P F P P P: 3 flips / 5 = 0.6 still active
	is($fa, 1, 'the flip latch holds while the rate is high');
	$run->('dev', "d$_", t3 => 'P') for 9 .. 11;	# window P P P P P P -> 0 < 0.1
	batch($inst, '--pass', 'flaky');
	is(sql($inst, "SELECT flip_active FROM flaky_states fs JOIN tests t ON t.id = fs.test WHERE t.name = 't3'"), 0,
	    'and falls below the resolution threshold');
	is(sql($inst, "SELECT fs.state FROM flaky_states fs JOIN tests t ON t.id = fs.test WHERE t.name = 't3'"), 'flaky',
	    'flaky until the quiet period has passed');
	$r = batch($inst, '--pass', 'flaky', '--now', iso(time + 3 * $DAY));
	like($r->{stdout}, qr/3 resolved/, 'after the quiet period all three resolve');
	is(scalar @{get($inst, 'insights', '/api/tests/flaky')->{json}{flaky}}, 0, 'none flaky now');
	is(scalar @{get($inst, 'insights', '/api/tests/flaky?branch=*&state=resolved')->{json}{flaky}}, 3, 'three resolved');
	is(get($inst, 'insights', '/api/tests/flaky?state=maybe')->{status}, 400, 'a bad state is a 400');

	# API-26: mute and quarantine
	my $admin = $inst->token('default', 'admin');
	my $t1 = tid($inst, 't1');
	$r = send_json($inst, 'tests', 'PUT', "/api/tests/$t1/state", $admin, '{"state":"quarantined"}');
	is($r->{status}, 400, 'quarantine needs a reason');
	$r = send_json($inst, 'tests', 'PUT', "/api/tests/$t1/state", $admin, '{"state":"broken","reason":"x"}');
	is($r->{status}, 400, 'unknown state');
	$r = send_json($inst, 'tests', 'PUT', "/api/tests/$t1/state", $inst->token('default', 'read'),
	    '{"state":"quarantined","reason":"x"}');
	is($r->{status}, 403, 'readers cannot quarantine');
	$r = send_json($inst, 'tests', 'PUT', "/api/tests/$t1/state", $admin, '{"state":"quarantined","reason":"flaky on CI"}');
	is($r->{status}, 200, 'quarantined') or diag($r->{body});
	send_json($inst, 'tests', 'PUT', '/api/tests/' . tid($inst, 't2') . '/state', $admin, '{"state":"muted","reason":"noisy"}');
	$r = get($inst, 'tests', '/api/tests/quarantine');
	is_deeply([map { "$_->{name}:$_->{reason}" } @{$r->{json}{tests}}], ['t1:flaky on CI'], 'the quarantine list for CI');
	$r = get($inst, 'tests', '/api/tests/quarantine?state=all');
	is(scalar @{$r->{json}{tests}}, 2, 'with the muted test on request');
	is(get($inst, 'insights', '/api/dashboard')->{json}{paused_tests}, 2, 'dashboard counts paused tests');
	is(get($inst, 'tests', "/api/tests/$t1")->{json}{state}, 'quarantined', 'test detail shows the state');
	$r = send_json($inst, 'tests', 'PUT', "/api/tests/$t1/state", $admin, '{"state":"active"}');
	is($r->{json}{previous_state}, 'quarantined', 'active again');
	is(scalar @{get($inst, 'tests', '/api/tests/quarantine')->{json}{tests}}, 0, 'and off the list');
	is(send_json($inst, 'tests', 'PUT', '/api/tests/0123456789abcdef/state', $admin,
	    '{"state":"muted","reason":"x"}')->{status}, 404, 'unknown test');
	is(send_json($inst, 'tests', 'PUT', "/api/tests/$t1/state", $admin, '[1]')->{status}, 400, 'not an object');
	is(send_json($inst, 'tests', 'PUT', "/api/tests/$t1/state", $admin, '{"state":')->{status}, 400, 'not JSON');
}

# ===================== integrity signals (INT-1 … INT-3) =====================
{
	my $inst = new_instance();
	my $ingest_tok = $inst->token('default', 'ingest');
	my $cart = 'tests/test_cart.py';
	my $user = 'tests/test_user.py';
	my $at = time - 5 * $DAY;
	my @base = (
	    ['test_total[a]', 'P', 0.2, file => $cart], ['test_total[b]', 'P', 0.2, file => $cart],
	    ['test_total[c]', 'P', 0.2, file => $cart], ['test_add', 'P', 0.2, file => $cart],
	    ['test_remove', 'P', 0.2, file => $cart], ['test_old_name', 'P', 0.2, file => $cart],
	    ['test_login', 'P', 0.2, file => $user, assertions => 5], ['test_slow', 'P', 0.3, file => $user],
	    ['test_fixme', 'F', 0.1, file => $user],
	);
	push @base, map { ["test_gone$_", 'P', 0.1, file => 'tests/test_legacy.py'] } 1 .. 3;
	ingest($inst, "i$_", 'main', "b$_", $at + $_ * 3600, \@base) for 1 .. 4;
	# the weakened run: variants consolidated, one removed, one skipped,
	# assertions dropped, a stubbed body, a renamed test, a whole file gone
	my @weak = (
	    ['test_total', 'P', 0.2, file => $cart], ['test_add', 'S', 0, file => $cart],
	    ['test_new_name', 'P', 0.2, file => $cart],
	    ['test_login', 'P', 0.2, file => $user, assertions => 2], ['test_slow', 'P', 0.001, file => $user],
	    ['test_fixme', 'F', 0.1, file => $user],
	);
	ingest($inst, 'i5', 'main', 'b5', $at + 5 * 3600, \@weak);
	# another job (issue 13: a branch's first run is compared with the
	# default branch's newest run of its own job; lint has none there)
	ingest($inst, 'i5-dev', 'dev', 'b5', $at + 5 * 3600, [['test_other', 'P', 0.1]], { job => 'lint' });
	# the rename is declared before the batch looks: not a removal
	my $admin = $inst->token('default', 'admin');
	my $r = send_json($inst, 'features', 'POST', '/api/tests/aliases', $admin,
	    sprintf('{"from":"%s","to":"%s"}', tid($inst, 'test_old_name'), tid($inst, 'test_new_name')));
	is($r->{status}, 201, 'alias created') or diag($r->{body});
	is($r->{json}{results_moved}, 4, 'the old test\'s four results moved');
	$r = batch($inst, '--pass', 'integrity');
	is($r->{exit}, 0, 'integrity pass') or diag($r->{stdout} . $r->{stderr});
	my $alerts = get($inst, 'integrity', '/api/tests/integrity/alerts?limit=100')->{json}{alerts};
	my %by;
	push @{$by{$_->{signal_type}}}, $_ for @$alerts;
	is(scalar @{$by{test_removed} || []}, 2, 'two test_removed: the variants once, test_remove once');
	my ($total) = grep { $_->{message} =~ /test_total/ } @{$by{test_removed}};
	is($total->{evidence}{variants}, 3, 'three variants reported in one signal');
	ok(!grep({ $_->{message} =~ /old_name|gone/ } @{$by{test_removed}}),
	    'neither the aliased test nor the tests of a deleted file count as removed');
	is(scalar @{$by{suite_shrink} || []}, 1, 'suite_shrink');
	is($by{suite_shrink}[0]{severity}, 'critical', 'is critical');
	is_deeply([map { $_->{test_name} } @{$by{newly_skipped} || []}], ['test_add'], 'newly_skipped');
	is_deeply([map { $_->{test_name} } @{$by{assertions_dropped} || []}], ['test_login'], 'assertions_dropped');
	is_deeply($by{assertions_dropped}[0]{evidence}, { before => 5, after => 2 }, 'with the counts');
	is_deeply([map { $_->{test_name} } @{$by{duration_collapse} || []}], ['test_slow'], 'duration_collapse');
	ok(!grep({ $_->{branch} eq 'dev' } @$alerts), 'a run of another job on another branch is not compared with main');
	my $ev = sql($inst, "SELECT count(*) FROM events WHERE kind = 'integrity_alert'");
	is($ev, 1, 'one alert event: the critical shrink');
	my $nsig = scalar @$alerts;
	batch($inst, '--pass', 'integrity');
	sql($inst, "DELETE FROM batch_marks WHERE pass = 'integrity'");
	batch($inst, '--pass', 'integrity');
	is(scalar @{get($inst, 'integrity', '/api/tests/integrity/alerts?limit=100')->{json}{alerts}}, $nsig,
	    're-running the pass over the same runs duplicates nothing');
	is(sql($inst, "SELECT count(*) FROM events WHERE kind = 'integrity_alert'"), 1, 'nor the alert');
	# the alias kept the history everywhere
	my $nt = tid($inst, 'test_new_name');
	$r = get($inst, 'tests', "/api/tests/$nt/history");
	is(scalar @{$r->{json}{history}}, 5, 'history of the renamed test includes the old name\'s runs');
	is(get($inst, 'tests', "/api/tests/$nt/uptime?hours=8760")->{json}{total_runs}, 5, 'so does its uptime');
	is(get($inst, 'tests', '/api/tests/' . sql($inst, "SELECT test_id FROM tests WHERE name = 'test_old_name'"))->{status},
	    404, 'the old id is gone from the catalogue');
	is(send_json($inst, 'features', 'POST', '/api/tests/aliases', $admin,
	    sprintf('{"from":"%s","to":"%s"}', $nt, $nt))->{status}, 400, 'an alias to itself is a 400');
	is(send_json($inst, 'features', 'POST', '/api/tests/aliases', $admin,
	    sprintf('{"from":"%s","to":"0123456789abcdef"}', $nt))->{status}, 404, 'an alias to an unknown test is a 404');
	# an upload naming the old test again lands on the new one
	ingest($inst, 'i6', 'main', 'b6', $at + 6 * 3600, [@weak, ['test_old_name', 'P', 0.2, file => $cart]]);
	is(scalar @{get($inst, 'tests', "/api/tests/$nt/history")->{json}{history}}, 6, 'a later upload of the old name adds to the new test');

	# API-18 filters and paging, API-19 triage
	is(scalar @{get($inst, 'integrity', '/api/tests/integrity/alerts?signal_type=test_removed')->{json}{alerts}}, 2, 'type filter');
	is(scalar @{get($inst, 'integrity', '/api/tests/integrity/alerts?severity=critical')->{json}{alerts}}, 1, 'severity filter');
	is(scalar @{get($inst, 'integrity', '/api/tests/integrity/alerts?session_id=none')->{json}{alerts}}, 0, 'session filter');
	my (@ids, $cur);
	$cur = '';
	for (1 .. 20) {
		$r = get($inst, 'integrity', "/api/tests/integrity/alerts?limit=3$cur");
		push @ids, map { $_->{id} } @{$r->{json}{alerts}};
		last unless defined $r->{json}{next_cursor};
		$cur = "&cursor=$r->{json}{next_cursor}";
	}
	my %s;
	is(scalar(grep { !$s{$_}++ } @ids), $nsig, 'paging lists every signal once');
	is(get($inst, 'integrity', '/api/tests/integrity/alerts?severity=urgent')->{status}, 400, 'bad severity');
	is(get($inst, 'integrity', '/api/tests/integrity/alerts?since=yesterday')->{status}, 400, 'bad since');
	my $sid = $by{newly_skipped}[0]{id};
	$r = send_json($inst, 'integrity', 'POST', "/api/tests/integrity/alerts/$sid", $inst->token('default', 'read'),
	    '{"status":"acknowledged"}');
	is($r->{status}, 403, 'readers cannot triage');
	$r = send_json($inst, 'integrity', 'POST', "/api/tests/integrity/alerts/$sid", $admin, '{"status":"closed"}');
	is($r->{status}, 400, 'unknown status');
	$r = send_json($inst, 'integrity', 'POST', '/api/tests/integrity/alerts/999999', $admin, '{"status":"resolved"}');
	is($r->{status}, 404, 'unknown signal');
	my $before = get($inst, 'insights', '/api/dashboard')->{json}{open_signals};
	is($before, $nsig, 'dashboard counts open signals');
	$r = send_json($inst, 'integrity', 'POST', "/api/tests/integrity/alerts/$sid", $admin,
	    '{"status":"acknowledged","note":"intended: feature flag off"}');
	is($r->{status}, 200, 'acknowledged');
	is($r->{json}{previous_status}, 'open', 'from open');
	is(get($inst, 'insights', '/api/dashboard')->{json}{open_signals}, $before - 1, 'acknowledged signals stop counting');
	my $run = get($inst, 'runs', '/api/tests/runs/i5')->{json};
	is(scalar @{$run->{signals}}, $nsig, 'run detail lists its signals');
	my $tree = get($inst, 'features', '/api/tests/health/domains')->{json};
	ok($tree->{totals}{integrity_score} < 1, 'open signals lower the integrity score');
	# issue 11: resolving through the API
	my $rid = $by{assertions_dropped}[0]{id};
	$r = send_json($inst, 'integrity', 'POST', "/api/tests/integrity/alerts/$rid", $admin,
	    '{"status":"resolved","note":"assertions moved to a helper"}');
	is($r->{status}, 200, 'issue 11: a signal resolved through the API') or diag($r->{body});
	is_deeply([@{$r->{json}}{qw(id status previous_status note)}], [$rid, 'resolved', 'open', 'assertions moved to a helper'],
	    'the answer gives the new and previous status');
	is(get($inst, 'insights', '/api/dashboard')->{json}{open_signals}, $before - 2, 'a resolved signal stops counting');
	is_deeply([map { $_->{id} } @{get($inst, 'integrity', '/api/tests/integrity/alerts?status=resolved')->{json}{alerts}}],
	    [$rid], 'it is listed as resolved');
	my $open = get($inst, 'integrity', '/api/tests/integrity/alerts?status=open&limit=100')->{json}{alerts};
	is(scalar @$open, $nsig - 2, 'and no longer as open');
	for my $a (@$open) {
		send_json($inst, 'integrity', 'POST', "/api/tests/integrity/alerts/$a->{id}", $admin, '{"status":"resolved"}');
	}
	is(get($inst, 'insights', '/api/dashboard')->{json}{open_signals}, 0, 'every signal resolved: none open');
	is(get($inst, 'features', '/api/tests/health/domains')->{json}{totals}{integrity_score}, 1,
	    'and the integrity score is whole again');
}

# ===================== diff-based signals (INT-2) =====================
{
	my $inst = new_instance();
	my $tok = $inst->token('default', 'ingest');
	my $f = 'tests/test_pay.py';
	my $at = time - 2 * $DAY;
	my @c = (['test_charge', 'P', 0.1, file => $f], ['test_refund', 'F', 0.1, file => $f],
	    ['test_void', 'P', 0.1, file => $f]);
	ingest($inst, 'p1', 'main', 'c1', $at, \@c);
	my $diff = <<'DIFF';
diff --git a/tests/test_pay.py b/tests/test_pay.py
--- a/tests/test_pay.py
+++ b/tests/test_pay.py
@@ -10,8 +10,7 @@ def test_charge():
     r = charge(10)
-    assert r.ok
-    assert r.amount == 10
+    r.ok
@@ -20,6 +19,9 @@ def test_refund():
-    refund(5)
+    try:
+        refund(5)
+    except Exception:
+        pass
@@ -30,3 +32,4 @@ class TestVoid:
+@pytest.mark.skip(reason="later")
 def test_void():
DIFF
	ingest_diff($inst, $tok, 'p2', 'main', 'c2', $at + 3600,
	    [['test_charge', 'P', 0.1, file => $f], ['test_refund', 'P', 0.1, file => $f], ['test_void', 'S', 0, file => $f]], $diff);
	batch($inst, '--pass', 'integrity');
	my $al = get($inst, 'integrity', '/api/tests/integrity/alerts?limit=100')->{json}{alerts};
	my %t = map { ($_->{signal_type} . ':' . ($_->{test_name} // '-')) => $_ } @$al;
	ok($t{'assertion_removed:test_charge'}, 'assertion_removed, tied to the test its hunk is in');
	is($t{'assertion_removed:test_charge'}{evidence}{count}, 2, 'two assertions');
	ok($t{'broad_exception_added:test_refund'}, 'broad_exception_added');
	ok($t{'edited_before_green:test_refund'}, 'edited_before_green: red before, green now, its file changed');
	ok($t{'skip_added:-'} || $t{'skip_added:test_void'}, 'skip_added');
	is(sql($inst, "SELECT count(*) FROM events WHERE kind = 'integrity_alert'"), 1,
	    'test_refund has two signals in one run: one alert');
	# a diff touching no test file raises nothing
	ingest_diff($inst, $tok, 'p3', 'main', 'c3', $at + 7200, \@c,
	    "diff --git a/src/pay.py b/src/pay.py\n--- a/src/pay.py\n+++ b/src/pay.py\n\@\@ -1,2 +1,1 \@\@\n-    assert x\n");
	my $n = scalar @$al;
	batch($inst, '--pass', 'integrity');
	my $now = get($inst, 'integrity', '/api/tests/integrity/alerts?limit=100')->{json}{alerts};
	ok(!grep({ $_->{run_id} eq 'p3' && $_->{signal_type} =~ /assertion_removed|skip_added/ } @$now),
	    'assertions removed outside test files are not signals');
}

# issue 11 item 11: the first run on a branch has no baseline, but its diff
# alone is evidence: diff-based signals must not wait for a second run.
{
	my $inst = new_instance();
	my $tok = $inst->token('default', 'ingest');
	my $f = 'tests/test_pay.py';
	my $diff = "diff --git a/$f b/$f\n--- a/$f\n+++ b/$f\n"
	    . "\@\@ -10,4 +10,3 \@\@ def test_charge():\n     r = charge(10)\n"
	    . "-    assert r.ok\n-    assert r.amount == 10\n+    r.ok\n";
	ingest_diff($inst, $tok, 'first1', 'fresh-branch', 'c1', time - 3600,
	    [['test_charge', 'P', 0.1, file => $f]], $diff);
	my $r = batch($inst, '--pass', 'integrity');
	is($r->{exit}, 0, 'issue 11 item 11: integrity pass over a first run');
	my $al = get($inst, 'integrity', '/api/tests/integrity/alerts?limit=100')->{json}{alerts};
	my ($sig) = grep { $_->{signal_type} eq 'assertion_removed' && $_->{run_id} eq 'first1' } @$al;
	ok($sig, 'issue 11 item 11: the first run on a branch raises assertion_removed from its diff')
	    or diag(explain($al));
	is($sig && $sig->{test_name}, 'test_charge', 'issue 11 item 11: tied to the test its hunk is in');
	is($sig && $sig->{evidence}{count}, 2, 'issue 11 item 11: both removed assertions counted');
	ok($sig && !defined $sig->{baseline_run_id}, 'issue 11 item 11: no baseline run named');
}

# ===================== retention (RET-1) =====================
{
	my $inst = new_instance(conf => { retention_days => 30 });
	my $big = 'x' x 4000;
	my @c = map { ["test_$_", 'F', 0.1] } 1 .. 200;
	my $old = time - 100 * $DAY;
	for my $i (1 .. 6) {
		my $f = "$d/ret$i.xml";
		open(my $fh, '>', $f) or die;
		my $x = qq{<testsuite name="s">};
		$x .= qq{<testcase classname="r.T" name="t$_"><failure message="m">$big $i $_</failure></testcase>} for 1 .. 200;
		print $fh "$x</testsuite>";
		close $fh;
		my $at = $i <= 5 ? $old + $i * 3600 : time - $DAY;
		my $r = $inst->cli('ingest', '--run-id', "old$i", '--branch', 'main', '--started-at', iso($at), $f);
		die $r->{stderr} if $r->{exit};
	}
	# the uploads' commits are in the -wal file until a checkpoint
	sql($inst, 'PRAGMA wal_checkpoint(TRUNCATE)') if $inst->engine eq 'sqlite';
	my $size0 = -s $inst->{db};
	my $r = batch($inst, '--pass', 'retention');
	like($r->{stdout}, qr/5 runs purged \(1000 results, 1000 texts/, 'old results and texts purged');
	my ($freed) = $r->{stdout} =~ /(\d+) bytes freed/;
	ok(defined $freed, 'reports the bytes freed');
	# PostgreSQL's reclaim is a VACUUM of the result tables (INSTALL §9)
	ok($inst->sql("SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('results', 'result_texts') AND last_vacuum IS NOT NULL") == 2,
	    'the pass vacuumed the result tables (PostgreSQL)') if $inst->engine eq 'postgresql';
	SKIP: {
		# PostgreSQL's VACUUM makes the space reusable, and gives it
		# back to the disk only at a table's end (often 0 bytes)
		skip 'the size of a SQLite file', 2 if $inst->engine ne 'sqlite';
		ok($freed > 3_000_000, 'the bytes freed are the purged rows\' space');
		ok(-s $inst->{db} < $size0 - 3_000_000, 'the database file shrank');
	}
	is(sql($inst, 'SELECT count(*) FROM results'), 200, 'the recent run keeps its results');
	is(scalar @{get($inst, 'runs', '/api/tests/runs')->{json}{runs}}, 6, 'run summaries stay');
	my $t = tid($inst, 't1');
	is(get($inst, 'tests', "/api/tests/$t")->{json}{runs}, 6, 'test rollups stay');
	$r = batch($inst, '--pass', 'retention');
	like($r->{stdout}, qr/0 runs purged/, 'nothing left to do the second time');
}

# ===================== spool (ING-6) =====================
{
	my $spool = "$d/spool";
	mkdir $spool;
	my $inst = new_instance(conf => { spool_dir => $spool, spool_settle_seconds => 0 });
	my $w = sub { my ($n, $c) = @_; open(my $fh, '>', "$spool/$n") or die; print $fh $c; close $fh };
	$w->('good.xml', xml(['s1', 'P', 0.1]));
	$w->('good.meta.json', '{"run_id":"spooled-1","branch":"release"}');
	$w->('bad.xml', '<testsuite><testcase name="x">');
	# issue 11: compressed reports, with and without a sidecar
	gzip(\(xml(['g1', 'P', 0.1], ['g2', 'F', 0.1])) => \my $gz) or die;
	$w->('packed.xml.gz', $gz);
	$w->('packed.meta.json', '{"run_id":"spooled-gz","branch":"gz-branch"}');
	$w->('broken.xml.gz', "\x1f\x8b\x08\x00not gzip at all");
	$w->('notes.txt', 'not a report');
	open(my $busy, '>', "$spool/busy.xml") or die;
	print $busy '<testsuite>';
	$busy->flush;
	my $r = batch($inst, '--pass', 'spool');
	like($r->{stdout}, qr/2 ingested, 2 failed, 1 still being written/, 'spool summary');
	ok(-f "$spool/done/packed.xml.gz" && -f "$spool/done/packed.meta.json", 'issue 11: a .xml.gz report and its sidecar went to done/');
	$r = get($inst, 'runs', '/api/tests/runs/spooled-gz');
	is_deeply([$r->{json}{branch}, @{$r->{json}{counts}}{qw(tests passed failed)}], ['gz-branch', 2, 1, 1],
	    'the .xml.gz report was read, with its sidecar') or diag($r->{body});
	like(TV::slurp("$spool/failed/broken.xml.gz.error"), qr/^400 invalid_gzip/, 'a corrupt .xml.gz went to failed/, saying why');
	ok(-f "$spool/done/good.xml" && -f "$spool/done/good.meta.json", 'the report and its sidecar went to done/');
	ok(-f "$spool/failed/bad.xml", 'the bad report went to failed/');
	like(TV::slurp("$spool/failed/bad.xml.error"), qr/^400 invalid_xml/, 'with an .error file saying why');
	ok(-f "$spool/busy.xml", 'a file still open for writing is left alone');
	ok(-f "$spool/notes.txt", 'other files are left alone');
	is(get($inst, 'runs', '/api/tests/runs/spooled-1')->{json}{branch}, 'release', 'the sidecar was applied');
	print $busy '<testcase classname="a" name="b"/></testsuite>';
	close $busy;
	$r = batch($inst, '--pass', 'spool');
	like($r->{stdout}, qr/1 ingested, 0 failed, 0 still/, 'taken once it is closed');

	# --watch drains the spool as files land
	my $pid = fork // die;
	if ($pid == 0) {
		open(STDOUT, '>', "$d/watch.out");
		open(STDERR, '>&', \*STDOUT);
		$ENV{TESTVIS_CONF} = $inst->{conf};
		exec(tv_build() . '/bin/testvis', 'batch', '--watch', '--interval', '3600') or POSIX::_exit(127);
	}
	sleep 1;
	$w->('late.xml', xml(['s2', 'P', 0.1]));
	my $ok = 0;
	for (1 .. 100) {
		if (-f "$spool/done/late.xml") { $ok = 1; last }
		select(undef, undef, undef, 0.1);
	}
	ok($ok, '--watch ingests a file that lands');
	kill 'TERM', $pid;
	waitpid($pid, 0);
	is($? >> 8, 0, '--watch stops cleanly on SIGTERM');
	like(TV::slurp("$d/watch.out"), qr/batch: mapping ok/, 'and runs the other passes too');
	like(TV::slurp("$d/watch.out"), qr/batch: history ok/,
	    'issue 18: the history pass among them, so the runs it takes in are copied');
}

# ===================== lock, failures, killed batch, health =====================
{
	my $inst = new_instance();
	my @c = map { ["t$_", $_ % 3 ? 'P' : 'F', 0.1, file => "tests/a/test_m$_.py"] } 1 .. 30;
	# issue 11: the history must leave something for every compared table:
	# tretry passes on a retry in k4 (a flaky state), tskip is
	# skipped in k6 and tcount drops assertions in k6 (two signals)
	my $hist = sub {
		my ($i) = @_;
		my @r = @c[0 .. 29 - $i];
		push @r, $i == 4 ? (['tretry', 'F', 0.1], ['tretry', 'P', 0.1]) : ['tretry', 'P', 0.1];
		push @r, ['tskip', $i == 6 ? 'S' : 'P', 0.1, file => 'tests/b/test_k.py'];
		push @r, ['tcount', 'P', 0.1, file => 'tests/b/test_k.py', assertions => $i == 6 ? 2 : 5];
		return \@r;
	};
	ingest($inst, "k$_", 'main', "k$_", time - 3 * $DAY + $_ * 600, $hist->($_)) for 1 .. 6;
	$inst->db_save('pristine');
	my $r;
	# the batch lock: a file next to a SQLite database, an advisory
	# lock ("tvbatch!", lib/db/db_pg.c) on a PostgreSQL one
	my ($lock, $session);
	if ($inst->engine eq 'postgresql') {
		$session = $inst->pg_session('SELECT pg_advisory_lock(8392602555498161185);');
	} else {
		open($lock, '>', "$inst->{db}.batch.lock") or die;
		flock($lock, LOCK_EX) or die;
	}
	$r = batch($inst);
	is($r->{exit}, 0, 'a second batch exits 0');
	like($r->{stdout}, qr/another batch is running/, 'saying so');
	$session ? TV::pg_session_end($session) : close $lock;
	is(batch($inst, '--pass', 'nope')->{exit}, 2, 'an unknown pass is a usage error');
	is(batch($inst, '--project', 'nope')->{exit}, 1, 'an unknown project is an error');
	is(batch($inst, '--now', 'soon')->{exit}, 2, 'a bad --now is a usage error');

	# killed after its Nth commit, for every N up to the batch's last
	# commit, each time from the same unbatched database: the next batch
	# finishes with what an uninterrupted batch gives
	my $clean = new_instance();
	ingest($clean, "k$_", 'main', "k$_", time - 3 * $DAY + $_ * 600, $hist->($_)) for 1 .. 6;
	batch($clean);
	my @q = ('SELECT signal_type, subject FROM signals ORDER BY 1, 2',
	    'SELECT t.name, f.path FROM tests t JOIN features f ON f.id = t.feature ORDER BY 1',
	    'SELECT f.path, d.day, d.runs, d.passed, d.failed FROM feature_days d JOIN features f ON f.id = d.feature ORDER BY 1, 2',
	    'SELECT t.name, s.state, s.monitors FROM flaky_states s JOIN tests t ON t.id = s.test ORDER BY 1');
	my %want = map { $_ => sql($clean, $_) } @q;
	isnt($want{$_}, '', "issue 11: the uninterrupted batch has rows for: $_") for @q;
	my (@differ, $kills, $last);
	$kills = 0;
	for my $n (1 .. 200) {
		$inst->db_restore('pristine');
		$r = $inst->cli({ TESTVIS_BATCH_CRASH_AFTER => $n }, 'batch');
		$last = $r;
		last if $r->{exit} == 0;	# fewer than N commits: done
		if ($r->{exit} != 137) {
			push @differ, "kill after $n: exit $r->{exit}";
			last;
		}
		$kills++;
		$r = batch($inst);
		push @differ, "kill after $n: next batch exit $r->{exit}" if $r->{exit} != 0;
		for my $q (@q) {
			push @differ, "kill after $n: $q" if sql($inst, $q) ne $want{$q};
		}
	}
	ok($kills >= 10, "the batch was killed after each of its $kills commits");
	is($last->{exit}, 0, 'and completes when it is not killed') or diag($last->{stdout} . $last->{stderr});
	is_deeply(\@differ, [], 'after each kill the next batch gives the same result as an uninterrupted batch');
	is(sql($clean, 'SELECT t.name, s.state, s.monitors FROM flaky_states s JOIN tests t ON t.id = s.test'),
	    'tretry|flaky|retry', 'the flaky state compared is tretry\'s');
	is(sql($clean, 'SELECT ' . $clean->agg('signal_type', ',', 'signal_type') . ' FROM (SELECT signal_type FROM signals ORDER BY 1) AS s'),
	    'assertions_dropped,newly_skipped', 'the signals compared are k6\'s');

	# issue 11: /api/health names every pass with its outcome
	my $h = get($inst, 'health', '/api/health')->{json};
	is_deeply([sort keys %{$h->{batch_passes}}], [qw(alerts exports fingerprints flaky history integrity mapping retention spool)],
	    '/api/health lists each pass');
	is_deeply([map { $h->{batch_passes}{$_}{status} } sort keys %{$h->{batch_passes}}], [('ok') x 9], 'each ok');
	ok(!grep({ !defined TV::iso_ms($h->{batch_passes}{$_}{finished_at} // '') } keys %{$h->{batch_passes}}),
	    'each with the time it finished');
	my ($latest) = sort { $b <=> $a } map { TV::iso_ms($_->{finished_at}) } values %{$h->{batch_passes}};
	is(TV::iso_ms($h->{last_batch_at} // ''), $latest, '/api/health shows the last batch: the latest pass finished');
}

# ===================== a pass that fails: exit 1, the others still run =====================
{
	my $rules = "$d/broken.rules";
	open(my $fh, '>', $rules) or die;
	print $fh "billing/x nonsense pkg/*\n";
	close $fh;
	my $inst = new_instance(conf => { mapping_rules => $rules });
	ingest($inst, 'e1', 'main', 'e1', time - $DAY, [['tr', 'F', 0.1], ['tr', 'P', 0.1], ['ok', 'P', 0.1]]);
	my $r = batch($inst);
	is($r->{exit}, 1, 'issue 11: testvis batch exits 1 when a pass fails') or diag($r->{stdout} . $r->{stderr});
	like($r->{stdout}, qr/^batch: mapping failed in [\d.]+ s: default: rules file \Q$rules\E unusable/m,
	    'the failed pass says so');
	like($r->{stderr}, qr/unknown field 'nonsense'/, 'the log says why');
	like($r->{stdout}, qr/^batch: flaky ok in [\d.]+ s: default: 1 runs \(0 outages ignored\), 1 newly flaky/m,
	    'the pass after it still ran');
	is(scalar(() = $r->{stdout} =~ /^batch: \w+ ok /mg), 8, 'and every other pass');
	my $h = get($inst, 'health', '/api/health')->{json}{batch_passes};
	is_deeply({ map { $_ => $h->{$_}{status} } keys %$h },
	    { spool => 'ok', history => 'ok', fingerprints => 'ok', mapping => 'failed', flaky => 'ok', integrity => 'ok',
	      alerts => 'ok', exports => 'ok', retention => 'ok' },
	    '/api/health shows which pass failed');
	open($fh, '>', $rules) or die;
	print $fh "billing/x classname tests.*\n";
	close $fh;
	$r = batch($inst);
	is($r->{exit}, 0, 'fixed rules: the batch exits 0 again') or diag($r->{stdout} . $r->{stderr});
	is(sql($inst, "SELECT f.path FROM tests t JOIN features f ON f.id = t.feature WHERE t.name = 'ok'"), 'billing/x',
	    'mapped by the rule');
	# a rules path that cannot be read (a directory) fails the pass; it
	# is not taken for an empty rules file that drops every rule mapping
	unlink $rules or die;
	mkdir $rules or die;
	$r = batch($inst, '--pass', 'mapping');
	is($r->{exit}, 1, 'issue 11: a rules path that cannot be read fails the mapping pass') or diag($r->{stdout} . $r->{stderr});
	like($r->{stderr}, qr/\Q$rules\E: Is a directory/, 'the log says why');
	is(sql($inst, "SELECT f.path FROM tests t JOIN features f ON f.id = t.feature WHERE t.name = 'ok'"), 'billing/x',
	    'and the rule mappings stay');
}

done_testing();
