#!/usr/bin/perl
# A start_server worker for Baton's tests, in the spirit of Server::Starter's t/01-starter.t echo
# worker. It serves HTTP/1.0 on the first socket in SERVER_STARTER_PORT and answers:
#   GET /            "pid:GEN"              who served the request
#   GET /env/NAME    the variable's value, or 404 when unset
#   GET /fds         the fd numbers this process has open, comma-separated
#   GET /signals     SigBlk and SigIgn from /proc/self/status
#   GET /sleep/MS    "pid:GEN" after MS milliseconds (a request in flight during a reload)
#   GET /config      "pid:GEN:CONTENT" of the file WORKER_CONFIG named, as read at start (as apps read config)
# Behaviour is chosen through the environment (so a test can change it between generations with
# --envdir): WORKER_EXIT_AT_START=N exits N at once, WORKER_FAIL_GENERATIONS=2,3 exits 1 at once in
# those generations (SERVER_STARTER_GENERATION); WORKER_READY=notify sends READY=1 on
# BATON_NOTIFY_FD after WORKER_READY_DELAY_MS; WORKER_READY=never only sends STATUS=; and
# WORKER_IGNORE_TERM=1 ignores TERM (and keeps accepting); WORKER_HANG_ON_TERM=1 stops accepting on
# TERM (closes its listener, as a draining server does) and then hangs, never exiting;
# WORKER_LISTEN=all serves every stream socket in SERVER_STARTER_PORT, not only the first (one
# "accepting on fd N" line each); WORKER_MEMORY_MB=N touches N MiB at start (a JVM's heap). Every signal
# received is logged to stderr.
# exits before loading anything: the sooner a failed start is seen, the less --interval matters
BEGIN {
    exit $ENV{WORKER_EXIT_AT_START} if defined $ENV{WORKER_EXIT_AT_START} && $ENV{WORKER_EXIT_AT_START} ne '';
    exit 1 if grep { $_ eq ($ENV{SERVER_STARTER_GENERATION} // '') } split /,/, ($ENV{WORKER_FAIL_GENERATIONS} // '');
}
use strict;
use warnings;
use Socket;
use IO::Handle;
use Time::HiRes qw(usleep);

STDERR->autoflush(1);
my $gen = $ENV{SERVER_STARTER_GENERATION} // '?';
# A heap: N MiB written once, so they are resident (private memory, charged to the cgroup) until exit.
my $ballast = $ENV{WORKER_MEMORY_MB} ? 'x' x ($ENV{WORKER_MEMORY_MB} * 1048576) : '';
my $config = '';
if ($ENV{WORKER_CONFIG}) {
    open(my $c, '<', $ENV{WORKER_CONFIG}) or die "worker: cannot read $ENV{WORKER_CONFIG}: $!\n";
    local $/;
    $config = <$c>;
}

my @specs = split /;/, ($ENV{SERVER_STARTER_PORT} // '');
die "worker: SERVER_STARTER_PORT is empty\n" unless @specs;
@specs = ($specs[0]) unless ($ENV{WORKER_LISTEN} // '') eq 'all';
my (@listeners, @fds);
for my $spec (@specs) {
    my ($fd) = $spec =~ /=(\d+)$/ or die "worker: malformed SERVER_STARTER_PORT: $spec\n";
    open(my $l, '+<&=', $fd) or die "worker: cannot open fd $fd: $!\n";
    next if @specs > 1 && unpack('i', getsockopt($l, SOL_SOCKET, SO_TYPE) // pack('i', 0)) != SOCK_STREAM;
    push @listeners, $l;
    push @fds, $fd;
}

my $notify;
if (defined $ENV{BATON_NOTIFY_FD}) {
    open($notify, '>&=', $ENV{BATON_NOTIFY_FD}) or undef $notify;
}
sub notify { my $m = shift; syswrite($notify, $m) if $notify; }

my $stop = 0;
$SIG{TERM} = $ENV{WORKER_IGNORE_TERM} ? sub { print STDERR "worker $$ got TERM (ignored)\n" }
           : $ENV{WORKER_HANG_ON_TERM} ? sub { print STDERR "worker $$ got TERM (hanging in drain)\n"; $stop = 2 }
                                       : sub { print STDERR "worker $$ got TERM\n"; $stop = 1 };
$SIG{$_} = do { my $s = $_; sub { print STDERR "worker $$ got $s\n" } } for qw(USR1 USR2 HUP INT);

# WORKER_SILENT_MS: says nothing at all for that long first, as a JVM does until it reaches its agent.
usleep(1000 * $ENV{WORKER_SILENT_MS}) if $ENV{WORKER_SILENT_MS};
my $ready = $ENV{WORKER_READY} // '';
if ($ready eq 'notify') {
    notify("STATUS=warming up");
    usleep(1000 * ($ENV{WORKER_READY_DELAY_MS} // 0));
    notify("READY=1\nSTATUS=serving generation $gen");
} elsif ($ready eq 'never') {
    notify("STATUS=starting, never ready");
}
print STDERR "worker $$ (generation $gen) accepting on fd $_\n" for @fds;

my $listening = '';
vec($listening, fileno($_), 1) = 1 for @listeners;
while (!$stop) {
    my $listen = $listeners[0];
    if (@listeners > 1) {  # one process serving several sockets: wait for one to have a connection
        select(my $readable = $listening, undef, undef, undef) > 0 or next;  # EINTR on a signal: re-check $stop
        ($listen) = grep { vec($readable, fileno($_), 1) } @listeners;
    }
    my $client;
    accept($client, $listen) or next;  # EINTR on a signal: re-check $stop
    my $request = <$client> // '';
    while (my $line = <$client>) { last if $line =~ /^\r?\n$/; }
    my ($path) = $request =~ m{^\S+\s+(\S+)};
    $path //= '/';
    my ($status, $body) = (200, "$$:$gen");
    if ($path =~ m{^/env/(.+)$}) {
        ($status, $body) = defined $ENV{$1} ? (200, $ENV{$1}) : (404, "unset");
    } elsif ($path eq '/fds') {
        opendir(my $d, "/proc/self/fd");
        my @fds = sort { $a <=> $b } grep { /^\d+$/ } readdir($d);
        closedir($d);
        $body = join(',', @fds);
    } elsif ($path eq '/signals') {
        open(my $st, '<', '/proc/self/status');
        $body = join('', grep { /^Sig(Blk|Ign):/ } <$st>);
    } elsif ($path eq '/config') {
        $body = "$$:$gen:$config";
    } elsif ($path =~ m{^/sleep/(\d+)$}) {
        usleep(1000 * $1);
    }
    print $client "HTTP/1.0 $status OK\r\nContent-Type: text/plain\r\nContent-Length: " . length($body)
        . "\r\nConnection: close\r\n\r\n$body";
    close $client;
}
if ($stop == 2) {
    close $_ for @listeners;  # stopped accepting: new connections queue for the next generation
    sleep 1 while 1;
}
print STDERR "worker $$ exiting\n";
exit 0;
