package dev.baton.agent.it;

import dev.baton.agent.samples.JdkHttpServerApp;

/**
 * Baton's workers run under Perl's start_server too: the JDK HttpServer sample with the agent under the
 * original, which sends no readiness and retires the old worker one second after the spawn. (The other
 * reload tests run under {@code baton}; Http2DrainTest and NettyEpollUnixSocketReloadTest use Perl's too.)
 */
class PerlStartServerReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return JdkHttpServerApp.class.getName();
  }

  @Override
  Supervisor supervisor() {
    return Supervisor.PERL_START_SERVER;
  }
}
