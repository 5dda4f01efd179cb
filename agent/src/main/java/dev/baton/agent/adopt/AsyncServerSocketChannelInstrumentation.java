package dev.baton.agent.adopt;

import static dev.baton.agent.inject.Inject.callHook;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code sun.nio.ch.AsynchronousServerSocketChannelImpl} ({@code AsynchronousServerSocketChannel}, e.g.
 * Tomcat's NIO2 connector): its {@code bind} calls {@code Net.bind} itself, not {@code netBind}.
 */
public final class AsyncServerSocketChannelInstrumentation implements BatonInstrumentation {

  private static final String TYPE = "sun/nio/ch/AsynchronousServerSocketChannelImpl";

  @Override
  public String typeName() {
    return TYPE;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    switch (name + descriptor) {
      case "bind(Ljava/net/SocketAddress;I)Ljava/nio/channels/AsynchronousServerSocketChannel;":
        return new AdoptInsteadOfBind(method);
      case "accept()Ljava/util/concurrent/Future;",
          "accept(Ljava/lang/Object;Ljava/nio/channels/CompletionHandler;)V":
        return new Accepting(method);
      default:
        return method;
    }
  }

  /**
   * {@code InetSocketAddress a = BatonHooks.onAsyncChannelBind(this, fd, local); if (a != null) {
   * localAddress = a; return this; }}: what the original sets after bind and listen, without them.
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
      callHook(m, "onAsyncChannelBind",
          "(Ljava/lang/Object;Ljava/io/FileDescriptor;Ljava/net/SocketAddress;)Ljava/net/InetSocketAddress;");
      Label original = new Label();
      m.visitInsn(Opcodes.DUP);
      m.visitJumpInsn(Opcodes.IFNULL, original);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitInsn(Opcodes.SWAP);
      m.visitFieldInsn(Opcodes.PUTFIELD, TYPE, "localAddress", "Ljava/net/InetSocketAddress;");
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitInsn(Opcodes.ARETURN);
      m.visitLabel(original);
      m.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {"java/net/InetSocketAddress"});
      m.visitInsn(Opcodes.POP);
    }
  }

  /** {@code BatonHooks.onAccepting(this)}: the first accept means the application is accepting. */
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
}
