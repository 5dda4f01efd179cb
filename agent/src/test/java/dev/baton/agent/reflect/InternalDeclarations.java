package dev.baton.agent.reflect;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Every {@link Internal} the agent declares (its {@code static final} fields of that type, found in the agent's
 * classes), resolved against the running JDK and the framework versions on the test class path: each must find
 * one of its forms. And the agent's classes looked up no member by reflection but through {@link Internal}. Run by
 * {@code InternalsTest} in its JVM and (with {@link #main}) on the other JDK installed here.
 */
public final class InternalDeclarations {

  static final Path CLASSES = Path.of("target", "classes");

  /** Reflection that finds a member: only {@link Internal} may call it. */
  private static final Set<String> MEMBER_LOOKUPS = Set.of("getDeclaredField", "getDeclaredFields", "getField",
      "getFields", "getDeclaredMethod", "getDeclaredMethods", "getMethod", "getMethods", "getDeclaredConstructor",
      "getDeclaredConstructors", "getConstructor", "getConstructors", "findVirtual", "findStatic", "findSpecial",
      "findGetter", "findSetter", "findStaticGetter", "findStaticSetter", "findConstructor", "findVarHandle",
      "findStaticVarHandle", "unreflect", "unreflectGetter", "unreflectSetter");
  /**
   * Besides {@link Internal}: the hook class is the agent's own, renamed into java.base (no version of anybody's
   * to differ), and its fields are what the agent binds.
   */
  private static final Set<String> ALLOWED = Set.of("dev/baton/agent/reflect/Internal",
      "dev/baton/agent/tooling/HookBindings", "dev/baton/agent/inject/NamedHooks");

  private InternalDeclarations() {}

  /** Every declaration, from every class of the agent that has one. */
  static List<Internal> all() {
    List<Internal> all = new ArrayList<>();
    for (String className : agentClasses()) {
      try {
        Class<?> type = Class.forName(className.replace('/', '.'), false, InternalDeclarations.class.getClassLoader());
        for (Field field : type.getDeclaredFields()) {
          if (field.getType() == Internal.class && Modifier.isStatic(field.getModifiers())) {
            field.setAccessible(true);
            all.add((Internal) field.get(null));
          }
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(className, e);
      }
    }
    return all;
  }

  /** The declarations none of whose forms this JDK (or the framework on the class path) has. */
  static List<String> unresolved(List<Internal> declarations) {
    List<String> unresolved = new ArrayList<>();
    ClassLoader frameworks = InternalDeclarations.class.getClassLoader();
    for (Internal internal : declarations) {
      try {
        Class<?> type = Class.forName(internal.className(), false,
            internal.isJdk() ? ClassLoader.getPlatformClassLoader() : frameworks);
        if (internal.find(type) == null) {
          unresolved.add(internal + " (" + (internal.isJdk() ? "JDK " + Runtime.version() : "framework") + ")");
        }
      } catch (ClassNotFoundException | LinkageError e) {
        unresolved.add(internal + ": " + e);
      }
    }
    return unresolved;
  }

  /** Where an agent class looks a member up by reflection itself, or declares an {@link Internal} outside its static initializer. */
  static List<String> lookupsOutsideInternal() {
    List<String> found = new ArrayList<>();
    for (String className : agentClasses()) {
      read(className, new ClassVisitor(Opcodes.ASM9) {
        @Override
        public MethodVisitor visitMethod(int access, String method, String descriptor, String signature, String[] e) {
          return new MethodVisitor(Opcodes.ASM9) {
            @Override
            public void visitMethodInsn(int opcode, String owner, String name, String desc, boolean itf) {
              boolean lookup = (owner.equals("java/lang/Class") || owner.equals("java/lang/invoke/MethodHandles$Lookup"))
                  && MEMBER_LOOKUPS.contains(name);
              if (lookup && !ALLOWED.contains(className)) {
                found.add(className + "." + method + " calls " + owner + "." + name + ": declare an Internal instead");
              }
              boolean declares = owner.equals("dev/baton/agent/reflect/Internal") && (name.equals("jdk") || name.equals("of"));
              if (declares && !method.equals("<clinit>")) {
                found.add(className + "." + method + " declares an Internal: make it a static final field, where"
                    + " InternalsTest finds it");
              }
            }
          };
        }
      });
    }
    return found;
  }

  /** The agent's own classes (internal names), the shaded ASM aside. */
  static List<String> agentClasses() {
    try (Stream<Path> files = Files.walk(CLASSES.resolve("dev/baton/agent"))) {
      return files.map(CLASSES::relativize).map(Path::toString)
          .filter(name -> name.endsWith(".class") && !name.contains("/shaded/"))
          .map(name -> name.substring(0, name.length() - ".class".length()))
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void read(String internalName, ClassVisitor visitor) {
    try (InputStream in = Files.newInputStream(CLASSES.resolve(internalName + ".class"))) {
      new ClassReader(in).accept(visitor, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Prints each declaration this JDK cannot resolve and exits 1 if any: the check on another JDK. */
  public static void main(String[] args) {
    List<Internal> all = all();
    List<String> unresolved = unresolved(all);
    unresolved.forEach(System.out::println);
    System.out.println(unresolved.size() + " of " + all.size() + " unresolved on " + System.getProperty("java.runtime.version"));
    System.exit(unresolved.isEmpty() ? 0 : 1);
  }
}
