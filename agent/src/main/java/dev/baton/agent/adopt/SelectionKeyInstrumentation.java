package dev.baton.agent.adopt;

import static dev.baton.agent.inject.Inject.callHook;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code sun.nio.ch.SelectionKeyImpl}: event-loop servers never call a blocking accept; they start
 * accepting when they set {@code OP_ACCEPT} on the listener's key ({@code register} ends here too).
 */
public final class SelectionKeyInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "sun/nio/ch/SelectionKeyImpl";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "interestOps".equals(name) && "(I)Ljava/nio/channels/SelectionKey;".equals(descriptor)
        ? new InterestOps(method)
        : method;
  }

  /** {@code BatonHooks.onInterestOps(ops, this)}. */
  static final class InterestOps extends Inject.Prologue {
    InterestOps(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ILOAD, 1);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      callHook(m, "onInterestOps", "(ILjava/nio/channels/SelectionKey;)V");
    }
  }
}
