package dev.baton.agent.inject;

import net.bytebuddy.jar.asm.MethodVisitor;

/**
 * The code the agent adds to one class: which class (by exact name, so every other class load costs a
 * map lookup and nothing more), and for each of its methods the visitor that injects the hook calls.
 * The injecting visitors are static nested classes of the instrumentation, one per shape of injected
 * code, each with a comment saying what it emits and why.
 */
public interface BatonInstrumentation {

  /** Internal name of the one class this instrumentation rewrites, e.g. {@code sun/nio/ch/Net}. */
  String typeName();

  /** A visitor injecting into {@code name + descriptor}, or {@code method} itself if it is not a target. */
  MethodVisitor rewrite(String name, String descriptor, MethodVisitor method);

  /**
   * Binds the {@code BatonHooks} hooks its injected code calls by name ({@link NamedHooks#bind}), for a
   * class of a JDK module outside the core's; called each time the class is rewritten (or read back from the
   * rewrite cache), before it is defined. Most instrumentations call the agent's classes directly.
   */
  default void bindHooks() throws ReflectiveOperationException {}
}
