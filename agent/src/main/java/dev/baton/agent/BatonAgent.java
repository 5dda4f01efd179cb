package dev.baton.agent;

import java.lang.instrument.Instrumentation;

/**
 * {@code -javaagent:baton-agent.jar[=signal=TERM,drainTimeout=30s]}: makes an unmodified JVM server a
 * start_server worker.
 *
 * <p>Only installs and hands off. Without {@code SERVER_STARTER_PORT} in the environment (not run by a
 * supervisor) it returns at once: no class is transformed and nothing is printed. Nothing thrown here may
 * stop the application from starting.
 */
public final class BatonAgent {

  private BatonAgent() {}

  public static void premain(String args, Instrumentation inst) {
    agentmain(args, inst);
  }

  public static void agentmain(String args, Instrumentation inst) {
    try {
      String ports = System.getenv("SERVER_STARTER_PORT");
      if (ports == null) {
        return;
      }
      dev.baton.agent.tooling.AgentInstaller.install(args, ports, inst, new Instrumentations());
    } catch (Throwable t) {
      System.err.println("baton-agent: error: not installed, the application runs without it: " + t);
    }
  }
}
