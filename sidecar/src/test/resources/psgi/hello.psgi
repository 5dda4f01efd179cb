# A PSGI app for the Starlet interoperability tests: replies with the serving pid and generation.
my $app = sub {
    return [200, ['Content-Type' => 'text/plain'], ["$$:" . ($ENV{SERVER_STARTER_GENERATION} // '?') . "\n"]];
};
