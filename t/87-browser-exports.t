#!/usr/bin/perl
# Export buttons on the pages (issue 17, REP-6) in a real browser:
# Debian's chromium driven by playwright-core through t/browser/exports.mjs.
# Three runs (e1, e2 on main, e3 on dev) of the tests alpha, beta, gamma,
# delta.  The browser exports a run as CSV from the run page (queued),
# has the batch `exports` pass run (t/browser/exports-batch.sh, written
# here), sees it done and downloads it; exports the catalogue filtered by
# name, a test's history as xlsx and a saved report as JSON; sees a job
# fail (its query pointed at a run that is gone, through exports-sql.sh,
# as t/78 does) with its error; a POST answered 507 shown in words; and
# the #/exports list of them all, in the light and the dark scheme;
# screenshots go to t/tmp/screenshots/exports-*.png.  Runs on both
# engines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use TV;

my ($npm, $shots) = browser_setup(lighttpd => 1);

my $inst = new_instance();
# the export files go to a directory of the instance (on PostgreSQL the
# default would be /var/lib/testvis/exports)
open(my $cf, '>>', $inst->{conf}) or die;
print $cf "export_dir = $inst->{dir}/exp\n";
close $cf;
$inst->ingest_cases('e1', { branch => 'main', job => 'unit', started_at => '2026-11-02T01:00:00Z' },
    [alpha => 'P'], [beta => 'F'], [gamma => 'P']);
$inst->ingest_cases('e2', { branch => 'main', job => 'unit', started_at => '2026-11-02T02:00:00Z' },
    [alpha => 'P'], [beta => 'P'], [gamma => 'F'], [delta => 'P']);
$inst->ingest_cases('e3', { branch => 'dev', job => 'unit', started_at => '2026-11-02T03:00:00Z' },
    [alpha => 'P'], [beta => 'F']);
is($inst->cli('batch')->{exit}, 0, 'the runs are stored and a batch ran over them');
my $admin = $inst->token('default', 'admin');
my $reader = $inst->token('default', 'read');

# the helpers the browser script calls between its steps: the exports pass,
# and SQL on the instance's database (read from stdin), whatever the engine
my $batch = "$inst->{dir}/exports-batch.sh";
my $sql = "$inst->{dir}/exports-sql.sh";
sub script {
	my ($path, @argv) = @_;
	open(my $fh, '>', $path) or die;
	print $fh "#!/bin/sh\nexec " . join(' ', map { my $a = $_; $a =~ s/'/'\\''/g; "'$a'" } @argv) . "\n";
	close $fh;
	chmod 0755, $path;
}
script($batch, tv_build() . '/bin/testvis', '--config', $inst->{conf}, 'batch', '--pass', 'exports');
if ($inst->engine eq 'postgresql') {
	script($sql, TV::psql_bin(), '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $inst->{db}, '-f', '-');
} else {
	script($sql, 'sqlite3', $inst->{db});
}

my $srv = $inst->start_lighttpd(max_procs => 2);
browser_run('exports.mjs', {
	TV_URL => "$srv->{url}/", TV_ADMIN_TOKEN => $admin, TV_READ_TOKEN => $reader,
	TV_NPM => $npm, TV_SHOTS => $shots, TV_BATCH => $batch, TV_SQL => $sql });
stop_lighttpd($srv);

# what the browser asked for is what the API holds
my $l = $inst->cgi('exports', 'GET', '/api/exports?limit=100');
my %n;
$n{$_->{status}}++ for @{$l->{json}{exports} || []};
ok(($n{done} // 0) >= 8 && ($n{failed} // 0) == 2 && !$n{queued} && !$n{running},
    'the API lists the jobs the browser made: done ones and two failed, none left waiting')
    or diag(explain(\%n));
done_testing();
