package dev.baton.sidecar.supervise;

/**
 * Whose rules apply where Baton and Perl's start_server deliberately differ: what happens when a
 * generation fails to start (docs/usage.md, "Differences from Perl's start_server").
 */
public enum Compat {
    /** {@code bin/baton}: a first start that fails ends baton, a failed reload is reported failed, crash loops back off. */
    BATON,
    /**
     * {@code bin/start_server}: as Perl's Server::Starter 0.35, a generation that fails is spawned again
     * every {@code --interval} until one survives (first start, restart and reload alike), the old one
     * serving meanwhile, with no limit and no backoff.
     */
    START_SERVER
}
