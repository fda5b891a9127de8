#!/usr/bin/perl
# The fuzz harnesses of fuzz/ run once over their seed corpora through the
# standalone driver (fuzz/driver.c, no libFuzzer): every seed, including
# the regression inputs the fuzzers found, must pass the harness's
# invariants without a crash (under ASan/UBSan in `make asan-check`,
# valgrind in `make valgrind-check`).  `make fuzz` runs them for longer.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my $root = tv_root();
my @targets = qw(junit query multipart results sidecar diffscan alertrule);

for my $t (@targets) {
	my @inputs = ("$root/fuzz/corpus/$t");
	my @files = grep { -f } glob("$root/fuzz/corpus/$t/*");
	if ($t eq 'junit') {
		my @reports = sort glob("$root/t/data/junit/*/*.xml");
		push @inputs, @reports;
		push @files, @reports;
	}
	my $n = @files;
	ok($n >= 5, "fuzz-$t has a seed corpus ($n inputs)");
	my $r = run_cmd(argv => [tv_build() . "/fuzz/fuzz-$t", @inputs],
	    wrap => 1);
	is($r->{signal}, 0, "fuzz-$t: no crash over its corpus")
	    or diag($r->{stderr});
	is($r->{exit}, 0, "fuzz-$t: every seed passes") or diag($r->{stderr});
	like($r->{stdout}, qr/: \Q$n\E inputs run$/m,
	    "fuzz-$t: all $n seeds were run");
}

done_testing();
