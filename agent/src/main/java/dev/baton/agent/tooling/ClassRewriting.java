package dev.baton.agent.tooling;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.bootstrap.AgentClassFiles;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The only class that touches ASM on the transformer's path, kept apart from {@link HookTransformer}
 * so that loading and verifying the transformer in {@code premain} does not load ASM's classes (the
 * verifier loads the types it checks assignments between): ASM loads on the warm-up thread, or at the
 * first rewrite.
 */
final class ClassRewriting {

  private ClassRewriting() {}

  /** The class file with the instrumentation's methods rewritten; all else copied as is. */
  static byte[] rewrite(byte[] classfile, BatonInstrumentation instrumentation) {
    ClassReader reader = new ClassReader(classfile);
    // No COMPUTE_FRAMES: it would load classes from inside the transformer. Inject gives the frames.
    // Given the reader, the writer copies every method the rewriter leaves alone byte for byte.
    ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
    reader.accept(new MethodRewriter(writer, instrumentation), 0);
    return writer.toByteArray();
  }

  /**
   * Runs ASM once over a small class of the agent's own, on a thread of its own started first thing in
   * {@code premain}: loading and first running ASM's classes is the largest single cost of the set-up
   * (~60 ms on two cores), and done here it overlaps the set-up's other work instead of delaying the
   * first target class.
   */
  static void warmUp() {
    try {
      rewrite(AgentClassFiles.read(ClassRewriting.class, "dev/baton/agent/tooling/MethodRewriter"),
          new WarmUpInstrumentation());
    } catch (Throwable ignored) {
      // only a warm-up: the real transformations report their own failures
    }
  }

  /** Matches every method of the warmed-up class with a visitor that injects nothing. */
  private static final class WarmUpInstrumentation implements BatonInstrumentation {
    @Override
    public String typeName() {
      return "";
    }

    @Override
    public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
      return new MethodVisitor(Opcodes.ASM9, method) {};
    }
  }
}
