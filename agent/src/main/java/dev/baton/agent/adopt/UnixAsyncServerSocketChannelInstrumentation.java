package dev.baton.agent.adopt;

import static dev.baton.agent.inject.Inject.callHook;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code sun.nio.ch.UnixAsynchronousServerSocketChannelImpl}: every accepted asynchronous connection
 * leaves through {@code finishAccept} (its parameters differ between JDK 17 and 25, hence by name).
 */
public final class UnixAsyncServerSocketChannelInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "sun/nio/ch/UnixAsynchronousServerSocketChannelImpl";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "finishAccept".equals(name) && descriptor.endsWith(")Ljava/nio/channels/AsynchronousSocketChannel;")
        ? new Accepted(method)
        : method;
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
