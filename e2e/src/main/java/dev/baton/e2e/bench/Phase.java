package dev.baton.e2e.bench;

import dev.baton.e2e.load.LoadResult;

/**
 * One load run against one supervised server.
 *
 * @param client ab, ab-k or wrk
 * @param withReloads whether the supervisor got a HUP every period meanwhile
 * @param load what the client measured
 * @param hupsSent HUPs sent during the run
 * @param reloadsCompleted reloads that got to "new worker is now running" during the run
 * @param supervisor the supervisor's CPU and RSS during the run
 */
record Phase(String client, boolean withReloads, LoadResult load, int hupsSent, int reloadsCompleted,
    CostSampler.Cost supervisor) {}
