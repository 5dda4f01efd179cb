package dev.baton.agent.bootstrap;

import java.io.FileDescriptor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.SelectionKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The only class the code injected into JDK classes calls.
 *
 * <p>Code injected into {@code java.base} (and other JDK modules) links as JDK code: it cannot see
 * the application class loader that holds the rest of the agent. So this class is renamed to
 * {@code sun.nio.ch.BatonHooks} and defined inside {@code java.base} at start-up (see
 * {@link BootstrapInjector}). It must only use {@code java.base} types: each hook forwards to a
 * {@code Function<Object[], Object>} implemented by the agent, set once: the core's at start-up
 * ({@code tooling.HookBindings}), an instrumentation's own {@link #named} ones when it rewrites its class
 * ({@code inject.NamedHooks}); while unset the hook does nothing. Plain interfaces rather than method handles: the
 * latter spin classes at start-up, which a worker pays on every launch. Every hook swallows what it
 * throws and returns the value that means "run the JDK code unchanged": a failing agent must never
 * break the application's networking.
 */
public final class BatonHooks {

  /** {@code [channel, fd, requested]} to the adopted local address, or null to bind normally. */
  public static volatile Function<Object[], Object> channelBind;
  /** {@code [impl, fd, host, port]} to the adopted local port (Integer), or null to bind normally. */
  public static volatile Function<Object[], Object> socketImplBind;
  /** {@code [fd]} to TRUE when that socket was adopted (its listen is skipped). */
  public static volatile Function<Object[], Object> isAdopted;
  /** {@code [listener]}: the application is about to accept on that listener. */
  public static volatile Function<Object[], Object> accepting;
  /** {@code [listener]} to TRUE when that listener is adopted (an accept's connection is kept though interrupted). */
  public static volatile Function<Object[], Object> interruptedAccept;
  /** {@code [listener, connection]}: a connection was accepted. */
  public static volatile Function<Object[], Object> accepted;
  /** {@code [fd, family, option]} to the protocol family to use for that option. */
  public static volatile Function<Object[], Object> optionFamily;
  /**
   * The hooks of instrumentations outside the core (those of JDK modules other than {@code java.base}'s
   * networking, such as the JDK HttpServer's), by name: the agent binds each when it rewrites the class whose
   * injected code calls it through {@link #call}.
   */
  public static final Map<String, Function<Object[], Object>> named = new ConcurrentHashMap<>();

  private BatonHooks() {}

  /** At the start of {@code ServerSocketChannelImpl.netBind/unixBind}: non-null skips the bind. */
  public static SocketAddress onChannelBind(Object channel, FileDescriptor fd, SocketAddress requested) {
    return (SocketAddress) apply(channelBind, null, channel, fd, requested);
  }

  /** At the start of {@code AsynchronousServerSocketChannelImpl.bind}: non-null skips the bind. */
  public static InetSocketAddress onAsyncChannelBind(Object channel, FileDescriptor fd, SocketAddress requested) {
    Object adopted = apply(channelBind, null, channel, fd, requested);
    return adopted instanceof InetSocketAddress inet ? inet : null;
  }

  /** At the start of {@code NioSocketImpl.bind}: a port (not -1) skips the bind. */
  public static int onSocketImplBind(Object impl, FileDescriptor fd, InetAddress host, int port) {
    Object adopted = apply(socketImplBind, null, impl, fd, host, port);
    return adopted == null ? -1 : (Integer) adopted;
  }

  /** At the start of {@code NioSocketImpl.listen}: true skips the listen. */
  public static boolean skipListen(FileDescriptor fd) {
    return apply(isAdopted, null, fd) == Boolean.TRUE;
  }

  public static void onAccepting(Object listener) {
    apply(accepting, null, listener);
  }

  /**
   * In {@code ServerSocketChannelImpl.end(blocking, completed)}, when the accept's thread was interrupted: true keeps
   * the connection the accept took (when it took one) instead of throwing {@code ClosedByInterruptException}.
   */
  public static boolean keepsInterruptedAccept(boolean completed, Object listener) {
    return completed && apply(interruptedAccept, null, listener) == Boolean.TRUE;
  }

  /** At the start of {@code SelectionKeyImpl.interestOps(int)}, called all the time by event loops. */
  public static void onInterestOps(int ops, SelectionKey key) {
    // Only OP_ACCEPT says "accepting"; the check is first so the common case costs nothing.
    if ((ops & SelectionKey.OP_ACCEPT) != 0 && accepting != null) {
      onAccepting(key.channel());
    }
  }

  public static void onAccepted(Object listener, Object connection) {
    if (connection != null) {
      apply(accepted, null, listener, connection);
    }
  }

  /** At the start of {@code Net.setSocketOption/getSocketOption(fd, family, name...)}. */
  public static ProtocolFamily familyForOption(FileDescriptor fd, ProtocolFamily family, SocketOption<?> name) {
    return (ProtocolFamily) apply(optionFamily, family, fd, family, name);
  }

  /** A {@link #named} hook with one argument: its result, or null while unbound. */
  public static Object call(String hook, Object argument) {
    return apply(named.get(hook), null, argument);
  }

  /** A {@link #named} hook with two arguments: its result, or null while unbound. */
  public static Object call(String hook, Object first, Object second) {
    return apply(named.get(hook), null, first, second);
  }

  private static Object apply(Function<Object[], Object> hook, Object fallback, Object... arguments) {
    if (hook == null) {
      return fallback;
    }
    try {
      Object result = hook.apply(arguments);
      return result == null ? fallback : result;
    } catch (Throwable t) {
      failed(t);
      return fallback;
    }
  }

  private static void failed(Throwable t) {
    System.err.println("baton-agent: error: hook failed, the JDK code runs unchanged: " + t);
  }
}
