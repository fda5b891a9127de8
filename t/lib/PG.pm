package PG;
# A PostgreSQL server for tests (issue 14): the one TESTVIS_TEST_PG names
# (a libpq connection string), or a private cluster this module makes in
# a scratch directory (initdb, pg_ctl) on 127.0.0.1 and a free port, as an
# unprivileged user when the tests run as root, stopped by its PID when
# the test ends.  Tests skip when neither is there.
use strict;
use warnings;
use File::Temp qw(tempdir);
use POSIX ();
use TV qw(run_cmd tv_scratch tv_build);
use Exporter 'import';
our @EXPORT_OK = qw(pg_start pg_psql pg_stop pg_migrated_db);

# The bin directory of the newest installed PostgreSQL, or undef.
sub pg_bindir {
	my @d = sort { ($b =~ /(\d+)/)[0] <=> ($a =~ /(\d+)/)[0] }
	    grep { -x "$_/initdb" } glob('/usr/lib/postgresql/*/bin');
	return $d[0];
}

# As the unprivileged owner of the cluster when running as root.
sub as_owner { my ($pg, @argv) = @_;
	return $> == 0 ? ('runuser', '-u', $pg->{user}, '--', @argv) : @argv }

# pg_start(dir => DIR, private => 1, keep => 1): {url, bindir, pid, dir,
# user} of a running server, or undef with the reason in $PG::why.  The
# cluster goes in DIR (made if missing; default a directory in the test's
# scratch, removed with it); private => 1 makes one even when
# TESTVIS_TEST_PG is set; a cluster is stopped when the script ends (pass,
# fail or die) unless keep => 1 (t/lib/pg-cluster's, for a whole run).
our $why = '';
my %STARTED;		# PID => cluster, stopped at the end of the script
my $MAIN_PID = $$;
sub pg_start {
	my %o = @_;
	my $bin = pg_bindir();
	if ($ENV{TESTVIS_TEST_PG} && !$o{private}) {
		return { url => $ENV{TESTVIS_TEST_PG}, bindir => $bin, external => 1 };
	}
	if (!$bin) { $why = 'no PostgreSQL installed (and no TESTVIS_TEST_PG)'; return undef }
	my $pg = { bindir => $bin, user => 'nobody' };
	if ($o{dir}) {
		$pg->{dir} = $o{dir};
		mkdir $pg->{dir} unless -d $pg->{dir};
		chmod 0755, $pg->{dir};
	} else {
		$pg->{dir} = tempdir('pg-XXXXXX', DIR => tv_scratch());
		chmod 0755, tv_scratch(), $pg->{dir};
	}
	if ($> == 0) {
		my $uid = getpwnam($pg->{user});
		chown $uid, -1, $pg->{dir};
	}
	my $data = "$pg->{dir}/data";
	my $r = run_cmd(argv => [as_owner($pg, "$bin/initdb", '-D', $data, '-U', 'testvis',
	    '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8')]);
	if ($r->{exit}) { $why = "initdb: $r->{stderr}"; return undef }
	my $port = TV::free_port();
	$r = run_cmd(argv => [as_owner($pg, "$bin/pg_ctl", '-D', $data, '-w', '-l', "$pg->{dir}/log",
	    '-o', "-h 127.0.0.1 -p $port -k $pg->{dir} -c fsync=off", 'start')]);
	if ($r->{exit}) { $why = "pg_ctl start: $r->{stdout}$r->{stderr}"; return undef }
	open(my $fh, '<', "$data/postmaster.pid") or do { $why = 'no postmaster.pid'; return undef };
	chomp($pg->{pid} = <$fh>);
	close $fh;
	$pg->{url} = "postgresql://testvis\@127.0.0.1:$port/postgres";
	$STARTED{$pg->{pid}} = $pg unless $o{keep};
	return $pg;
}

# pg_psql($pg, SQL, db => NAME): {exit, stdout, stderr} of psql -X -A -t
# with ON_ERROR_STOP, on database NAME (default: the server's own).
sub pg_psql {
	my ($pg, $sql, %o) = @_;
	my $url = $pg->{url};
	$url =~ s{/[^/]*$}{/$o{db}} if $o{db};
	return run_cmd(argv => ["$pg->{bindir}/psql", '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1',
	    '-d', $url, '-f', '-'], stdin => $sql);
}

# pg_migrated_db($pg, NAME): the URL of a new database NAME on the server,
# brought to the latest schema by `testvis migrate`; dies when either
# fails.  The test drops it (DROP DATABASE NAME WITH (FORCE)).
sub pg_migrated_db {
	my ($pg, $name) = @_;
	my $r = pg_psql($pg, "CREATE DATABASE $name;");
	die "CREATE DATABASE $name: $r->{stderr}" if $r->{exit};
	(my $url = $pg->{url}) =~ s{/[^/]*$}{/$name};
	$r = run_cmd(argv => [tv_build() . '/bin/testvis', 'migrate'], env => { TESTVIS_DB => $url, TESTVIS_CONF => undef });
	die "testvis migrate: $r->{stderr}" if $r->{exit};
	return $url;
}

# Stops a private cluster by its PID (fast shutdown, then waits).
sub pg_stop {
	my ($pg) = @_;
	return if !$pg || $pg->{external} || !$pg->{pid};
	kill 'INT', $pg->{pid};
	for (1 .. 100) {
		last unless kill 0, $pg->{pid};
		select(undef, undef, undef, 0.1);
	}
	kill 'KILL', $pg->{pid} if kill 0, $pg->{pid};
	delete $STARTED{$pg->{pid}};
}

END {
	local $?;
	if ($$ == $MAIN_PID) {
		pg_stop($_) for values %STARTED;
	}
}

1;
