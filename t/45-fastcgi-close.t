#!/usr/bin/perl
# How a request/response program ends a FastCGI connection (issue 18,
# point reads).  Spoken to directly, as lighttpd does: a listening Unix
# socket on the program's fd 0, one connection per request.
#
# - A request whose input the program read to its end (a GET, a POST
#   whose body the handler took) is answered whole and its connection is
#   closed at once: after the answer's end the socket's peer is gone, so
#   a write fails with EPIPE.  libfcgi's close would instead shut the
#   sending side down and wait, reading, for the server to close its
#   end first (a poll and a read per request, and the process held).
# - A request whose body the program did not read (a 413 on its
#   Content-Length) keeps that wait: the answer arrives whole, and the
#   program still reads what the server sends after it, so lighttpd's
#   writes of the rest of the body do not fail.
# - The program goes on serving the next connections either way.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Socket::UNIX;
use IO::Select;
use Socket qw(SOCK_STREAM);
use POSIX qw(dup2 _exit WNOHANG);
use Errno qw(EPIPE ECONNRESET);
use TV;

my $inst = new_instance(conf => { auth_ingest => 'open',
    max_body_bytes => 4096 });
my $scratch = tv_scratch();

# One FastCGI record of type t for request 1.
sub record {
	my ($type, $content) = @_;
	my $len = length $content;
	my $pad = (8 - $len % 8) % 8;
	return pack('CCnnCx', 1, $type, 1, $len, $pad) . $content .
	    ("\0" x $pad);
}

# A FastCGI name-value pair.
sub pair {
	my ($k, $v) = @_;
	my $len = sub { my $n = length $_[0];
	    $n < 128 ? pack('C', $n) : pack('N', $n | 0x80000000) };
	return $len->($k) . $len->($v) . $k . $v;
}

# BEGIN_REQUEST (responder, no keep-alive) and the parameters of a
# request as lighttpd passes them.
sub request_head {
	my ($method, $uri, %o) = @_;
	my ($path, $query) = split(/\?/, $uri, 2);
	my %env = (GATEWAY_INTERFACE => 'CGI/1.1', REQUEST_METHOD => $method,
	    REQUEST_URI => $uri, SCRIPT_NAME => $path,
	    QUERY_STRING => $query // '', SERVER_PROTOCOL => 'HTTP/1.1',
	    REMOTE_ADDR => '127.0.0.1', %{$o{env} || {}});
	my $params = join('', map { pair($_, $env{$_}) } sort keys %env);
	return record(1, pack('nCx5', 1, 0)) . record(4, $params) .
	    record(4, '');
}

# STDIN records of a body, and the empty one that ends it.
sub request_body {
	my ($body) = @_;
	my $out = '';
	$out .= record(5, substr($body, 0, 32768, '')) while length $body;
	return $out . record(5, '');
}

# Reads records until END_REQUEST (10 s at most); returns the STDOUT
# bytes, or undef.
sub read_answer {
	my ($s) = @_;
	my ($in, $out) = ('', '');
	my $sel = IO::Select->new($s);
	my $until = time + 10;
	while (time < $until) {
		while (length $in >= 8) {
			my ($v, $type, $id, $len, $pad) = unpack('CCnnC', $in);
			last if length $in < 8 + $len + $pad;
			my $content = substr($in, 8, $len);
			substr($in, 0, 8 + $len + $pad, '');
			$out .= $content if $type == 6;
			return $out if $type == 3;
		}
		return undef unless $sel->can_read(1);
		my $k = sysread($s, $in, 65536, length $in);
		return undef unless $k;
	}
	return undef;
}

# Whether the program's end of the connection reaches end of file within
# 10 s (it shut its side down or closed it).
sub sees_eof {
	my ($s) = @_;
	return 0 unless IO::Select->new($s)->can_read(10);
	my $k = sysread($s, my $b, 1);
	return defined $k && $k == 0;
}

# Whether a write to the connection fails because the program closed it.
sub peer_closed {
	my ($s) = @_;
	local $SIG{PIPE} = 'IGNORE';
	my $w = syswrite($s, "x" x 8);
	return !defined $w && ($! == EPIPE || $! == ECONNRESET);
}

# Starts PROGRAM (a path) on a fresh listening socket; returns (pid,
# socket path).
sub start_program {
	my ($bin) = @_;
	my $path = "$scratch/fcgi-$$-" . int(rand(1e9)) . ".sock";
	my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path,
	    Listen => 8) or die "listen $path: $!";
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		dup2(fileno($l), 0) or _exit(126);
		open(STDERR, '>>', "$path.log");
		$ENV{TESTVIS_CONF} = $inst->{conf};
		exec($bin) or _exit(127);
	}
	close $l;
	return ($pid, $path);
}

sub stop_program {
	my ($pid) = @_;
	kill 'TERM', $pid;
	for (1 .. 50) {
		last if waitpid($pid, WNOHANG) == $pid;
		select(undef, undef, undef, 0.1);
	}
	kill 'KILL', $pid if kill 0, $pid;
	waitpid($pid, 0);
}

sub connect_to {
	my ($path) = @_;
	return IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path) //
	    die "connect $path: $!";
}

my $bin = tv_build() . '/cgi-bin/testvis-health';
my $echo = tv_build() . '/t/testvis-echo';

# --- GET: answered, then closed at once, request after request ---
my ($pid, $path) = start_program($bin);
for my $n (1 .. 3) {
	my $s = connect_to($path);
	syswrite($s, request_head('GET', '/api/health') . request_body(''));
	my $a = read_answer($s);
	like($a // '', qr/^Status: 200 OK\r\n/, "GET $n: 200");
	like($a // '', qr/"status":"ok"/, "GET $n: the whole answer");
	ok(sees_eof($s), "GET $n: then end of file");
	ok(peer_closed($s), "GET $n: the program closed the connection, " .
	    "not only its sending side");
	close $s;
}
stop_program($pid);

# --- POST whose body the handler read: closed at once ---
($pid, $path) = start_program($echo);
my $xml = '<testsuite name="s"/>' . (' ' x 1000);
my $s = connect_to($path);
syswrite($s, request_head('POST', '/api/echo/ingest', env => {
    CONTENT_LENGTH => length $xml, CONTENT_TYPE => 'application/xml' }) .
    request_body($xml));
my $a = read_answer($s);
like($a // '', qr/^Status: 201 /, 'POST read whole: 201');
like($a // '', qr/"bytes":1021/, 'POST read whole: the handler took it all');
ok(sees_eof($s), 'POST read whole: then end of file');
ok(peer_closed($s), 'POST read whole: the connection closed at once');
close $s;

# --- POST refused on its length, body unread: the lingering close ---
$s = connect_to($path);
syswrite($s, request_head('POST', '/api/echo/ingest', env => {
    CONTENT_LENGTH => 100000, CONTENT_TYPE => 'application/xml' }) .
    request_body('y' x 8192));
$a = read_answer($s);
like($a // '', qr/^Status: 413 /, 'POST over the limit: 413');
like($a // '', qr/"too_large"/, 'POST over the limit: the whole answer');
ok(sees_eof($s), 'POST over the limit: then end of file');
ok(!peer_closed($s), 'POST over the limit: the program still reads ' .
    'what follows (the rest of the body) until the server closes');
close $s;

# The next connection is served.
$s = connect_to($path);
syswrite($s, request_head('POST', '/api/echo/ingest', env => {
    CONTENT_LENGTH => length $xml, CONTENT_TYPE => 'application/xml' }) .
    request_body($xml));
like(read_answer($s) // '', qr/^Status: 201 /,
    'after a lingering close the program serves the next request');
close $s;
stop_program($pid);

my $log = join("", map { TV::slurp($_) } glob("$scratch/fcgi-$$-*.sock.log"));
unlike($log, qr/AddressSanitizer|runtime error:/, 'no sanitizer report');

done_testing();
