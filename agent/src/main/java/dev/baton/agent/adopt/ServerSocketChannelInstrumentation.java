package dev.baton.agent.adopt;

import static dev.baton.agent.inject.Inject.callHook;
import static dev.baton.agent.inject.Inject.returnIfNonNull;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code sun.nio.ch.ServerSocketChannelImpl}: every NIO server bind ({@code ServerSocketChannel.bind},
 * {@code socket().bind}, hence JDK HttpServer, Netty NIO, Vert.x, Jetty, Tomcat NIO, Undertow) ends in
 * its {@code netBind} or {@code unixBind} (same signatures on JDK 17 and 25), whose result becomes the
 * channel's local address.
 */
public final class ServerSocketChannelInstrumentation implements BatonInstrumentation {

  private static final String TYPE = "sun/nio/ch/ServerSocketChannelImpl";
  private static final String BIND = "(Ljava/net/SocketAddress;I)Ljava/net/SocketAddress;";

  @Override
  public String typeName() {
    return TYPE;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    switch (name + descriptor) {
      case "netBind" + BIND, "unixBind" + BIND:
        return new AdoptInsteadOfBind(method);
      case "accept()Ljava/nio/channels/SocketChannel;", "blockingAccept(J)Ljava/nio/channels/SocketChannel;":
        return new Accepting(method);
      case "finishAccept(Ljava/io/FileDescriptor;Ljava/net/SocketAddress;)Ljava/nio/channels/SocketChannel;":
        return new Accepted(method);
      default:
        return method;
    }
  }

  /**
   * {@code SocketAddress a = BatonHooks.onChannelBind(this, this.fd, local); if (a != null) return a;}
   * A listed address is adopted instead of bound (and listened: the supervisor's backlog stays); its
   * address becomes the method's result. An unlisted one gets null and binds as usual.
   */
  static final class AdoptInsteadOfBind extends Inject.Prologue {
    AdoptInsteadOfBind(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, TYPE, "fd", "Ljava/io/FileDescriptor;");
      m.visitVarInsn(Opcodes.ALOAD, 1);
      callHook(m, "onChannelBind",
          "(Ljava/lang/Object;Ljava/io/FileDescriptor;Ljava/net/SocketAddress;)Ljava/net/SocketAddress;");
      returnIfNonNull(m, "java/net/SocketAddress");
    }
  }

  /** {@code BatonHooks.onAccepting(this)}: a blocking accept means the application is accepting. */
  static final class Accepting extends Inject.Prologue {
    Accepting(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      callHook(m, "onAccepting", "(Ljava/lang/Object;)V");
    }
  }

  /** {@code BatonHooks.onAccepted(this, result)}: a connection a drain waits for. */
  static final class Accepted extends Inject.Epilogue {
    Accepted(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitInsn(Opcodes.DUP);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitInsn(Opcodes.SWAP);
      callHook(m, "onAccepted", "(Ljava/lang/Object;Ljava/lang/Object;)V");
    }
  }
}
