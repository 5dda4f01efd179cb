package dev.baton.agent.adopt;

import static dev.baton.agent.inject.Inject.callHook;
import static dev.baton.agent.inject.Inject.returnIfNonNull;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code sun.nio.ch.ServerSocketChannelImpl}: every NIO server bind ({@code ServerSocketChannel.bind},
 * {@code socket().bind}, hence JDK HttpServer, Netty NIO, Vert.x, Jetty, Tomcat NIO, Undertow) ends in
 * its {@code netBind} or {@code unixBind} (same signatures on JDK 17 and 25), whose result becomes the
 * channel's local address. Its accepts tell the agent who accepts and what; an accept of an adopted listener that
 * took a connection is never dropped because its thread was interrupted ({@link KeepInterruptedAccept}).
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
      case "end(ZZ)V":
        return new KeepInterruptedAccept(method);
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

  /**
   * In {@code end(boolean blocking, boolean completed)}, which both blocking accepts ({@code accept},
   * {@code blockingAccept}) call once accept(2) returned: the call of {@code AbstractInterruptibleChannel.end(completed)}
   * is wrapped so that its {@code ClosedByInterruptException} is dropped when the accept took a connection off an
   * adopted listener ({@code BatonHooks.keepsInterruptedAccept}); the accept then returns that connection, the channel
   * closed and the thread's interrupt status still set, as when the interrupt comes a moment later.
   *
   * <p>Why: the JDK throws when the accepting thread was interrupted, even when accept(2) had already returned a
   * connection, and never closes that connection's descriptor. Its client, which has sent its request, waits until the
   * process exits and then gets a reset. Jetty's graceful shutdown interrupts its acceptor threads; a connection they
   * took in the same instant was lost so (a reset in about one of two TERMs under 24 fresh-connection clients on a
   * loaded machine). Without the agent the listener's close resets every queued connection anyway; with it the queue
   * is the next generation's, and the one connection taken is this process's to answer.
   *
   * <pre>
   *   try { end(completed); }
   *   catch (ClosedByInterruptException e) { if (!BatonHooks.keepsInterruptedAccept(completed, this)) throw e; }
   * </pre>
   *
   * Frames: the method's own frame before the call (its locals: this, blocking, completed on JDK 17 and 25) is the
   * previous one, and the call's own instructions only load: the handler is that frame with the exception on the
   * stack, the continuation that same frame.
   */
  static final class KeepInterruptedAccept extends MethodVisitor {
    KeepInterruptedAccept(MethodVisitor method) {
      super(Opcodes.ASM9, method);
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      if (opcode != Opcodes.INVOKEVIRTUAL || !name.equals("end") || !descriptor.equals("(Z)V")) {
        super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
        return;
      }
      Label start = new Label();
      Label end = new Label();
      Label interrupted = new Label();
      Label keep = new Label();
      Label done = new Label();
      String exception = "java/nio/channels/ClosedByInterruptException";
      mv.visitTryCatchBlock(start, end, interrupted, exception);
      mv.visitLabel(start);
      super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
      mv.visitLabel(end);
      mv.visitJumpInsn(Opcodes.GOTO, done);
      mv.visitLabel(interrupted);
      mv.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {exception});
      mv.visitVarInsn(Opcodes.ILOAD, 2);
      mv.visitVarInsn(Opcodes.ALOAD, 0);
      callHook(mv, "keepsInterruptedAccept", "(ZLjava/lang/Object;)Z");
      mv.visitJumpInsn(Opcodes.IFNE, keep);
      mv.visitInsn(Opcodes.ATHROW);
      mv.visitLabel(keep);
      mv.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {exception});
      mv.visitInsn(Opcodes.POP);
      mv.visitLabel(done);
      mv.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
      // Keeps the method's own next frame, if any, at a different offset than this one.
      mv.visitInsn(Opcodes.NOP);
    }
  }
}
