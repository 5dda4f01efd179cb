package dev.baton.agent.tooling;

import dev.baton.agent.adopt.SocketAdopter;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.util.function.Function;

/**
 * The agent's side of each hook in {@code sun.nio.ch.BatonHooks}: unpacks the arguments and calls the
 * component that does the work. One small class per hook, not lambdas: lambdas spin classes at start-up.
 * The core's hooks (adoption) are fields bound at set-up; an instrumentation of another JDK module binds its own
 * by name when its class is rewritten ({@code inject.NamedHooks}).
 *
 * <p>The hook class is the agent's own, renamed into java.base: with {@code NamedHooks}, these are the only
 * reflective lookups in the agent that are not {@code Internal}s (there is no JDK or framework version to differ).
 */
final class HookBindings {

  private HookBindings() {}

  /** Sets every core hook field of the hook class defined in java.base. */
  static void bind(Class<?> hooks, SocketAdopter adopter) throws ReflectiveOperationException {
    set(hooks, "channelBind", new ChannelBind(adopter));
    set(hooks, "socketImplBind", new SocketImplBind(adopter));
    set(hooks, "isAdopted", new IsAdopted(adopter));
    set(hooks, "accepting", new Accepting(adopter));
    set(hooks, "interruptedAccept", new InterruptedAccept(adopter));
    set(hooks, "accepted", new Accepted(adopter));
    set(hooks, "optionFamily", new OptionFamily(adopter));
  }

  private static void set(Class<?> hooks, String field, Function<Object[], Object> binding)
      throws ReflectiveOperationException {
    hooks.getField(field).set(null, binding);
  }

  private record ChannelBind(SocketAdopter adopter) implements Function<Object[], Object> {
    @Override
    public Object apply(Object[] a) {
      try {
        return adopter.adoptChannel(a[0], (FileDescriptor) a[1], (SocketAddress) a[2]);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private record SocketImplBind(SocketAdopter adopter) implements Function<Object[], Object> {
    @Override
    public Object apply(Object[] a) {
      try {
        int port = adopter.adoptSocketImpl(a[0], (FileDescriptor) a[1], (InetAddress) a[2], (Integer) a[3]);
        return port < 0 ? null : port;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private record IsAdopted(SocketAdopter adopter) implements Function<Object[], Object> {
    @Override
    public Object apply(Object[] a) {
      return adopter.isAdopted((FileDescriptor) a[0]);
    }
  }

  private record Accepting(SocketAdopter adopter) implements Function<Object[], Object> {
    @Override
    public Object apply(Object[] a) {
      adopter.accepting(a[0]);
      return null;
    }
  }

  private record InterruptedAccept(SocketAdopter adopter) implements Function<Object[], Object> {
    @Override
    public Object apply(Object[] a) {
      return adopter.keepsInterruptedAccept(a[0]);
    }
  }

  private record Accepted(SocketAdopter adopter) implements Function<Object[], Object> {
    @Override
    public Object apply(Object[] a) {
      adopter.accepted(a[0], a[1]);
      return null;
    }
  }

  private record OptionFamily(SocketAdopter adopter) implements Function<Object[], Object> {
    @Override
    public Object apply(Object[] a) {
      try {
        return adopter.optionFamily((FileDescriptor) a[0], (ProtocolFamily) a[1], (SocketOption<?>) a[2]);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
