package dev.baton.agent.tooling;

import dev.baton.agent.log.Log;
import dev.baton.agent.bootstrap.AgentClassFiles;
import dev.baton.agent.config.AgentOptions;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Rewritten class files kept on disk for the next start-up: a worker restarted under a supervisor is the
 * same JVM and application again and again, and with its rewrites read back the agent never loads ASM
 * (~60 ms of class loading and cold code on two cores, much of it on the application's path).
 *
 * <p>One directory per JVM build and agent jar (its size and modification time), so a new agent or JDK
 * never meets an old rewrite; and each entry holds the original class file beside the rewrite, which is
 * used only for byte-identical input: a rewrite of another class file of the same name is a miss, never
 * a wrong class. Entries are written to a temporary file and renamed into place, so concurrent
 * generations never read half an entry. Because the JVM runs these bytes inside {@code java.base},
 * the directory must be the user's own and writable by nobody else; otherwise the cache is off.
 *
 * <p>The lookups run inside {@code ClassFileTransformer.transform}, possibly while a JDK class is
 * being loaded: they use {@code java.io} only, whose classes are loaded long before.
 */
final class RewriteCache {

  private static final int MAGIC = 0xBA7011CE;
  /** Magic, the original's length, the rewrite's length; then the original and the rewrite. */
  private static final int HEADER = 12;
  private static final long STALE_DAYS = 30;

  private final File directory;
  /** Names temporary files apart from other generations'. */
  private final String pid = processId();

  private RewriteCache(File directory) {
    this.directory = directory;
  }

  /**
   * The cache the options ask for, or null (off, or unusable: said in one line). By default the user's
   * cache home, else (a read-only home, as in many containers) a directory of this uid's own in the
   * temporary directory.
   */
  static RewriteCache open(AgentOptions options, Map<String, String> env) {
    String option = options.rewriteCache();
    if (AgentOptions.NO_CACHE.equals(option)) {
      return null;
    }
    File jar = AgentClassFiles.jarOf(RewriteCache.class);
    if (jar == null) {
      return null; // the agent's own tests, from a classes directory: nothing identifies the build
    }
    List<Path> bases = new ArrayList<>(2);
    if (!AgentOptions.DEFAULT_CACHE.equals(option)) {
      bases.add(Path.of(option));
    } else {
      String xdg = env.get("XDG_CACHE_HOME");
      bases.add(xdg != null && !xdg.isEmpty() ? Path.of(xdg, "baton-agent")
          : Path.of(System.getProperty("user.home"), ".cache", "baton-agent"));
      try {
        bases.add(Path.of(System.getProperty("java.io.tmpdir"), "baton-agent-" + uid(Path.of("/proc/self"))));
      } catch (IOException noProcfs) {
        // no second choice without a uid to name it by
      }
    }
    StringBuilder failures = new StringBuilder();
    try {
      String key = keyOf(jar);
      for (Path base : bases) {
        try {
          return at(base, key);
        } catch (Exception e) {
          failures.append(failures.length() == 0 ? "" : ", ").append(base).append(": ").append(e);
        }
      }
    } catch (IOException e) {
      failures.append(jar).append(": ").append(e);
    }
    Log.info("rewrite cache off (" + failures + "); each start rewrites its classes again. "
        + "Give the agent a directory of its own with cache=DIR, or cache=off to silence this");
    return null;
  }

  /** The cache in {@code base}/{@code key}, created owner-only if missing. */
  static RewriteCache at(Path base, String key) throws IOException {
    Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
    Object self = uid(Path.of("/proc/self"));
    Path directory = base.resolve(key);
    boolean missing = !Files.isDirectory(directory);
    if (missing) {
      Files.createDirectories(base, PosixFilePermissions.asFileAttribute(ownerOnly));
    }
    requireOwnedAndPrivate(base, self);
    if (missing) {
      pruneStale(base);
      Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(ownerOnly));
    }
    requireOwnedAndPrivate(directory, self);
    return new RewriteCache(directory.toFile());
  }

  /** What the rewrites depend on besides the class file: this JVM and this agent build. */
  private static String keyOf(File agentJar) throws IOException {
    BasicFileAttributes jar = Files.readAttributes(agentJar.toPath(), BasicFileAttributes.class);
    StringBuilder key = new StringBuilder();
    for (char c : System.getProperty("java.vm.version", "unknown").toCharArray()) {
      key.append(Character.isLetterOrDigit(c) || c == '.' || c == '+' || c == '-' ? c : '_'); // no regex: start-up
    }
    return key.append('-').append(jar.size()).append('-').append(jar.lastModifiedTime().toMillis()).toString();
  }

  private static void requireOwnedAndPrivate(Path directory, Object self) throws IOException {
    Object owner = uid(directory);
    if (!owner.equals(self)) {
      throw new IOException("owned by uid " + owner + ", not by this process's uid " + self);
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory);
    if (permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException("writable by others (" + PosixFilePermissions.toString(permissions) + ")");
    }
  }

  private static Object uid(Path path) throws IOException {
    try {
      return Files.getAttribute(path, "unix:uid");
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      throw new IOException("no owner uid on this file system", e);
    }
  }

  /** Directories of agents and JVMs not used for a month: each new agent build adds one. */
  private static void pruneStale(Path base) {
    File[] keys = base.toFile().listFiles();
    long cutoff = System.currentTimeMillis() - TimeUnit.DAYS.toMillis(STALE_DAYS);
    for (File key : keys == null ? new File[0] : keys) {
      if (key.isDirectory() && key.lastModified() < cutoff) {
        File[] entries = key.listFiles();
        for (File entry : entries == null ? new File[0] : entries) {
          entry.delete();
        }
        key.delete();
      }
    }
  }

  /** True when an earlier start left rewrites here: ASM will then likely not be needed at all. */
  boolean hasEntries() {
    String[] names = directory.list();
    return names != null && names.length > 0;
  }

  /** The rewrite of exactly this class file, or null. */
  byte[] lookup(String className, byte[] original) {
    byte[] entry;
    try (InputStream in = new FileInputStream(entryFile(className))) {
      entry = in.readAllBytes();
    } catch (FileNotFoundException miss) {
      return null;
    } catch (IOException e) {
      Log.once("cache-read", "cannot read the rewrite cache (" + e + "); rewriting instead");
      return null;
    }
    ByteBuffer header = ByteBuffer.wrap(entry);
    if (entry.length < HEADER || header.getInt() != MAGIC) {
      return null;
    }
    int length = header.getInt();
    int rewrittenLength = header.getInt();
    // Lengths first: an entry cut short (a full disk) is a miss, never a truncated class.
    if (length != original.length || (long) HEADER + length + rewrittenLength != entry.length
        || !Arrays.equals(entry, HEADER, HEADER + length, original, 0, length)) {
      return null;
    }
    return Arrays.copyOfRange(entry, HEADER + length, entry.length);
  }

  /** Keeps a rewrite for the next start; a failure only costs that start's time. */
  void store(String className, byte[] original, byte[] rewritten) {
    File target = entryFile(className);
    File temporary = new File(directory, target.getName() + ".tmp-" + pid + "-" + Thread.currentThread().getId());
    try (FileOutputStream out = new FileOutputStream(temporary)) {
      out.write(ByteBuffer.allocate(HEADER).putInt(MAGIC).putInt(original.length).putInt(rewritten.length).array());
      out.write(original);
      out.write(rewritten);
    } catch (IOException e) {
      temporary.delete();
      Log.once("cache-write", "cannot write the rewrite cache (" + e + "); the next start rewrites again");
      return;
    }
    if (!temporary.renameTo(target)) { // rename(2): atomic, replaces an entry another generation wrote
      temporary.delete();
    }
  }

  /** This process's id from /proc: {@code ProcessHandle} would start its reaper thread pool (~20 ms). */
  private static String processId() {
    try {
      return new File("/proc/self").getCanonicalFile().getName();
    } catch (IOException e) {
      return Long.toHexString(System.nanoTime());
    }
  }

  private File entryFile(String className) {
    return new File(directory, className.replace('/', '.') + ".class");
  }

  @Override
  public String toString() {
    return directory.toString();
  }
}
