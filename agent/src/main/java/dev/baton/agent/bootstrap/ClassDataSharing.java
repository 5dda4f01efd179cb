package dev.baton.agent.bootstrap;

import dev.baton.agent.log.Log;
import dev.baton.agent.reflect.Internal;

/**
 * What this JVM does with class-data archives (default CDS, AppCDS, JDK 24+ AOT caches), as
 * {@code jdk.internal.misc.CDS} says; {@link BootstrapInjector#openJdkInternals} exports that package to
 * the agent first. {@code CDS.isDumpingArchive()} exists on JDK 17 and 25; whether the archive given is
 * in use is {@code isUsingArchive()} on 25 and {@code isSharingEnabled()} on 17.
 */
public final class ClassDataSharing {

  private static final String CDS = "jdk.internal.misc.CDS";
  private static final String NO_ANSWER = "the agent cannot keep the classes it rewrites out of an AOT cache or"
      + " AppCDS archive a training run writes";

  // Called once each, as method handles: invokeExact spins fewer classes than Method.invoke on JDK 18+ (see
  // JdkInternals).
  private static final Internal IS_DUMPING_ARCHIVE = Internal.jdk(CDS).method("isDumpingArchive").lost(NO_ANSWER);
  private static final Internal IS_USING_ARCHIVE = Internal.jdk(CDS).method("isUsingArchive")
      .method("isSharingEnabled").lost(NO_ANSWER);
  private static final Internal RUNTIME_ARGUMENTS = Internal.jdk("jdk.internal.misc.VM").method("getRuntimeArguments")
      .lost("the agent cannot say which archive option the JVM dropped");

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
   * writing nor using one, said once (by {@link Internal}, or here for any other failure): the agent then
   * cannot keep its rewritten classes out of an archive a training run writes.
   */
  public static ClassDataSharing ofThisJvm() {
    try {
      return new ClassDataSharing((boolean) IS_DUMPING_ARCHIVE.handle().invokeExact(),
          (boolean) IS_USING_ARCHIVE.handle().invokeExact());
    } catch (Throwable e) {
      if (!(e instanceof Log.Reported)) {
        Log.warn("cannot tell whether JDK " + Runtime.version() + " writes or uses a class-data archive (" + e
            + "); if this run trains an AOT cache or AppCDS archive, it may hold classes the agent rewrote");
      }
      return new ClassDataSharing(false, true);
    }
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
      for (String argument : (String[]) RUNTIME_ARGUMENTS.getStatic(null)) {
        for (String option : ARCHIVE_OPTIONS) {
          if (argument.startsWith(option)) {
            return argument;
          }
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // only a hint for a JVM that already said why it dropped its archive (a missing member: said once)
    }
    return null;
  }
}
