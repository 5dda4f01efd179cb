package dev.baton.agent.bootstrap;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.security.CodeSource;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads the class files of the agent's own classes (the hook class to rename into java.base, ASM's
 * warm-up input) straight from the agent jar.
 *
 * <p>{@code Class.getResourceAsStream} would do, but a class loader asks its parents first, and the
 * platform loader looks a resource outside its packages up in every module of the run-time image: the
 * first such lookup opens the image reader and costs ~20 ms on two cores, on the set-up's critical path.
 * Outside a jar (the agent's unit tests run from a classes directory) it is the fallback.
 */
public final class AgentClassFiles {

  private AgentClassFiles() {}

  /** The class file of {@code internalName}, from the jar or directory {@code anchor} was loaded from. */
  public static byte[] read(Class<?> anchor, String internalName) throws IOException {
    String entryName = internalName + ".class";
    File jar = jarOf(anchor);
    if (jar != null) {
      try (ZipFile zip = new ZipFile(jar)) {
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null) {
          throw new IOException(entryName + " is missing from " + jar);
        }
        try (InputStream in = zip.getInputStream(entry)) {
          return in.readAllBytes();
        }
      }
    }
    try (InputStream in = anchor.getResourceAsStream("/" + entryName)) {
      if (in == null) {
        throw new IOException(entryName + " is missing from the agent's class path");
      }
      return in.readAllBytes();
    }
  }

  /** The agent jar, or null when the agent's classes come from a directory. */
  public static File jarOf(Class<?> anchor) {
    CodeSource source = anchor.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      return null;
    }
    try {
      File location = new File(source.getLocation().toURI());
      return location.isFile() ? location : null;
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }
}
