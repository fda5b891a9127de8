#!/usr/bin/perl
# Issue 18: an upload leaves a known test's stored definition alone when
# the report says what the last one said (test_stats.def_digest), and
# still takes every change: a new file or line, tags, owner, feature and
# domain hints, each kept when a report has none; a sidecar override is
# undone by the next report that names the field, as before the digest.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open' });
my $n = 0;

# Uploads one run of test t of class pkg.T (file, line: its attributes;
# tags (a list), owner, feature, domain: its properties) next to a test
# "other" that has none of them, with meta (a sidecar) when given.
sub upload {
	my (%f) = @_;
	my $meta = delete $f{meta};
	my $attrs = join('', map { defined $f{$_} ? qq{ $_="$f{$_}"} : '' } qw(file line));
	my $props = join('', (map { qq{<property name="tag" value="$_"/>} } @{$f{tags} || []}),
	    map { defined $f{$_} ? qq{<property name="$_" value="$f{$_}"/>} : '' } qw(owner feature domain));
	my $xml = qq{<testsuite name="s"><testcase classname="pkg.T" name="t"$attrs>}
	    . ($props ne '' ? "<properties>$props</properties>" : '')
	    . qq{</testcase><testcase classname="pkg.T" name="other"/></testsuite>};
	my $run = 'd' . ++$n;
	my $b = 'DiGeSt';
	my $body = "--$b\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n"
	    . TV::encode_json_text({ run_id => $run, %{$meta || {}} })
	    . "\r\n--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.xml\"\r\n\r\n"
	    . "$xml\r\n--$b--\r\n";
	my $r = $inst->cgi('ingest', 'POST', '/api/tests/ingest', body => $body,
	    content_type => "multipart/form-data; boundary=$b");
	die "upload $n: $r->{status} $r->{body}" if $r->{status} != 201;
	return $r->{json};
}
sub defn { return $inst->sql("SELECT coalesce(file, '-') || '|' || coalesce(CAST(line AS TEXT), '-') || '|' || "
	. "coalesce(tags, '-') || '|' || coalesce(owner, '-') || '|' || coalesce(feature_hint, '-') || '|' || "
	. "coalesce(domain_hint, '-') FROM tests WHERE name = 't'") }
sub digest { return $inst->sql("SELECT coalesce(CAST(s.def_digest AS TEXT), 'null') FROM test_stats s "
	. "JOIN tests t ON t.id = s.test WHERE t.name = '$_[0]'") }

my $j = upload(file => 'a.py', line => 10, tags => ['x'], owner => 'ann', feature => 'cart', domain => 'shop');
is($j->{new_tests}, 2, 'two new tests');
is(defn(), 'a.py|10|x|ann|cart|shop', 'a new test stores its definition');
my $d1 = digest('t');
like($d1, qr/^-?\d+$/, 'and the digest of what the report said');
isnt(digest('other'), 'null', 'a test without any of those fields has a digest too');

$j = upload(file => 'a.py', line => 10, tags => ['x'], owner => 'ann', feature => 'cart', domain => 'shop');
is($j->{new_tests}, 0, 'the same report again: no new test');
is(defn(), 'a.py|10|x|ann|cart|shop', 'the definition is unchanged');
is(digest('t'), $d1, 'and so is the digest');

upload(file => 'b.py', line => 10, tags => ['x'], owner => 'ann', feature => 'cart', domain => 'shop');
is(defn(), 'b.py|10|x|ann|cart|shop', 'a new file is taken');
isnt(digest('t'), $d1, 'under a new digest');
upload(file => 'b.py', line => 12, tags => ['x'], owner => 'ann', feature => 'cart', domain => 'shop');
is(defn(), 'b.py|12|x|ann|cart|shop', 'a new line is taken');
upload(file => 'b.py', line => 12, tags => ['x', 'slow'], owner => 'bob', feature => 'pay', domain => 'bank');
is(defn(), 'b.py|12|x,slow|bob|pay|bank', 'new tags, owner, feature and domain are taken');
upload();
is(defn(), 'b.py|12|x,slow|bob|pay|bank', 'a report without them keeps what is stored');
upload(owner => 'cy');
is(defn(), 'b.py|12|x,slow|cy|pay|bank', 'a report naming only the owner changes only it');
upload(owner => 'bob');
is(defn(), 'b.py|12|x,slow|bob|pay|bank', 'and back (the digest of a report seen two uploads ago is no excuse)');

# a sidecar override, then the report as it was: the report wins again
upload(owner => 'bob', meta => { tests => { 'pkg.T::t' => { owner => 'dee' } } });
is(defn(), 'b.py|12|x,slow|dee|pay|bank', 'a sidecar overrides the owner the report gave');
is(digest('t'), 'null', 'and forgets the digest');
upload(owner => 'bob');
is(defn(), 'b.py|12|x,slow|bob|pay|bank', 'the next report naming the owner sets it again, as it always did');
isnt(digest('t'), 'null', 'with a digest again');

# a database migrated from before the digest: the first upload refreshes
$inst->sql("UPDATE test_stats SET def_digest = NULL");
$inst->sql("UPDATE tests SET file = 'old.py' WHERE name = 't'");
upload(file => 'b.py', line => 12);
is(defn(), 'b.py|12|x,slow|bob|pay|bank', 'a test without a digest is refreshed');
isnt(digest('t'), 'null', 'and gets one');
is($inst->sql('SELECT count(*) FROM runs'), $n, "all $n uploads stored");

done_testing();
