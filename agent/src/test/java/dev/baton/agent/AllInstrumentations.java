package dev.baton.agent;

import dev.baton.agent.inject.BatonInstrumentation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The agent's instrumentations as its one registry routes them ({@link Instrumentations}): which framework
 * switches it hands class names to (read from its bytecode, so the registry stays one line per framework and
 * nothing else lists them), and every instrumentation those switches know ({@code all()} of each). For the tests
 * that check the registry and what each instrumentation injects.
 */
public final class AllInstrumentations {

  private AllInstrumentations() {}

  /** What the agent's registry answers for {@code internalName}. */
  public static BatonInstrumentation route(String internalName) {
    return new Instrumentations().forType(internalName);
  }

  /** The classes whose static {@code forType(String)} the registry calls: the core's and each framework's switch. */
  public static List<Class<?>> switches() {
    Set<String> owners = new LinkedHashSet<>();
    read(Instrumentations.class.getName().replace('.', '/'), new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitMethodInsn(int opcode, String owner, String called, String calledDescriptor, boolean itf) {
            if (opcode == Opcodes.INVOKESTATIC && called.equals("forType")) {
              owners.add(owner);
            }
          }
        };
      }
    });
    List<Class<?>> switches = new ArrayList<>();
    for (String owner : owners) {
      try {
        switches.add(Class.forName(owner.replace('/', '.')));
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
    }
    return switches;
  }

  /** Every instrumentation of one switch: its {@code all()}. */
  @SuppressWarnings("unchecked")
  public static List<BatonInstrumentation> all(Class<?> frameworkSwitch) {
    try {
      return (List<BatonInstrumentation>) frameworkSwitch.getMethod("all").invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(frameworkSwitch + " has no static all()", e);
    }
  }

  /** Every instrumentation of every switch. */
  public static List<BatonInstrumentation> all() {
    List<BatonInstrumentation> all = new ArrayList<>();
    for (Class<?> frameworkSwitch : switches()) {
      all.addAll(all(frameworkSwitch));
    }
    return all;
  }

  /** The class names a switch's {@code forType} compares with ({@code String.equals} with a constant). */
  public static Set<String> caseLabels(Class<?> frameworkSwitch) {
    Set<String> labels = new LinkedHashSet<>();
    read(frameworkSwitch.getName().replace('.', '/'), new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return !name.equals("forType") ? null : new MethodVisitor(Opcodes.ASM9) {
          private String lastConstant;

          @Override
          public void visitLdcInsn(Object value) {
            lastConstant = value instanceof String constant ? constant : null;
          }

          @Override
          public void visitMethodInsn(int opcode, String owner, String called, String calledDescriptor, boolean itf) {
            // A string switch, and "a".equals(b), compare with String.equals right after loading the constant.
            if (owner.equals("java/lang/String") && called.equals("equals") && lastConstant != null) {
              labels.add(lastConstant);
            }
            lastConstant = null;
          }
        };
      }
    });
    return labels;
  }

  /** Reads a class file from the class path (the JDK's own included) with ASM. */
  public static void read(String internalName, ClassVisitor visitor) {
    try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
      if (in == null) {
        throw new IllegalStateException(internalName + ".class is not on the class path");
      }
      new ClassReader(in).accept(visitor, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
