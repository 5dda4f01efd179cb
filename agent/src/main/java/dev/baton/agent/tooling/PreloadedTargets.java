package dev.baton.agent.tooling;

import dev.baton.agent.BatonAgent;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;

/**
 * Whether the JVM loaded a class the agent rewrites before {@code premain}: a JDK 24+ AOT cache
 * (JEP 483, {@code -XX:AOTCache}) loads and links every class its training run loaded, application
 * classes included, before any agent runs. Such a class never passes the transformer's gate at load
 * (the application's first bind found {@code ServerSocketChannelImpl} loaded, untransformed, and bound
 * normally: {@code BindException}), so {@code premain} must wait until the set-up has retransformed it.
 * Without such a cache nothing the agent rewrites is loaded that early (a CDS archive, default or
 * AppCDS, maps classes but loads each when first used, through the transformer).
 *
 * <p>Asked in {@code premain}, so the common answer is cheap: without an AOT cache the application
 * class loader has defined no class but the agent's own yet (its main class comes after {@code
 * premain}); only when it has are all loaded classes' names looked at (~1,000-2,000 of them, a few ms).
 * Another agent earlier on the command line also defines classes there and costs that look too, no
 * more.
 */
final class PreloadedTargets {

  private PreloadedTargets() {}

  /** Whether a class {@code targets} rewrites is loaded already. */
  static boolean anyLoaded(Instrumentation inst, HookTransformer.Targets targets) {
    if (!applicationClassesLoaded(inst)) {
      return false;
    }
    for (Class<?> type : inst.getAllLoadedClasses()) {
      if (!type.isArray() && targets.forType(type.getName().replace('.', '/')) != null) {
        return true;
      }
    }
    return false;
  }

  private static boolean applicationClassesLoaded(Instrumentation inst) {
    ClassLoader application = ClassLoader.getSystemClassLoader();
    // The agent's own classes come from its jar, which the JVM appended to the class path: one
    // protection domain (the class loader keeps one per code source).
    ProtectionDomain agent = BatonAgent.class.getProtectionDomain();
    for (Class<?> type : inst.getInitiatedClasses(application)) {
      if (type.getClassLoader() == application && type.getProtectionDomain() != agent) {
        return true;
      }
    }
    return false;
  }
}
