#!/usr/bin/perl
# A tiny stand-in for baton's supervisor, for the agent's readiness tests:
#   fake-supervisor.pl HOST:PORT -- java -javaagent:... App ...
# Binds HOST:PORT, makes an AF_UNIX SOCK_DGRAM socketpair, lets the worker inherit the listener and
# one end (FD_CLOEXEC cleared), and execs it with SERVER_STARTER_PORT and BATON_NOTIFY_FD set, the way
# baton does. Prints "worker PID", then "datagram TEXT" for each datagram, then "exit CODE".
# FAKE_SUPERVISOR_NONBLOCK=1 sets O_NONBLOCK on the listener first. FAKE_SUPERVISOR_LINGER=N keeps the
# listener open N seconds after "exit" (connections the worker never accepted then time out, not reset).
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Socket;
use Fcntl;
use POSIX ();

$| = 1;
my $spec = shift @ARGV;
shift @ARGV if @ARGV && $ARGV[0] eq '--';
my $listener = IO::Socket::INET->new(
    LocalAddr => $spec, Listen => 128, ReuseAddr => 1, Proto => 'tcp') or die "listen $spec: $!";
socketpair(my $parent, my $child, AF_UNIX, SOCK_DGRAM, 0) or die "socketpair: $!";
for my $fh ($listener, $child) {
    my $flags = fcntl($fh, F_GETFD, 0) or die "fcntl: $!";
    fcntl($fh, F_SETFD, $flags & ~FD_CLOEXEC) or die "fcntl: $!";
}
if ($ENV{FAKE_SUPERVISOR_NONBLOCK}) {
    # As another generation's event loop would leave the shared open file description.
    my $flags = fcntl($listener, F_GETFL, 0) or die "fcntl: $!";
    fcntl($listener, F_SETFL, $flags | O_NONBLOCK) or die "fcntl: $!";
}
$ENV{SERVER_STARTER_PORT} = "$spec=" . fileno($listener);
$ENV{BATON_NOTIFY_FD} = fileno($child);
my $pid = fork() // die "fork: $!";
if ($pid == 0) {
    exec @ARGV or die "exec: $!";
}
close $child;
print "worker $pid\n";
$SIG{TERM} = sub { kill 'TERM', $pid };
my $select = IO::Select->new($parent);
while (1) {
    if ($select->can_read(0.05)) {
        my $buf;
        defined(recv($parent, $buf, 65536, 0)) or die "recv: $!";
        print "datagram $buf\n";
        next;
    }
    my $done = waitpid($pid, POSIX::WNOHANG());
    if ($done == $pid) {
        while ($select->can_read(0)) {
            my $buf;
            recv($parent, $buf, 65536, 0);
            print "datagram $buf\n";
        }
        print "exit ", ($? & 127 ? 128 + ($? & 127) : $? >> 8), "\n";
        sleep $ENV{FAKE_SUPERVISOR_LINGER} if $ENV{FAKE_SUPERVISOR_LINGER};
        exit 0;
    }
}
