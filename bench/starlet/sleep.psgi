# The Perl twin of e2e's sample server, for `plackup -s Starlet` under Perl's start_server:
# each request sleeps SAMPLE_SLEEP_MS (100 ms in the start_server article) and answers the same
# fixed-length line as baton-sample.jar, "gen=000003 pid=0012345 server=perl \n" (36 bytes).
use strict;
use warnings;
use Time::HiRes ();

my $sleep = ($ENV{SAMPLE_SLEEP_MS} // 100) / 1000;

sub {
    Time::HiRes::sleep($sleep) if $sleep > 0;
    my $body = sprintf "gen=%06d pid=%07d server=%-5s\n", $ENV{SERVER_STARTER_GENERATION} // 0, $$, 'perl';
    [200, ['Content-Type' => 'text/plain', 'Content-Length' => length $body], [$body]];
};
