# A PSGI app for the Starlet interoperability tests: replies with the serving pid and generation. The pid
# is padded so every response has one length (ab counts a response whose length differs from the first
# one's as failed, and pids wrap from 5 to 4 digits at pid_max 32768); generations stay below 10 here.
my $app = sub {
    return [200, ['Content-Type' => 'text/plain'],
        [sprintf("%10d:%s\n", $$, $ENV{SERVER_STARTER_GENERATION} // '?')]];
};
