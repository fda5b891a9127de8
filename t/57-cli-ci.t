#!/usr/bin/perl
# issue 13 item 2: `testvis ingest FILE...` stores the files of one command
# as one run, a shard each (as a multipart upload does), unless --each;
# unset metadata (branch, git_sha, job, ci_url, the run id) comes from the
# CI's variables: flags > sidecar > CI variables > the reports.
# issue 13 item 9: the CLI's database error names the config it used.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use TV;

my $inst = new_instance();
my $dir = tv_scratch();
sub sql { my ($q) = @_; return $inst->sql($q) }
sub put { my ($path, $text) = @_; open(my $fh, '>', $path) or die "$path: $!"; print $fh $text; close $fh; $path }
sub report { my ($suite, @names) = @_;
	return qq{<testsuite name="$suite">} . join('', map { qq{<testcase classname="$suite" name="$_"/>} } @names) . '</testsuite>' }
sub answers { my ($r) = @_; [map { decode_json($_) } split /\n/, $r->{stdout}] }
sub run_row { my ($id) = @_;
	sql("SELECT coalesce(branch,'-') || ' ' || coalesce(git_sha,'-') || ' ' || coalesce(job,'-') || ' ' || coalesce(ci_url,'-') FROM runs WHERE run_id = '$id'") }
sub shards { my ($id) = @_;
	sql('SELECT ' . $inst->agg('shard', ' ', 'shard') . " FROM (SELECT s.shard FROM run_shards s JOIN runs r ON r.id = s.run WHERE r.run_id = '$id' ORDER BY s.shard) AS s") }

mkdir "$dir/x"; mkdir "$dir/y";
my $a = put("$dir/TEST-a.xml", report('a', 'a1', 'a2'));
my $b = put("$dir/TEST-b.xml", report('b', 'b1'));
my $c = put("$dir/TEST-c.xml", report('c', 'c1'));
my $d = put("$dir/TEST-d.xml", report('d', 'd1'));
my $xj = put("$dir/x/junit.xml", report('x', 'x1'));
my $yj = put("$dir/y/junit.xml", report('y', 'y1'));

# --- several files, no --run-id, no CI: one run, a shard each
my $r = $inst->cli('ingest', '--branch', 'main', $a, $b);
is($r->{exit}, 0, 'two files ingest');
my $ans = answers($r);
is(scalar @$ans, 2, 'one JSON line per file');
is($ans->[0]{status}, 'created', 'the first file is created');
is($ans->[0]{run_id}, $ans->[1]{run_id}, 'both files are one run');
like($ans->[0]{run_id}, qr/^[0-9a-f]{32}$/, 'the run id is derived from the content');
is($ans->[0]{shard}, 'TEST-a.xml', 'the first shard is named after its file');
is($ans->[1]{shard}, 'TEST-b.xml', 'the second shard is named after its file');
my $run = $ans->[0]{run_id};
is(sql("SELECT count(*) FROM runs"), 1, 'one run row');
is(shards($run), 'TEST-a.xml TEST-b.xml', 'the run has both shards');
is(sql("SELECT shards FROM runs WHERE run_id = '$run'"), 2, 'the run counts two shards');

$r = $inst->cli('ingest', '--branch', 'main', $a, $b);
is($r->{exit}, 0, 'the same command again exits 0');
$ans = answers($r);
is(join(' ', map { $_->{status} } @$ans), 'skipped skipped', 'the same command again stores nothing (I-3)');
is($ans->[0]{run_id}, $run, 'and names the same run');
is(sql("SELECT count(*) FROM runs"), 1, 'still one run');

$r = $inst->cli('ingest', '--branch', 'main', $b, $a);
isnt(answers($r)->[0]{run_id}, $run, 'the files in another order are another command, another run');

# --- the same name in two directories: two shards, neither a duplicate
$r = $inst->cli('ingest', $xj, $yj);
$ans = answers($r);
is(join(' ', map { $_->{status} } @$ans), 'created created', 'two junit.xml from two directories are both stored');
is(join(' ', map { $_->{shard} } @$ans), 'x/junit.xml y/junit.xml', 'their shards are told apart by their directories');
$r = $inst->cli('ingest', $xj, $xj);
is(join(' ', map { $_->{shard} } @{answers($r)}), 'x/junit.xml-1 x/junit.xml-2', 'the same file twice: told apart by position');

# --- --each: a run per file, as before
$r = $inst->cli('ingest', '--each', $c, $d);
is($r->{exit}, 0, '--each ingests');
$ans = answers($r);
isnt($ans->[0]{run_id}, $ans->[1]{run_id}, '--each makes a run of each file');
ok(!defined $ans->[0]{shard} || $ans->[0]{shard} eq '', '--each names no shard');
$r = $inst->cli('ingest', '--each', '--run-id', 'r1', $c, $d);
is($r->{exit}, 2, 'negative: --each with --run-id is a usage error');
like($r->{stderr}, qr/--each makes a run of each file/, 'negative: and says why');

# --- --run-id with several files: shards of that run; --shard is their prefix
$r = $inst->cli('ingest', '--run-id', 'named', '--shard', 'node1', $c, $d);
$ans = answers($r);
is(join(' ', map { $_->{shard} } @$ans), 'node1/TEST-c.xml node1/TEST-d.xml', 'several files under --shard S are S/FILE');
is(shards('named'), 'node1/TEST-c.xml node1/TEST-d.xml', 'both stored in the named run');

# --- a single file without CI keeps the content-derived id and no shard
$r = $inst->cli('ingest', put("$dir/single.xml", report('s', 's1')));
like(answers($r)->[0]{run_id}, qr/^[0-9a-f]{32}$/, 'one file alone: run id from its content');

# --- CI variables, per provider
my %github = (GITHUB_ACTIONS => 'true', GITHUB_REF_NAME => 'main', GITHUB_HEAD_REF => '',
    GITHUB_SHA => 'aaa111', GITHUB_JOB => 'unit', GITHUB_SERVER_URL => 'https://github.com',
    GITHUB_REPOSITORY => 'acme/shop', GITHUB_RUN_ID => '987', GITHUB_RUN_ATTEMPT => '1');
my %gitlab = (GITLAB_CI => 'true', CI_COMMIT_REF_NAME => 'dev', CI_COMMIT_SHA => 'bbb222',
    CI_JOB_NAME => 'rspec', CI_JOB_URL => 'https://gitlab.example/acme/shop/-/jobs/77', CI_PIPELINE_ID => '55');
my %jenkins = (JENKINS_URL => 'https://ci.example/', GIT_BRANCH => 'origin/release', GIT_COMMIT => 'ccc333',
    JOB_NAME => 'shop', BUILD_URL => 'https://ci.example/job/shop/12/', BUILD_NUMBER => '12');
my %buildkite = (BUILDKITE => 'true', BUILDKITE_BRANCH => 'main', BUILDKITE_COMMIT => 'ddd444',
    BUILDKITE_STEP_KEY => 'e2e', BUILDKITE_BUILD_URL => 'https://buildkite.com/acme/shop/builds/9',
    BUILDKITE_BUILD_ID => 'bk-uuid');
my %circle = (CIRCLECI => 'true', CIRCLE_BRANCH => 'main', CIRCLE_SHA1 => 'eee555', CIRCLE_JOB => 'lint',
    CIRCLE_BUILD_URL => 'https://circleci.com/gh/acme/shop/4', CIRCLE_WORKFLOW_ID => 'wf-1');
my @cases = (
    [github => \%github, 'github-987-1-unit', 'main aaa111 unit https://github.com/acme/shop/actions/runs/987'],
    [gitlab => \%gitlab, 'gitlab-55-rspec', 'dev bbb222 rspec https://gitlab.example/acme/shop/-/jobs/77'],
    [jenkins => \%jenkins, 'jenkins-12-shop', 'release ccc333 shop https://ci.example/job/shop/12/'],
    [buildkite => \%buildkite, 'buildkite-bk-uuid-e2e', 'main ddd444 e2e https://buildkite.com/acme/shop/builds/9'],
    [circleci => \%circle, 'circleci-wf-1-lint', 'main eee555 lint https://circleci.com/gh/acme/shop/4'],
);
for my $case (@cases) {
	my ($name, $env, $id, $row) = @$case;
	my $f = put("$dir/ci-$name.xml", report("ci$name", 't1'));
	$r = $inst->cli($env, 'ingest', $f);
	is($r->{exit}, 0, "$name: ingest in CI exits 0");
	$ans = answers($r);
	is($ans->[0]{run_id}, $id, "$name: the run id is the provider's build and job");
	is($ans->[0]{shard}, "ci-$name.xml", "$name: even one file is a shard named after it");
	is(run_row($id), $row, "$name: branch, git_sha, job and ci_url come from its variables");
}

# two commands in one CI job add shards to one run
my $g2 = put("$dir/ci-github-2.xml", report('cigithub2', 't2'));
$r = $inst->cli(\%github, 'ingest', $g2);
is(answers($r)->[0]{run_id}, 'github-987-1-unit', 'a second command of the same job names the same run');
is(shards('github-987-1-unit'), 'ci-github-2.xml ci-github.xml', 'and adds its shard to it');
$r = $inst->cli(\%github, 'ingest', $g2);
is(answers($r)->[0]{status}, 'skipped', 're-running the command stores nothing new');
# another job of the same workflow is another run
$r = $inst->cli({ %github, GITHUB_JOB => 'e2e' }, 'ingest', $g2);
is(answers($r)->[0]{run_id}, 'github-987-1-e2e', 'another job of the workflow is another run');
# a re-run attempt is another run
$r = $inst->cli({ %github, GITHUB_RUN_ATTEMPT => '2' }, 'ingest', $g2);
is(answers($r)->[0]{run_id}, 'github-987-2-unit', 'a re-run attempt is another run');
# a pull request is its head branch
$r = $inst->cli({ %github, GITHUB_REF_NAME => '42/merge', GITHUB_HEAD_REF => 'feature/x', GITHUB_RUN_ID => '988' },
    'ingest', $g2);
like(run_row('github-988-1-unit'), qr/^feature\/x /, "a pull request's branch is its head, not 42/merge");

# flags win over the CI variables, and --job names the run
$r = $inst->cli(\%github, 'ingest', '--branch', 'hotfix', '--git-sha', 'fff666', '--job', 'api', $g2);
is(answers($r)->[0]{run_id}, 'github-987-1-api', '--job takes part in the run id');
like(run_row('github-987-1-api'), qr/^hotfix fff666 api /, 'flags win over the CI variables');
$r = $inst->cli(\%github, 'ingest', '--run-id', 'mine', $g2);
is(answers($r)->[0]{run_id}, 'mine', '--run-id wins over the CI build');
ok(!answers($r)->[0]{shard}, '--run-id with one file names no shard, as before');
is(run_row('mine'), 'main aaa111 unit https://github.com/acme/shop/actions/runs/987',
    'with --run-id the other fields still come from CI');

# the sidecar wins over the CI variables
my $sc = put("$dir/side.xml", report('side', 's1'));
put("$dir/side.meta.json", encode_json({ branch => 'from-sidecar', job => 'side-job' }));
$r = $inst->cli({ %github, GITHUB_RUN_ID => '999' }, 'ingest', $sc);
is($r->{exit}, 0, 'a file with a sidecar in CI ingests');
like(run_row(answers($r)->[0]{run_id}), qr/^from-sidecar aaa111 side-job /, 'the sidecar wins over the CI variables, CI fills the rest');

# --each in CI: a run per file, CI fields still filled
$r = $inst->cli({ %gitlab, CI_PIPELINE_ID => '56' }, 'ingest', '--each',
    put("$dir/each-1.xml", report('e1', 't')), put("$dir/each-2.xml", report('e2', 't')));
$ans = answers($r);
isnt($ans->[0]{run_id}, $ans->[1]{run_id}, '--each in CI still makes a run per file');
like(run_row($ans->[0]{run_id}), qr/^dev bbb222 rspec /, '--each in CI still takes the CI fields');

# a parallel node's files are shards prefixed with its index
$r = $inst->cli({ %gitlab, CI_PIPELINE_ID => '57', CI_JOB_NAME => 'rspec 2/3', CI_NODE_INDEX => '2',
    CI_NODE_TOTAL => '3' }, 'ingest', $xj);
$ans = answers($r);
is($ans->[0]{run_id}, 'gitlab-57-rspec', "a parallel job's nodes share one run");
is($ans->[0]{shard}, '2/junit.xml', 'each node is a shard named after its index and file');

# no CI variables set: nothing taken from a stray CI=true
$r = $inst->cli({ CI => 'true' }, 'ingest', '--run-id', 'noci', $c);
is(run_row('noci'), '- - - -', 'without a known provider nothing comes from the environment');

# issue 13 item 9: the database error says which config it used
$r = run_cmd(argv => [tv_build() . '/bin/testvis', 'ingest', $a],
    env => { TESTVIS_CONF => undef, TESTVIS_DB => undef, map { $_ => undef } @TV::CI_VARS });
if ($r->{exit} == 3) {
	like($r->{stderr}, qr/built-in default.*TESTVIS_CONF=FILE/s,
	    'issue 13 item 9: without a config the error says how to name one');
} else {
	pass('the built-in database is usable here; nothing to say');
}
$r = $inst->cli({ TESTVIS_DB => '/nonexistent/dir/x.db' }, 'ingest', $a);
is($r->{exit}, 3, 'negative: an unopenable database exits 3');
like($r->{stderr}, qr/named by \Q$inst->{conf}\E.*--config FILE/s, 'issue 13 item 9: the error names the config file used');

done_testing();
