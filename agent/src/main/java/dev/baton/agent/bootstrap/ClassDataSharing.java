package dev.baton.agent.bootstrap;

import dev.baton.agent.Log;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * What this JVM does with class-data archives (default CDS, AppCDS, JDK 24+ AOT caches), as
 * {@code jdk.internal.misc.CDS} says; {@link BootstrapInjector#openJdkInternals} exports that package to
 * the agent first. {@code CDS.isDumpingArchive()} exists on JDK 17 and 25; whether the archive given is
 * in use is {@code isUsingArchive()} on 25 and {@code isSharingEnabled()} on 17.
 */
public final class ClassDataSharing {

  private static final String CDS = "jdk.internal.misc.CDS";
  private static final String VM = "jdk.internal.misc.VM";

  /** The options that name an archive for the JVM to use (not to write). */
  private static final String[] ARCHIVE_OPTIONS = {"-XX:AOTCache=", "-XX:SharedArchiveFile="};

  private final boolean writesArchive;
  private final boolean usesArchive;

  private ClassDataSharing(boolean writesArchive, boolean usesArchive) {
    this.writesArchive = writesArchive;
    this.usesArchive = usesArchive;
  }

  /**
   * This JVM's archive state. A JDK that answers neither question (none here) is taken as neither
   * writing nor using one, said once: the agent then cannot keep its rewritten classes out of an
   * archive a training run writes.
   */
  public static ClassDataSharing ofThisJvm() {
    try {
      Class<?> cds = Class.forName(CDS);
      MethodHandle using;
      try {
        using = question(cds, "isUsingArchive");
      } catch (NoSuchMethodException beforeJdk24) {
        using = question(cds, "isSharingEnabled");
      }
      return new ClassDataSharing((boolean) question(cds, "isDumpingArchive").invokeExact(),
          (boolean) using.invokeExact());
    } catch (Throwable e) {
      Log.warn("cannot tell whether JDK " + Runtime.version() + " writes or uses a class-data archive (" + e
          + "); if this run trains an AOT cache or AppCDS archive, it may hold classes the agent rewrote");
      return new ClassDataSharing(false, true);
    }
  }

  /**
   * {@code static boolean name()} of {@code jdk.internal.misc.CDS} as a handle: called once each, and
   * {@code invokeExact} spins fewer classes than {@code Method.invoke} on JDK 18+ (see JdkInternals).
   */
  private static MethodHandle question(Class<?> cds, String name) throws ReflectiveOperationException {
    return MethodHandles.lookup().findStatic(cds, name, MethodType.methodType(boolean.class));
  }

  /**
   * Whether the JVM writes a class-data archive when it exits: a training run ({@code
   * -XX:AOTCacheOutput}, {@code -XX:AOTMode=record}, {@code -XX:ArchiveClassesAtExit}).
   */
  public boolean writesArchive() {
    return writesArchive;
  }

  /**
   * The archive option on the JVM's command line (or in {@code JAVA_TOOL_OPTIONS}) when the JVM is not
   * using that archive, else null. The usual cause under the agent on JDK 24+: an AOT cache trained
   * without {@code -javaagent} and without {@code --add-modules=java.instrument}, which the JVM rejects
   * ("Mismatched values for property jdk.module.addmods") and then runs without any.
   */
  public String unusedArchiveOption() {
    if (usesArchive || writesArchive) {
      return null;
    }
    try {
      String[] arguments = (String[]) Class.forName(VM).getMethod("getRuntimeArguments").invoke(null);
      for (String argument : arguments) {
        for (String option : ARCHIVE_OPTIONS) {
          if (argument.startsWith(option)) {
            return argument;
          }
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // only a hint for a JVM that already said why it dropped its archive
    }
    return null;
  }
}
