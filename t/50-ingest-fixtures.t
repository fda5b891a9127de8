#!/usr/bin/perl
# Every real tool's JUnit report (t/data/junit/<tool>/, see its README)
# ingests with the counts the tool itself reported, per upload; where the
# XML lost information, expected.json names the rule we follow.  We honour
# gtest/ctest status attributes, so their "_if_status_attribute_honoured"
# variant is the truth for report.xml.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use TV;

my $dir = "$FindBin::Bin/data/junit";
opendir(my $dh, $dir) or die;
my @tools = sort grep { -f "$dir/$_/expected.json" } readdir $dh;
closedir $dh;
ok(@tools >= 10, 'fixtures of at least ten tools are present');

# multipart/form-data with one `file` part per file
sub multipart {
	my (@files) = @_;
	my $b = 'tvboundary7f3a';
	my $body = '';
	for my $f (@files) {
		my $data = TV::slurp($f);
		(my $name = $f) =~ s{.*/}{};
		$body .= "--$b\r\nContent-Disposition: form-data; name=\"file\"; "
		    . "filename=\"$name\"\r\nContent-Type: application/xml\r\n\r\n$data\r\n";
	}
	$body .= "--$b--\r\n";
	return ($body, "multipart/form-data; boundary=$b");
}

for my $tool (@tools) {
	my $exp = decode_json(TV::slurp("$dir/$tool/expected.json"));
	my $uploads = $exp->{expected_per_upload} || {};
	for my $key (sort keys %$uploads) {
		my $want = $uploads->{$key};
		if ($key eq 'report.xml' && $exp->{expected_if_status_attribute_honoured}) {
			$want = $exp->{expected_if_status_attribute_honoured};
		}
		my @files = map { "$dir/$tool/$_" } split / \+ /, $key;
		my $inst = new_instance(conf => { auth_ingest => 'open' });
		my ($body, $ct) = multipart(@files);
		my $r = $inst->cgi('ingest', 'POST', '/api/tests/ingest?branch=main&run_id=r1',
		    body => $body, content_type => $ct);
		is($r->{status}, 201, "$tool $key: created") or diag($r->{body});
		my $c = $r->{json}{counts} || {};
		is_deeply([map { $c->{$_} } qw(tests passed failed errors skipped flaky)],
		    [map { $want->{$_} } qw(tests passed failed errors skipped flaky_in_run)],
		    "$tool $key: counts tests/passed/failed/errors/skipped/flaky agree with the tool");
		is($r->{json}{new_tests}, $want->{tests}, "$tool $key: every test is new");
		# the same upload again stores nothing and says skipped
		my $again = $inst->cgi('ingest', 'POST', '/api/tests/ingest?branch=main&run_id=r1',
		    body => $body, content_type => $ct);
		is($again->{status}, 200, "$tool $key: re-posting is a duplicate");
		is($again->{json}{status}, 'skipped', "$tool $key: duplicate says skipped");
	}
}

# The CLI reads the same files to the same counts (one file, plain).
my $inst = new_instance();
my $r = $inst->cli('ingest', '--branch', 'main', "$dir/pytest/report-xunit1.xml");
is($r->{exit}, 0, 'testvis ingest exits 0');
my $a = TV::decode_json_safe($r->{stdout});
is($a->{status}, 'created', 'testvis ingest prints the answer as JSON');
is($a->{counts}{tests}, 15, 'testvis ingest counts the same tests');
$r = $inst->cli('ingest', "$dir/pytest/report-xunit1.xml");
is(TV::decode_json_safe($r->{stdout})->{status}, 'skipped', 'the CLI is idempotent too');
is($r->{exit}, 0, 'a duplicate exits 0');

done_testing();
