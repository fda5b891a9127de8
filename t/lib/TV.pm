# TV.pm: helpers for testvis's Perl TAP tests.
#
# Every test script gets a scratch directory, builds its databases from
# schema/ through `testvis migrate`, runs cgi-bin programs in plain CGI
# mode (no server) or starts lighttpd on a free loopback port and stops it
# by PID.  A program that crashes, or exits non-zero under valgrind or a
# sanitizer, is a test failure, never a pass.
package TV;
use strict;
use warnings;
no warnings 'exec';
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path ();
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep time);
use Exporter 'import';

our @EXPORT = qw(tv_root tv_build tv_scratch tv_plain_build tv_engine tv_use_pg new_instance
    run_cmd cli cgi start_lighttpd stop_lighttpd http_req decode_json_safe
    browser_setup browser_run start_webhook webhook_requests);

my $ROOT = abs_path(dirname(__FILE__) . "/../..");
my $BUILD = $ENV{TESTVIS_BUILD} || "$ROOT/build";
my @WRAP = $ENV{TESTVIS_WRAP} ? split(' ', $ENV{TESTVIS_WRAP}) : ();
# TESTVIS_KEEP=1 keeps the scratch directory (logs of lighttpd and the
# programs) after the test, to look at a failure
my $SCRATCH = tempdir("testvis-t-XXXXXX", TMPDIR => 1, CLEANUP => !$ENV{TESTVIS_KEEP});
my $JSON = JSON::PP->new->utf8->canonical;
my %SERVERS;

$ENV{LANG} = $ENV{LC_ALL} = 'C';
$ENV{TZ} = 'UTC';
delete @ENV{qw(TESTVIS_CONF TESTVIS_DB TESTVIS_ENABLED)};

sub tv_root { $ROOT }
sub tv_build { $BUILD }
sub tv_scratch { $SCRATCH }
# Predicate: the programs run as they are (no valgrind, no sanitizer), so
# their memory figures mean something.
sub tv_plain_build {
	return 0 if @WRAP;
	my $r = run_cmd(argv => ['ldd', "$BUILD/cgi-bin/testvis-ingest"]);
	return $r->{stdout} =~ /libasan|libubsan/ ? 0 : 1;
}

# ms since the epoch of an ISO-8601 "YYYY-MM-DDTHH:MM:SS.mmmZ" time.
# The canonical JSON text of a Perl structure.
sub encode_json_text { return $JSON->encode($_[0]) }

sub iso_ms {
	my ($t) = @_;
	my ($y, $mo, $d, $h, $mi, $s, $ms) = $t =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)Z$/ or return undef;
	require Time::Local;
	return Time::Local::timegm($s, $mi, $h, $d, $mo - 1, $y) * 1000 + $ms;
}

sub decode_json_safe {
	my ($text) = @_;
	my $v = eval { $JSON->decode($text) };
	return $v;
}

# run_cmd(argv => [...], env => {...}, stdin => BYTES, wrap => 1)
# Runs a program without a shell; returns {exit, signal, stdout, stderr}.
# A tag unique to this call among every live process: forked children
# (concurrent upload workers) never share a temporary file by chance.
my $TMP_SEQ = 0;
sub tmp_tag { return "$$-" . ++$TMP_SEQ }

sub run_cmd {
	my %o = @_;
	my $n = tmp_tag();
	my ($in, $out, $err) = map { "$SCRATCH/run$n.$_" } qw(in out err);
	open(my $fh, '>:raw', $in) or die "$in: $!";
	print $fh (defined $o{stdin} ? $o{stdin} : '');
	close $fh;
	my @argv = @{$o{argv}};
	unshift @argv, @WRAP if $o{wrap} && @WRAP;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDIN, '<', $in) or die;
		open(STDOUT, '>', $out) or die;
		open(STDERR, '>', $err) or die;
		while (my ($k, $v) = each %{$o{env} || {}}) {
			if (defined $v) { $ENV{$k} = $v } else { delete $ENV{$k} }
		}
		exec { $argv[0] } @argv;
		print STDERR "exec $argv[0]: $!\n";
		POSIX::_exit(127);
	}
	my $hwm = 0;
	if ($o{peak_rss}) {
		# the peak RSS (VmHWM, kB) as last read before the child exits,
		# once it runs the program (before exec, it is a copy of perl)
		my $name = substr((split m{/}, $argv[0])[-1], 0, 15);
		while (waitpid($pid, POSIX::WNOHANG()) == 0) {
			if (open(my $st, '<', "/proc/$pid/status")) {
				local $/;
				my $text = <$st> // '';
				my ($k) = $text =~ /^VmHWM:\s+(\d+)/m;
				$hwm = $k if defined $k && $k > $hwm &&
				    $text =~ /^Name:\s+\Q$name\E$/m;
			}
			select(undef, undef, undef, 0.005);
		}
	} else {
		waitpid($pid, 0);
	}
	my $st = $?;
	my %r = (exit => $st >> 8, signal => $st & 127,
	    stdout => slurp($out), stderr => slurp($err), peak_rss_kb => $hwm);
	unlink $in, $out, $err;
	return \%r;
}

sub slurp {
	my ($f) = @_;
	open(my $fh, '<:raw', $f) or return '';
	local $/;
	my $s = <$fh>;
	return defined $s ? $s : '';
}

# The engine the suite runs on: TESTVIS_TEST_ENGINE=postgresql puts every
# instance's database on the server TESTVIS_TEST_PG names (a libpq URL
# whose role may CREATE DATABASE), one fresh database per instance;
# otherwise (the default) each instance has its own SQLite file.
my $ENGINE = ($ENV{TESTVIS_TEST_ENGINE} // '') eq 'postgresql' ?
    'postgresql' : 'sqlite';
my $PG_URL = $ENV{TESTVIS_TEST_PG};
die "TESTVIS_TEST_ENGINE=postgresql needs TESTVIS_TEST_PG (a libpq URL)\n"
    if $ENGINE eq 'postgresql' && !$PG_URL;
my $MAIN_PID = $$;
my $PG_SEQ = 0;
my @PG_DBS;		# the databases this process made, dropped at END
sub tv_engine { $ENGINE }

# A connection URL for display: the password, if any, masked.
sub url_redact {
	my ($url) = @_;
	$url =~ s{^(postgres(?:ql)?://[^:/@]*):[^@/]*@}{$1:***@};
	$url =~ s{([?&]password=)[^&]*}{$1***}g;
	return $url;
}

# The URL with its database (the path) replaced by NAME; the query part
# (sslmode=..., password=...) is kept.
sub url_with_db {
	my ($url, $name) = @_;
	my ($base, $query) = split(/\?/, $url, 2);
	$base =~ s{^(postgres(?:ql)?://[^/]*)(?:/.*)?$}{$1/$name};
	return defined $query ? "$base?$query" : $base;
}

# The psql of the newest installed PostgreSQL (t/lib/PG.pm), else PATH's.
sub psql_bin {
	require PG;
	my $bin = PG::pg_bindir();
	return $bin ? "$bin/psql" : 'psql';
}

# Runs SQL on the database at URL with psql -X -A -t -q, stopping at the
# first error; returns run_cmd's result.  The URL goes on psql's command
# line only, never into a message.
sub psql_run {
	my ($url, $sql) = @_;
	return run_cmd(argv => [psql_bin(), '-X', '-A', '-t', '-q',
	    '-v', 'ON_ERROR_STOP=1', '-d', $url, '-f', '-'], stdin => $sql);
}

# A fresh database tv_<pid>_<seq> on TESTVIS_TEST_PG's server; its URL.
sub pg_create_db {
	my $name = sprintf('tv_%d_%d', $$, ++$PG_SEQ);
	my $r = psql_run($PG_URL, "CREATE DATABASE $name TEMPLATE template0 " .
	    "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';");
	die "CREATE DATABASE $name on " . url_redact($PG_URL) .
	    ": $r->{stderr}" if $r->{exit} != 0;
	push @PG_DBS, $name;
	return url_with_db($PG_URL, $name);
}

# tv_use_pg(URL, private => 1): from here on the instances of this script
# get databases on the PostgreSQL server at URL (a test that needs
# PostgreSQL whatever the suite's engine, e.g. with t/lib/PG.pm's private
# cluster); private => 1: the server goes away with the script, its
# databases are not dropped one by one.
my $PG_PRIVATE = 0;
sub tv_use_pg {
	my ($url, %o) = @_;
	($ENGINE, $PG_URL, $PG_PRIVATE) = ('postgresql', $url, $o{private} ? 1 : 0);
}

# What a test instance's testvis.conf holds unless the test says
# otherwise: public reads, and the history pass copying each run at the
# next batch, not a slice of the tests per batch (t/91 tests the slices).
my %CONF_DEFAULTS = (auth_read => 'public', history_copy_slices => 1);

# new_instance(conf => {key => value}, project => 'default',
#              engine => 'sqlite')
# A config file and a migrated database in a fresh directory: a SQLite
# file, or a fresh PostgreSQL database when the suite runs on PostgreSQL
# (engine => 'sqlite' keeps a SQLite file; a db in conf is used as is).
sub new_instance {
	my %o = @_;
	my $dir = tempdir("inst-XXXXXX", DIR => $SCRATCH);
	my $engine = $o{engine} // $ENGINE;
	my %conf = (%CONF_DEFAULTS, %{$o{conf} || {}});
	if (!defined $conf{db}) {
		$conf{db} = $engine eq 'postgresql' ? pg_create_db() :
		    "$dir/testvis.db";
	}
	$engine = $conf{db} =~ m{^postgres(?:ql)?://} ? 'postgresql' : 'sqlite';
	my $conf = "$dir/testvis.conf";
	open(my $fh, '>', $conf) or die;
	print $fh "$_ = $conf{$_}\n" for sort keys %conf;
	close $fh;
	my $self = bless { dir => $dir, conf => $conf, db => $conf{db},
	    engine => $engine }, 'TV';
	my $r = $self->cli('migrate');
	die "migrate failed: $r->{stderr}" if $r->{exit} != 0;
	$r = $self->cli('project', 'add', $o{project} || 'default');
	die "project add failed: $r->{stderr}" if $r->{exit} != 0;
	return $self;
}

# $inst->engine: 'sqlite' or 'postgresql', the engine of its database.
sub engine { $_[0]{engine} }

# $inst->sql(QUERY): runs QUERY on the instance's database (sqlite3, or
# psql -X -A -t -q); columns joined by '|', NULL as empty, rows by
# newlines; returns stdout without its last newline.  Dies (failing the
# test script) when the query fails.
sub sql {
	my ($self, $q) = @_;
	my $r;
	if ($self->{engine} eq 'postgresql') {
		$r = psql_run($self->{db}, $q);
	} else {
		$r = run_cmd(argv => ['sqlite3', '-separator', '|', $self->{db},
		    $q]);
	}
	die "sql ($self->{engine}): $r->{stderr}\nin: $q\n"
	    if $r->{exit} != 0;
	chomp(my $o = $r->{stdout});
	return $o;
}

# The database name in a PostgreSQL URL.
sub url_db { my ($url) = @_; my ($d) = $url =~ m{^postgres(?:ql)?://[^/?]*/([^?]*)}; return $d }

# $inst->db_save(NAME): a copy of the instance's database as it is now,
# kept as NAME for db_restore: a copy of the SQLite file (its write-ahead
# log checkpointed into it first), or a PostgreSQL
# database made from this one as its template (no program may be
# connected to it meanwhile).  Dies on failure.
sub db_save {
	my ($self, $name) = @_;
	if ($self->{engine} ne 'postgresql') {
		require File::Copy;
		# uploads leave their commits in the -wal file (issue 18):
		# into the database file with them first
		my $r = run_cmd(argv => ['sqlite3', $self->{db},
		    'PRAGMA wal_checkpoint(TRUNCATE)']);
		die "checkpoint: $r->{stderr}" if $r->{exit} != 0;
		File::Copy::copy($self->{db}, "$self->{dir}/saved-$name.db")
		    or die "copy: $!";
		return;
	}
	my $db = url_db($self->{db});
	my $copy = "${db}_$name";
	my $r = psql_run($PG_URL, "CREATE DATABASE $copy TEMPLATE $db;");
	die "CREATE DATABASE $copy: $r->{stderr}" if $r->{exit} != 0;
	push @PG_DBS, $copy;
}

# $inst->db_restore(NAME): the instance's database back to the copy
# db_save(NAME) kept (SQLite: the file, without -wal/-shm; PostgreSQL: the
# database dropped, WITH (FORCE), and made again from the saved one).
sub db_restore {
	my ($self, $name) = @_;
	if ($self->{engine} ne 'postgresql') {
		require File::Copy;
		unlink "$self->{db}-wal", "$self->{db}-shm";
		File::Copy::copy("$self->{dir}/saved-$name.db", $self->{db})
		    or die "copy: $!";
		return;
	}
	my $db = url_db($self->{db});
	my $r = psql_run($PG_URL, "DROP DATABASE $db WITH (FORCE);\n" .
	    "CREATE DATABASE $db TEMPLATE ${db}_$name;");
	die "restore $db: $r->{stderr}" if $r->{exit} != 0;
}

# $inst->pg_session(SQL): a psql session on the instance's PostgreSQL
# database that has run SQL (e.g. taken a lock) and stays open, holding
# what it took, until pg_session_end; {pid, in}.  Dies when SQL fails or
# does not finish within 10 s.
sub pg_session {
	my ($self, $sql) = @_;
	my $out = "$SCRATCH/session" . tmp_tag() . '.out';
	pipe(my $rd, my $wr) or die "pipe: $!";
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		close $wr;
		open(STDIN, '<&', $rd) or POSIX::_exit(1);
		open(STDOUT, '>', $out) or POSIX::_exit(1);
		open(STDERR, '>&', \*STDOUT) or POSIX::_exit(1);
		exec { psql_bin() } psql_bin(), '-X', '-A', '-t', '-q', '-v',
		    'ON_ERROR_STOP=1', '-d', $self->{db};
		POSIX::_exit(127);
	}
	close $rd;
	$wr->autoflush(1);
	print $wr "$sql\n\\echo session-ready\n";
	my $deadline = time + 10;
	while (slurp($out) !~ /^session-ready$/m) {
		if (time > $deadline || waitpid($pid, WNOHANG) == $pid) {
			kill 'KILL', $pid;
			waitpid($pid, 0);
			die "pg_session: " . slurp($out);
		}
		sleep 0.05;
	}
	return { pid => $pid, in => $wr };
}

# Ends a pg_session: psql reads the end of its input and exits, which
# releases what the session held; waits for it.
sub pg_session_end {
	my ($s) = @_;
	close $s->{in};
	waitpid($s->{pid}, 0);
}

# $inst->agg(EXPR, SEP, ORDER): SQL for the values of EXPR joined by SEP,
# in the order of ORDER: SQLite's group_concat (the order is that of the
# rows it reads: callers keep their ORDER BY subquery), PostgreSQL's
# string_agg(... ORDER BY ORDER) (by the ORDER column of that subquery).
sub agg {
	my ($self, $expr, $sep, $order) = @_;
	$sep //= ',';
	return "group_concat($expr, '$sep')" if $self->{engine} ne 'postgresql';
	return "string_agg(CAST($expr AS TEXT), '$sep'" .
	    (defined $order ? " ORDER BY $order" : '') . ')';
}

# $inst->sibling(conf => {key => value}): another instance (its own
# directory and testvis.conf, e.g. a second host) on this one's database,
# already migrated and with its projects; the other keys are the same
# defaults as new_instance's, not this one's.
sub sibling {
	my ($self, %o) = @_;
	my $dir = tempdir("inst-XXXXXX", DIR => $SCRATCH);
	my %conf = (%CONF_DEFAULTS, %{$o{conf} || {}}, db => $self->{db});
	my $conf = "$dir/testvis.conf";
	open(my $fh, '>', $conf) or die;
	print $fh "$_ = $conf{$_}\n" for sort keys %conf;
	close $fh;
	return bless { dir => $dir, conf => $conf, db => $self->{db},
	    engine => $self->{engine} }, 'TV';
}

# The variables by which `testvis ingest` knows it runs in a CI build:
# unset for every test, so that a suite run in CI sees no CI, unless the
# test sets them (t/57-cli-ci.t).
our @CI_VARS = qw(GITHUB_ACTIONS GITLAB_CI JENKINS_URL BUILDKITE CIRCLECI);

# What undoes each migration from 0016 on, newest first: what unmigrate()
# runs so that a test can apply those migrations again.  A third element
# is PostgreSQL's own, where the two engines' undo differs.
my @LATER_UNDO = (
	[26, 'ALTER TABLE result_history DROP COLUMN message;'],
	[25, 'CREATE TABLE failure_branches (project_id BIGINT NOT NULL, fingerprint TEXT NOT NULL, '
	    . 'branch TEXT NOT NULL, PRIMARY KEY (project_id, fingerprint, branch)); '
	    . 'INSERT INTO failure_branches SELECT DISTINCT project_id, fingerprint, branch FROM failure_streams;'],
	[24, 'DROP TRIGGER history_days_insert; DROP TRIGGER history_days_delete; '
	    . 'DROP TRIGGER history_days_update; DROP TABLE history_days;',
	    'DROP TRIGGER history_days_insert ON result_history; '
	    . 'DROP TRIGGER history_days_delete ON result_history; '
	    . 'DROP TRIGGER history_days_update_1 ON result_history; '
	    . 'DROP TRIGGER history_days_update_2 ON result_history; '
	    . 'DROP FUNCTION history_days_add(); DROP FUNCTION history_days_remove(); '
	    . 'DROP TABLE history_days; DROP INDEX result_history_run; '
	    . 'CREATE INDEX result_history_run ON result_history(run);'],
	[23, 'CREATE INDEX report_cells_feature ON report_cells(feature, run);'],
	[22, 'DROP INDEX test_stats_slow; CREATE INDEX test_stats_p50 ON test_stats(project_id, p50_ms, '
	    . 'test); CREATE INDEX test_stats_p95 ON test_stats(project_id, '
	    . 'p95_ms, test); CREATE INDEX failure_groups_recent ON '
	    . 'failure_groups(project_id, last_seen_at);'],
	[21, 'DROP TABLE result_history; DROP TABLE history_pending; '
	    . 'CREATE INDEX results_test ON results(test, started_at, status, '
	    . 'duration_ms);'],
	[20, 'DROP INDEX test_stats_known; DROP INDEX test_stats_pending; '
	    . 'ALTER TABLE test_stats DROP COLUMN def_digest; '
	    . 'CREATE INDEX test_stats_status ON test_stats(project_id, '
	    . 'last_status, last_seen_at);'],
	[19, 'DROP TABLE export_jobs;'],
	[18, 'DROP TABLE alert_attempts; DROP TABLE alert_deliveries; '
	    . 'DROP TABLE alert_firings; DROP TABLE alert_rules;'],
	[17, 'DROP TABLE repair_times;'],
	[16, 'DROP TABLE report_cells; DROP TABLE reports;'],
);

# undo_sql(V, ENGINE): the SQL that undoes migrations V and later
# (V >= 16) on ENGINE, newest first, leaving schema_migrations alone.
sub undo_sql {
	my ($v, $engine) = @_;
	return join(' ', map { $engine eq 'postgresql' && defined $_->[2] ? $_->[2] : $_->[1] }
	    grep { $_->[0] >= $v } @LATER_UNDO);
}

# $inst->unmigrate(V): undoes migrations V and later (V >= 16) and drops
# their rows in schema_migrations, so the next `testvis migrate` applies
# them again to the data kept.  Dies when a statement fails.
sub unmigrate {
	my ($self, $v) = @_;
	$self->sql(undo_sql($v, $self->{engine}) . " DELETE FROM schema_migrations WHERE version >= $v");
}

# $inst->cli(ARGS...): runs build/bin/testvis with the instance's config.
sub cli {
	my ($self, @args) = @_;
	my $env = ref $args[0] eq 'HASH' ? shift @args : {};
	my $r = run_cmd(argv => ["$BUILD/bin/testvis", @args], wrap => 1,
	    env => { TESTVIS_CONF => $self->{conf},
	    (map { $_ => undef } @CI_VARS), %$env });
	check_process($r, "testvis @args");
	return $r;
}

# $inst->ingest_cases(RUN, {branch => B, job => J, started_at => ISO,
#     suite_ms => N (the suite's time)}, [name, 'P'|'F'], ...)
# Ingests one run of the given testcases of class c.T through the CLI
# (a failure's message is "NAME broke"); dies when the ingest fails.
my $CASES_SEQ = 0;
sub ingest_cases {
	my ($self, $run, $o, @cases) = @_;
	my $x = '<testsuite name="s"' . (defined $o->{suite_ms} ?
	    ' time="' . $o->{suite_ms} / 1000 . '"' : '') . '>';
	for (@cases) {
		my ($name, $s) = @$_;
		$x .= qq{<testcase classname="c.T" name="$name" time="0.01">};
		$x .= qq{<failure message="$name broke">at T:1</failure>} if $s eq 'F';
		$x .= '</testcase>';
	}
	my $f = "$self->{dir}/cases-" . ++$CASES_SEQ . '.xml';
	open(my $fh, '>', $f) or die;
	print $fh "$x</testsuite>";
	close $fh;
	my $r = $self->cli('ingest', '--run-id', $run,
	    (map { defined $o->{$_} ? ('--' . ($_ =~ tr/_/-/r), $o->{$_}) : () }
	    qw(branch job started_at)),
	    $f);
	die "ingest $run: $r->{stderr}" if $r->{exit} != 0;
}

# $inst->token(project, scope): a fresh token's text.
sub token {
	my ($self, $project, $scope) = @_;
	my $r = $self->cli('token', 'create', '--project', $project,
	    '--scope', $scope);
	die "token create: $r->{stderr}" if $r->{exit} != 0;
	chomp(my $t = $r->{stdout});
	return $t;
}

# A signal, or valgrind's/ASan's error exit, fails the current test file.
sub check_process {
	my ($r, $what) = @_;
	if ($r->{signal} || $r->{exit} == 99 ||
	    $r->{stderr} =~ /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/) {
		fail("$what ran cleanly");
		diag("exit $r->{exit} signal $r->{signal}\n$r->{stderr}");
	}
}

# $inst->cgi(PROGRAM, METHOD, PATH?QUERY, headers => {}, body => BYTES,
#            content_type => T, env => {})
# Runs build/cgi-bin/testvis-PROGRAM (or build/t/testvis-PROGRAM) as CGI.
# Returns {status, headers (lower-case names), body, json, stderr}.
sub cgi {
	my ($self, $prog, $method, $uri, %o) = @_;
	my $bin = -x "$BUILD/cgi-bin/testvis-$prog" ?
	    "$BUILD/cgi-bin/testvis-$prog" : "$BUILD/t/testvis-$prog";
	my ($path, $query) = split(/\?/, $uri, 2);
	my %env = (GATEWAY_INTERFACE => 'CGI/1.1', REQUEST_METHOD => $method,
	    REQUEST_URI => $uri, SCRIPT_NAME => $path,
	    QUERY_STRING => defined $query ? $query : '',
	    SERVER_PROTOCOL => 'HTTP/1.1', REMOTE_ADDR => '127.0.0.1',
	    TESTVIS_CONF => $self->{conf});
	if (defined $o{body}) {
		$env{CONTENT_LENGTH} = length $o{body};
		$env{CONTENT_TYPE} = $o{content_type} if defined $o{content_type};
	}
	while (my ($k, $v) = each %{$o{headers} || {}}) {
		(my $name = uc $k) =~ s/-/_/g;
		$env{"HTTP_$name"} = $v;
	}
	%env = (%env, %{$o{env} || {}});
	my $r = run_cmd(argv => [$bin], env => \%env, stdin => $o{body},
	    wrap => 1, peak_rss => $o{peak_rss});
	check_process($r, "$prog $method $uri");
	my $p = parse_cgi($r);
	$p->{peak_rss_kb} = $r->{peak_rss_kb};
	return $p;
}

sub parse_cgi {
	my ($r) = @_;
	my ($head, $body) = split(/\r\n\r\n/, $r->{stdout}, 2);
	my %h;
	for my $line (split(/\r\n/, $head // '')) {
		my ($k, $v) = split(/:\s*/, $line, 2);
		$h{lc $k} = $v if defined $v;
	}
	my ($status) = ($h{status} // '') =~ /^(\d+)/;
	return { status => $status // 0, headers => \%h, body => $body // '',
	    json => decode_json_safe($body // ''), stderr => $r->{stderr},
	    exit => $r->{exit} };
}

sub free_port {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 1, ReuseAddr => 1) or die "socket: $!";
	my $port = $s->sockport;
	close $s;
	return $port;
}

# $inst->start_lighttpd(max_procs => 1, base => '', max_request_kb => N,
#     htdocs => DIR)
# lighttpd -D on 127.0.0.1 with conf/lighttpd.conf.in, its routing
# generated from the programs' route tables (bin/gen-lighttpd-routes);
# returns the server {pid, port, log, url}.
sub start_lighttpd {
	my ($self, %o) = @_;
	my $port = free_port();
	my $sock = tempdir("sock-XXXXXX", DIR => $SCRATCH);
	chmod 0700, $sock;
	my %sub = (BIND => '127.0.0.1', PORT => $port,
	    HTDOCS => $o{htdocs} // "$ROOT/htdocs", CGIBIN => "$BUILD/cgi-bin",
	    SOCKDIR => $sock, CONF => $self->{conf},
	    MAX_PROCS => $o{max_procs} || 1, BASE => $o{base} // '',
	    MAX_REQUEST_KB => $o{max_request_kb} || 65536 + 1024,
	    ERRORS => "$ROOT/conf/errors");
	my $gen = run_cmd(argv => ["$ROOT/bin/gen-lighttpd-routes",
	    "$BUILD/cgi-bin"], stdin => slurp("$ROOT/conf/lighttpd.conf.in"));
	die "gen-lighttpd-routes: $gen->{stderr}" if $gen->{exit} != 0;
	my $tpl = $gen->{stdout};
	$tpl =~ s/\@([A-Z_]+)\@/exists $sub{$1} ? $sub{$1} : die "no \@$1\@"/ge;
	my $conf = "$self->{dir}/lighttpd-$port.conf";
	open(my $fh, '>', $conf) or die;
	print $fh $tpl;
	close $fh;
	my $log = "$self->{dir}/lighttpd-$port.log";
	my $lighttpd = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : 'lighttpd';
	my $pid = fork // die;
	if ($pid == 0) {
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>', $log);
		open(STDERR, '>&', \*STDOUT);
		$ENV{TESTVIS_WRAP} = '';
		exec $lighttpd, '-D', '-f', $conf;
		POSIX::_exit(127);
	}
	my $srv = { pid => $pid, port => $port, log => $log,
	    url => "http://127.0.0.1:$port" . ($o{base} // '') };
	$SERVERS{$pid} = 1;
	my $deadline = time + 10;
	while (time < $deadline) {
		my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
		    Proto => 'tcp');
		if ($c) { close $c; return $srv }
		last if waitpid($pid, WNOHANG) == $pid;
		sleep 0.05;
	}
	delete $SERVERS{$pid};
	die "lighttpd did not start:\n" . slurp($log);
}

# Stops a server started above, by PID, and waits for it.
sub stop_lighttpd {
	my ($srv) = @_;
	return unless $SERVERS{$srv->{pid}};
	kill 'TERM', $srv->{pid};
	my $deadline = time + 10;
	while (time < $deadline) {
		last if waitpid($srv->{pid}, WNOHANG) == $srv->{pid};
		sleep 0.05;
	}
	if (kill 0, $srv->{pid}) {
		kill 'KILL', $srv->{pid};
		waitpid($srv->{pid}, 0);
	}
	delete $SERVERS{$srv->{pid}};
}

# http_req(SERVER, METHOD, PATH, headers => {}, body => BYTES)
# Real HTTP through curl; returns {status, headers, body, json}.
sub http_req {
	my ($srv, $method, $path, %o) = @_;
	my $n = tmp_tag();
	my ($hf, $bf, $inf) = map { "$SCRATCH/curl$n.$_" } qw(h b in);
	my @argv = ('curl', '-sS', '--max-time', '20', '-X', $method,
	    '-D', $hf, '-o', $bf);
	@argv = ('curl', '-sS', '--max-time', '20', '-I', '-D', $hf, '-o', $bf)
	    if $method eq 'HEAD';
	push @argv, '-H', "$_: $o{headers}{$_}" for sort keys %{$o{headers} || {}};
	if (defined $o{body}) {
		open(my $fh, '>:raw', $inf) or die;
		print $fh $o{body};
		close $fh;
		push @argv, '--data-binary', "\@$inf";
	}
	push @argv, "$srv->{url}$path";
	my $r = run_cmd(argv => \@argv);
	my $head = slurp($hf);
	my $body = slurp($bf);
	unlink $hf, $bf, $inf;
	# the last response head: curl also writes interim ones (100 Continue)
	my @heads = grep { /^HTTP\// } split(/\r\n\r\n/, $head);
	my @lines = split(/\r\n/, $heads[-1] // '');
	my ($status) = (shift(@lines) // '') =~ /^HTTP\/\S+ (\d+)/;
	my %h;
	for (@lines) {
		my ($k, $v) = split(/:\s*/, $_, 2);
		$h{lc $k} = $v if defined $v;
	}
	return { status => $status // 0, headers => \%h, body => $body,
	    json => decode_json_safe($body), curl => $r };
}

# start_listener(): a loopback TCP listener, in a child process, that
# appends a line to its log for every connection (then the request line)
# and answers a small DTD, so a test can observe that something was (or
# was not) fetched.  Returns {pid, port, log}; stopped by stop_listener
# or at exit, by PID.
sub start_listener {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 16, ReuseAddr => 1) or die "socket: $!";
	my $port = $s->sockport;
	my $log = "$SCRATCH/listener-$port.log";
	open(my $fh, '>', $log) or die "$log: $!";
	close $fh;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		$SIG{TERM} = sub { POSIX::_exit(0) };
		for (1 .. 1000) {
			my $c = $s->accept or next;
			open(my $l, '>>', $log) or POSIX::_exit(1);
			$l->autoflush(1);
			print $l "connection\n";
			my $line = eval {
				local $SIG{ALRM} = sub { die "timeout\n" };
				alarm 2;
				my $x = <$c>;
				alarm 0;
				$x;
			};
			print $l "request: ", $line // "(none)\n";
			close $l;
			print $c "HTTP/1.0 200 OK\r\nContent-Type: application/xml-dtd\r\n\r\n"
			    . "<!ENTITY x \"FETCHED\">\n";
			close $c;
		}
		POSIX::_exit(0);
	}
	close $s;
	$SERVERS{$pid} = 1;
	return { pid => $pid, port => $port, log => $log };
}

# Stops a listener started above, by PID.
sub stop_listener {
	my ($l) = @_;
	stop_lighttpd($l);
}

# start_webhook(): a loopback HTTP receiver, in a child process, for the
# alert deliveries.  Its answer depends on the request's path:
#   /ok           200
#   /fail-N[...]  500 for the first N requests to that path, then 200
#   /down         500 always
#   /slow         sleeps 3 s, then 200 (a sender's timeout)
#   /redirect     302 to /ok (a sender must not follow it)
# Each request is logged, one JSON object a line ({path, headers (lower-
# case names), body}), before it is answered.  Returns {pid, port, url,
# log}; stopped at exit (or by stop_listener), by PID.
sub start_webhook {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 16, ReuseAddr => 1) or die "socket: $!";
	my $port = $s->sockport;
	my $log = "$SCRATCH/webhook-$port.log";
	open(my $fh, '>', $log) or die "$log: $!";
	close $fh;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		$SIG{TERM} = sub { POSIX::_exit(0) };
		my %seen;
		for (1 .. 2000) {
			my $c = $s->accept or next;
			my $req = eval {
				local $SIG{ALRM} = sub { die "timeout\n" };
				alarm 5;
				my $line = <$c> // die "eof\n";
				my ($path) = $line =~ m{^\S+ (\S+)};
				my %h;
				while (my $l = <$c>) {
					$l =~ s/\r?\n$//;
					last if $l eq '';
					my ($k, $v) = split(/:\s*/, $l, 2);
					$h{lc $k} = $v;
				}
				my $body = '';
				read($c, $body, $h{'content-length'} // 0);
				alarm 0;
				{ path => $path, headers => \%h, body => $body };
			} or next;
			open(my $l, '>>', $log) or POSIX::_exit(1);
			print $l $JSON->encode($req), "\n";
			close $l;
			my $p = $req->{path};
			my $n = ++$seen{$p};
			my $code = $p eq '/down' ? 500 : $p eq '/redirect' ? 302 :
			    $p =~ m{^/fail-(\d+)} && $n <= $1 ? 500 : 200;
			sleep 3 if $p eq '/slow';
			print $c "HTTP/1.1 $code X\r\nContent-Length: 2\r\n"
			    . ($code == 302 ? "Location: /ok\r\n" : '')
			    . "Connection: close\r\n\r\nok";
			close $c;
		}
		POSIX::_exit(0);
	}
	close $s;
	$SERVERS{$pid} = 1;
	return { pid => $pid, port => $port, log => $log,
	    url => "http://127.0.0.1:$port" };
}

# webhook_requests(HOOK): the requests the receiver logged, in order.
sub webhook_requests {
	my ($hook) = @_;
	open(my $fh, '<', $hook->{log}) or die "$hook->{log}: $!";
	my @r = map { $JSON->decode($_) } <$fh>;
	close $fh;
	return @r;
}

# At exit of the test script (passed, failed or died), not of its forked
# children: the servers are stopped, then every PostgreSQL database made
# for an instance is dropped (WITH (FORCE): connections still open are
# closed).  The script's exit status is kept.
END {
	local $?;
	if ($$ == $MAIN_PID) {
		for my $pid (keys %SERVERS) {
			kill 'TERM', $pid;
			waitpid($pid, 0);
		}
		for my $name ($PG_PRIVATE ? () : @PG_DBS) {
			my $r = psql_run($PG_URL,
			    "DROP DATABASE IF EXISTS $name WITH (FORCE);");
			print STDERR "# DROP DATABASE $name: $r->{stderr}"
			    if $r->{exit} != 0;
		}
	}
}

# browser_run(SCRIPT, {ENV}): runs t/browser/SCRIPT under node (its checks
# print one JSON object a line: {"ok", "name", "diag"}, {"note"},
# {"done"}, as t/browser/harness.mjs writes them) and turns each into a
# TAP check or note; then checks that the script ran to its end.
# browser_setup(lighttpd => 1): for a browser test, skips the whole
# script (plan skip_all) when Debian's chromium, or lighttpd when asked
# for, is not installed, dies when make has not installed playwright-core,
# and returns ($npm, $shots): the npm directory the scripts load
# playwright-core from, and t/tmp/screenshots (made) for their pictures.
sub browser_setup {
	my %o = @_;
	Test::More::plan(skip_all => '/usr/bin/chromium is not installed')
	    unless -x '/usr/bin/chromium';
	if ($o{lighttpd}) {
		my $l = -x '/usr/sbin/lighttpd' ? '/usr/sbin/lighttpd' : `command -v lighttpd`;
		Test::More::plan(skip_all => 'lighttpd is not installed') unless $l;
	}
	my $npm = "$BUILD/npm";
	die "playwright-core is missing: run make (it installs conf/npm into $npm)\n"
	    unless -d "$npm/node_modules/playwright-core";
	my $shots = "$ROOT/t/tmp/screenshots";
	File::Path::make_path($shots);
	return ($npm, $shots);
}

sub browser_run {
	my ($script, $env) = @_;
	my $r = run_cmd(argv => ['node', "$ROOT/t/browser/$script"], env => $env);
	my $done = 0;
	for my $line (split /\n/, $r->{stdout}) {
		my $o = decode_json_safe($line);
		if (!$o) {
			Test::More::note($line);
		} elsif (exists $o->{ok}) {
			Test::More::ok($o->{ok}, $o->{name}) or
			    Test::More::diag($o->{diag} // '');
		} elsif (exists $o->{note}) {
			Test::More::note($o->{note});
		} elsif ($o->{done}) {
			$done = 1;
		}
	}
	Test::More::ok($done, 'the browser script ran to the end') or
	    Test::More::diag($r->{stderr});
	Test::More::is($r->{exit}, 0, 'node exited 0') or
	    Test::More::diag($r->{stderr});
	return $r;
}

1;
