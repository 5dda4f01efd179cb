package dev.baton.agent.tooling;

import dev.baton.agent.AllInstrumentations;
import dev.baton.agent.bootstrap.BootstrapInjector;
import dev.baton.agent.inject.BatonInstrumentation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.FieldVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Rewrites every class the agent instruments, as the JDK (this one) and the framework versions on the class path
 * have it, and resolves every method and field the injected code refers to (owner, name and descriptor, as
 * strings in the bytecode: nothing checks them until a worker links the code) against the class it names: the
 * hook class in java.base (as compiled, {@code dev/baton/agent/bootstrap/BatonHooks}), an agent class (public, its
 * method public static, since other class loaders call it), or the framework's or JDK's own class and its
 * supertypes. Also that every instrumentation still finds something to inject into: a target method renamed in
 * a new version would otherwise leave the class silently unchanged. Class files are read with ASM, nothing is
 * loaded, so one run checks every framework whatever it needs at link time. Run by {@code InjectedReferencesTest},
 * in its JVM and (with {@link #main}) on the other JDK installed here.
 */
public final class InjectedReferences {

  private static final String AGENT_HOOKS = BootstrapInjector.AGENT_HOOKS;
  private static final String JDK_HOOKS = BootstrapInjector.JDK_HOOKS;

  private InjectedReferences() {}

  /** One instruction's reference: opcode, owner, name, descriptor. */
  record Reference(int opcode, String owner, String name, String descriptor) {
    boolean isField() {
      return opcode >= Opcodes.GETSTATIC && opcode <= Opcodes.PUTFIELD;
    }

    @Override
    public String toString() {
      return owner + (isField() ? "." : "::") + name + " " + descriptor;
    }
  }

  /** How many injected references the last {@link #check} resolved, in how many rewritten classes. */
  static int checkedReferences;
  static int checkedClasses;

  /** Problems found (empty: every injected reference resolves); each names the instrumentation and the reference. */
  public static List<String> check() {
    List<String> problems = new ArrayList<>();
    int references = 0;
    int classes = 0;
    for (BatonInstrumentation instrumentation : AllInstrumentations.all()) {
      String target = instrumentation.typeName();
      byte[] original = classFile(target);
      if (original == null) {
        problems.add(target + ": not on the class path or in this JDK");
        continue;
      }
      classes++;
      Map<String, List<Reference>> before = references(original);
      Map<String, List<Reference>> after = references(ClassRewriting.rewrite(original, instrumentation));
      List<Reference> injected = new ArrayList<>();
      for (Map.Entry<String, List<Reference>> method : after.entrySet()) {
        List<Reference> added = new ArrayList<>(method.getValue());
        for (Reference kept : before.getOrDefault(method.getKey(), List.of())) {
          added.remove(kept);
        }
        injected.addAll(added);
      }
      if (injected.isEmpty()) {
        problems.add(target + ": " + instrumentation.getClass().getSimpleName()
            + " injected nothing (a target method renamed or gone?)");
      }
      for (Reference reference : injected) {
        references++;
        String problem = resolve(reference);
        if (problem != null) {
          problems.add(target + " (" + instrumentation.getClass().getSimpleName() + "): " + reference + ": " + problem);
        }
      }
    }
    if (references == 0) {
      problems.add("no injected reference found at all");
    }
    checkedReferences = references;
    checkedClasses = classes;
    return problems;
  }

  /** Null when {@code reference} resolves, else why not. */
  private static String resolve(Reference reference) {
    if (reference.owner().equals(JDK_HOOKS)) {
      return agentMember(AGENT_HOOKS, reference);
    }
    if (reference.owner().startsWith("dev/baton/agent/")) {
      return agentMember(reference.owner(), reference);
    }
    return hasMember(reference.owner(), reference) ? null : "no such member in " + reference.owner()
        + " or its supertypes";
  }

  /** An agent class called from other class loaders: public, and the method public static. */
  private static String agentMember(String owner, Reference reference) {
    ClassInfo type = ClassInfo.of(owner);
    if (type == null) {
      return "no class " + owner + " in the agent";
    }
    if ((type.access & Opcodes.ACC_PUBLIC) == 0) {
      return owner + " is not public";
    }
    Integer access = type.members.get(reference.name() + reference.descriptor());
    if (access == null) {
      return "no such member in " + owner;
    }
    int needed = Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC;
    return (access & needed) == needed ? null : "not public static in " + owner;
  }

  /** Whether {@code owner} or one of its superclasses or interfaces declares the member. */
  private static boolean hasMember(String owner, Reference reference) {
    ClassInfo type = ClassInfo.of(owner);
    if (type == null) {
      return false;
    }
    if (type.members.containsKey(reference.name() + reference.descriptor())) {
      return true;
    }
    List<String> supertypes = new ArrayList<>(type.interfaces);
    if (type.superName != null) {
      supertypes.add(0, type.superName);
    }
    for (String supertype : supertypes) {
      if (hasMember(supertype, reference)) {
        return true;
      }
    }
    return false;
  }

  /** A class file's access flags, supertypes and members (name + descriptor to access flags). */
  private record ClassInfo(int access, String superName, List<String> interfaces, Map<String, Integer> members) {
    static ClassInfo of(String internalName) {
      byte[] bytes = classFile(internalName);
      if (bytes == null) {
        return null;
      }
      Map<String, Integer> members = new HashMap<>();
      int[] access = new int[1];
      String[] superName = new String[1];
      List<String> interfaces = new ArrayList<>();
      new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
        @Override
        public void visit(int version, int flags, String name, String signature, String superType, String[] ifaces) {
          access[0] = flags;
          superName[0] = superType;
          interfaces.addAll(ifaces == null ? List.of() : List.of(ifaces));
        }

        @Override
        public FieldVisitor visitField(int flags, String name, String descriptor, String signature, Object value) {
          members.put(name + descriptor, flags);
          return null;
        }

        @Override
        public MethodVisitor visitMethod(int flags, String name, String descriptor, String signature, String[] e) {
          members.put(name + descriptor, flags);
          return null;
        }
      }, ClassReader.SKIP_CODE);
      return new ClassInfo(access[0], superName[0], interfaces, members);
    }
  }

  /** Every method's field and method references, by method (name + descriptor), in order. */
  private static Map<String, List<Reference>> references(byte[] classFile) {
    Map<String, List<Reference>> byMethod = new HashMap<>();
    new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] e) {
        List<Reference> references = byMethod.computeIfAbsent(name + descriptor, key -> new ArrayList<>());
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
            references.add(new Reference(opcode, owner, method, desc));
          }

          @Override
          public void visitFieldInsn(int opcode, String owner, String field, String desc) {
            references.add(new Reference(opcode, owner, field, desc));
          }
        };
      }
    }, 0);
    return byMethod;
  }

  /** A class file from the class path or the running JDK, or null. */
  private static byte[] classFile(String internalName) {
    try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Prints each problem and exits 1 if any: the same check on another JDK, started by the test. */
  public static void main(String[] args) {
    List<String> problems = check();
    problems.forEach(System.out::println);
    System.out.println(problems.size() + " problem(s) on " + System.getProperty("java.runtime.version") + " ("
        + checkedReferences + " injected references in " + checkedClasses + " rewritten classes)");
    System.exit(problems.isEmpty() ? 0 : 1);
  }
}
