package dev.baton.agent.tooling;

import dev.baton.agent.inject.BatonInstrumentation;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/** Passes a class through untouched except the methods its instrumentation rewrites. */
final class MethodRewriter extends ClassVisitor {

  private final BatonInstrumentation instrumentation;

  MethodRewriter(ClassVisitor next, BatonInstrumentation instrumentation) {
    super(Opcodes.ASM9, next);
    this.instrumentation = instrumentation;
  }

  @Override
  public MethodVisitor visitMethod(
      int access, String name, String descriptor, String signature, String[] exceptions) {
    MethodVisitor method = super.visitMethod(access, name, descriptor, signature, exceptions);
    return method == null ? null : instrumentation.rewrite(name, descriptor, method);
  }
}
