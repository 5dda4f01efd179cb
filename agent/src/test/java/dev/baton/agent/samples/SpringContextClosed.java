package dev.baton.agent.samples;

import org.springframework.beans.factory.DisposableBean;

/**
 * Prints {@code spring context closed} when Spring destroys its beans: the last step of closing the
 * application context, after the web server's graceful shutdown and stop. Seen before the JVM's exit, it
 * shows that the drained worker left through the JVM's normal shutdown path (Spring's shutdown hook), and
 * not by a halt. (Spring's own log lines are lost there: java.util.logging resets its handlers in a
 * shutdown hook of its own.)
 */
public class SpringContextClosed implements DisposableBean {

  @Override
  public void destroy() {
    System.out.println("spring context closed");
  }
}
