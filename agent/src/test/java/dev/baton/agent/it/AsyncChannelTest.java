package dev.baton.agent.it;

/**
 * {@code AsynchronousServerSocketChannel} (NIO2, Tomcat NIO2's path): its own bind, accept for readiness, the
 * connection-level drain.
 */
@JdkMatrix
class AsyncChannelTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain {

  AsyncChannelTest(Jdk jdk) {
    super(Server.ASYNC_CHANNEL, jdk);
  }
}
