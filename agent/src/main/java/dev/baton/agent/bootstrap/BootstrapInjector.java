package dev.baton.agent.bootstrap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Makes {@link BatonHooks} callable from JDK code without touching the boot class path.
 *
 * <p>Appending a jar to the boot class path makes HotSpot print a CDS warning and lose class data
 * sharing for application classes (slower start). Instead the hook class is renamed into
 * {@code sun.nio.ch} and defined there with a private lookup, so it lives in {@code java.base}; the
 * modules the agent reflects into are opened to it with {@link Instrumentation#redefineModule}, which
 * prints nothing (unlike {@code --add-opens} left to the user).
 */
public final class BootstrapInjector {

  /** Internal name of the hook class as compiled in the agent jar. */
  public static final String AGENT_HOOKS = "dev/baton/agent/bootstrap/BatonHooks";
  /** Internal name it takes inside java.base. */
  public static final String JDK_HOOKS = "sun/nio/ch/BatonHooks";

  private BootstrapInjector() {}

  /**
   * Opens {@code sun.nio.ch}, {@code java.io} and {@code java.net} to the agent, and exports
   * {@code jdk.internal.misc} to it (whether this JVM writes or uses a class-data archive: {@link ClassDataSharing}).
   */
  public static void openJdkInternals(Instrumentation inst) {
    Module agent = BootstrapInjector.class.getModule();
    Map<String, Set<Module>> opens = new HashMap<>();
    for (String pkg : new String[] {"sun.nio.ch", "java.io", "java.net"}) {
      opens.put(pkg, Set.of(agent));
    }
    inst.redefineModule(Object.class.getModule(), Set.of(), Map.of("jdk.internal.misc", Set.of(agent)), opens,
        Set.of(), Map.of());
  }

  /**
   * Wires a JDK module other than {@code java.base} whose class in {@code pkg} the agent rewrites (the JDK
   * HttpServer's {@code jdk.httpserver}): the injected code calls the hooks in {@code sun.nio.ch}, which must be
   * exported to that module, and the agent reads that package's internals, which must be open to it.
   */
  public static void openToHooks(Instrumentation inst, Module module, String pkg) {
    inst.redefineModule(Object.class.getModule(), Set.of(), Map.of("sun.nio.ch", Set.of(module)), Map.of(),
        Set.of(), Map.of());
    inst.redefineModule(module, Set.of(), Map.of(), Map.of(pkg, Set.of(BootstrapInjector.class.getModule())),
        Set.of(), Map.of());
  }

  /** Defines {@code sun.nio.ch.BatonHooks} in java.base (once) and returns it. */
  public static Class<?> defineHooks(MethodHandles.Lookup sunNioCh) throws Exception {
    try {
      return Class.forName(JDK_HOOKS.replace('/', '.'), false, null);
    } catch (ClassNotFoundException notYetDefined) {
      return sunNioCh.defineClass(renamedHooks());
    }
  }

  private static byte[] renamedHooks() throws IOException {
    return renameClass(AgentClassFiles.read(BootstrapInjector.class, AGENT_HOOKS), AGENT_HOOKS, JDK_HOOKS);
  }

  /**
   * Renames a class by rewriting the UTF-8 entries of its constant pool that name it (alone or inside
   * descriptors); the rest of the class file is copied as is. Enough for {@link BatonHooks}, which has
   * no nested classes, and far cheaper at start-up than loading a bytecode library's remapper.
   */
  static byte[] renameClass(byte[] classFile, String from, String to) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(classFile.length + 64);
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(in.readInt()); // magic
    out.writeInt(in.readInt()); // minor, major version
    int count = in.readUnsignedShort();
    out.writeShort(count);
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      out.writeByte(tag);
      switch (tag) {
        case 1 -> out.writeUTF(in.readUTF().replace(from, to)); // Utf8 (modified UTF-8, as in class files)
        case 7, 8, 16, 19, 20 -> out.writeShort(in.readUnsignedShort());
        case 15 -> {
          out.writeByte(in.readUnsignedByte());
          out.writeShort(in.readUnsignedShort());
        }
        case 3, 4, 9, 10, 11, 12, 17, 18 -> out.writeInt(in.readInt());
        case 5, 6 -> {
          out.writeLong(in.readLong());
          i++; // 8-byte constants take two slots
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    in.transferTo(out);
    out.flush();
    return bytes.toByteArray();
  }
}
