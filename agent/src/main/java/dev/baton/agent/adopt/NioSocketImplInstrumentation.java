package dev.baton.agent.adopt;

import static dev.baton.agent.inject.Inject.callHook;
import static dev.baton.agent.inject.Inject.returnIfTrue;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code sun.nio.ch.NioSocketImpl}: {@code java.net.ServerSocket} binds through its
 * {@code bind(InetAddress, int)} then {@code listen(int)}, and accepts through {@code accept(SocketImpl)}.
 * Its descriptor and the {@code address}/{@code localport} fields are inherited from {@code SocketImpl}.
 */
public final class NioSocketImplInstrumentation implements BatonInstrumentation {

  private static final String TYPE = "sun/nio/ch/NioSocketImpl";

  @Override
  public String typeName() {
    return TYPE;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    switch (name + descriptor) {
      case "bind(Ljava/net/InetAddress;I)V":
        return new AdoptInsteadOfBind(method);
      case "listen(I)V":
        return new SkipListenIfAdopted(method);
      case "accept(Ljava/net/SocketImpl;)V":
        return new Accepted(new Accepting(method));
      default:
        return method;
    }
  }

  /**
   * {@code int p = BatonHooks.onSocketImplBind(this, fd, host, port); if (p >= 0) { localport = p;
   * address = host; return; }}: what the original sets after a bind, without binding.
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
      m.visitVarInsn(Opcodes.ILOAD, 2);
      callHook(m, "onSocketImplBind", "(Ljava/lang/Object;Ljava/io/FileDescriptor;Ljava/net/InetAddress;I)I");
      Label original = new Label();
      m.visitInsn(Opcodes.DUP);
      m.visitJumpInsn(Opcodes.IFLT, original);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitInsn(Opcodes.SWAP);
      m.visitFieldInsn(Opcodes.PUTFIELD, TYPE, "localport", "I");
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitFieldInsn(Opcodes.PUTFIELD, TYPE, "address", "Ljava/net/InetAddress;");
      m.visitInsn(Opcodes.RETURN);
      m.visitLabel(original);
      m.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {Opcodes.INTEGER});
      m.visitInsn(Opcodes.POP);
    }
  }

  /**
   * {@code if (BatonHooks.skipListen(fd)) return;} An adopted socket already listens, with the
   * supervisor's backlog: listening again would replace that backlog, shared by every generation, with
   * the application's (often 50).
   */
  static final class SkipListenIfAdopted extends Inject.Prologue {
    SkipListenIfAdopted(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, TYPE, "fd", "Ljava/io/FileDescriptor;");
      callHook(m, "skipListen", "(Ljava/io/FileDescriptor;)Z");
      returnIfTrue(m);
    }
  }

  /** {@code BatonHooks.onAccepting(this)}: accepting means ready. */
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

  /** {@code BatonHooks.onAccepted(this, si)}: the accepted socket's implementation, for the drain. */
  static final class Accepted extends Inject.Epilogue {
    Accepted(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      callHook(m, "onAccepted", "(Ljava/lang/Object;Ljava/lang/Object;)V");
    }
  }
}
