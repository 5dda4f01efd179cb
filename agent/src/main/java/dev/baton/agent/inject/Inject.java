package dev.baton.agent.inject;

import dev.baton.agent.bootstrap.BootstrapInjector;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The few bytecode shapes the agent injects, written by hand with ASM.
 *
 * <p>Why not ByteBuddy's Advice: installing ByteBuddy's AgentBuilder loads and verifies ~1,200 classes
 * and added ~0.9 s to a worker's time to first response here, against a budget of 0.1 s. These shapes
 * are a handful of instructions each; the hooks they call do the work and swallow their own failures
 * (see {@code BatonHooks}), so no exception handler is needed. Frames are given explicitly (frame
 * computation would load classes from inside a transformer): the only branch targets are right after an
 * injected prologue, where the locals are still the method's parameters.
 */
public final class Inject {

  /** Internal name of the hook class inside java.base. */
  public static final String HOOKS = BootstrapInjector.JDK_HOOKS;

  private Inject() {}

  /** Emits {@link #emit} before the method's own code. */
  public abstract static class Prologue extends MethodVisitor {

    protected Prologue(MethodVisitor method) {
      super(Opcodes.ASM9, method);
    }

    @Override
    public void visitCode() {
      super.visitCode();
      emit(mv);
    }

    protected abstract void emit(MethodVisitor method);
  }

  /** Emits {@link #emit} before every return instruction (not when the method throws). */
  public abstract static class Epilogue extends MethodVisitor {

    protected Epilogue(MethodVisitor method) {
      super(Opcodes.ASM9, method);
    }

    @Override
    public void visitInsn(int opcode) {
      if (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
        emit(mv);
      }
      super.visitInsn(opcode);
    }

    protected abstract void emit(MethodVisitor method);
  }

  /**
   * With the hook's reference result on the stack: returns it when non-null, else drops it and runs
   * the method as usual. Only valid in a prologue.
   */
  public static void returnIfNonNull(MethodVisitor method, String resultType) {
    Label original = new Label();
    method.visitInsn(Opcodes.DUP);
    method.visitJumpInsn(Opcodes.IFNULL, original);
    method.visitInsn(Opcodes.ARETURN);
    method.visitLabel(original);
    method.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {resultType});
    method.visitInsn(Opcodes.POP);
  }

  /** With the hook's boolean on the stack: returns (void) when true. Only valid in a prologue. */
  public static void returnIfTrue(MethodVisitor method) {
    returnWhenTrue(method, Opcodes.RETURN);
  }

  /**
   * With the hook's boolean on the stack: returns false from a {@code boolean} method when true. Only
   * valid in a prologue.
   */
  public static void returnFalseIfTrue(MethodVisitor method) {
    returnWhenTrue(method, Opcodes.ICONST_0, Opcodes.IRETURN);
  }

  private static void returnWhenTrue(MethodVisitor method, int... returning) {
    Label original = new Label();
    method.visitJumpInsn(Opcodes.IFEQ, original);
    for (int opcode : returning) {
      method.visitInsn(opcode);
    }
    method.visitLabel(original);
    method.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
    // Keeps the method's own first frame, if any, at a different offset than this one.
    method.visitInsn(Opcodes.NOP);
  }

  /** {@code invokestatic sun/nio/ch/BatonHooks.name descriptor}. */
  public static void callHook(MethodVisitor method, String name, String descriptor) {
    method.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, name, descriptor, false);
  }

  /**
   * {@code invokestatic} of a static method of the agent's {@code entryPoints} class (a framework's
   * {@code *Singletons}): what code injected into classes of the application's class loaders calls, since those see
   * the agent's classes. By class, not by a name written out: a moved class cannot leave injected code calling the
   * old name.
   */
  public static void callAgent(MethodVisitor method, Class<?> entryPoints, String name, String descriptor) {
    method.visitMethodInsn(Opcodes.INVOKESTATIC, internalName(entryPoints), name, descriptor, false);
  }

  /** {@code dev/baton/agent/...}: a class's name as bytecode writes it. */
  public static String internalName(Class<?> type) {
    return type.getName().replace('.', '/');
  }
}
