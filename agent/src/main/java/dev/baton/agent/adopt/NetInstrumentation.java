package dev.baton.agent.adopt;

import static dev.baton.agent.inject.Inject.callHook;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code sun.nio.ch.Net}: every family-dependent socket option (IP_TOS) of every JDK socket goes through
 * {@code setSocketOption/getSocketOption(fd, family, ...)}. Only installed when an AF_INET socket was
 * inherited; see {@code SocketAdopter.optionFamily}.
 */
public final class NetInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "sun/nio/ch/Net";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    switch (name + descriptor) {
      case "setSocketOption(Ljava/io/FileDescriptor;Ljava/net/ProtocolFamily;Ljava/net/SocketOption;Ljava/lang/Object;)V",
          "getSocketOption(Ljava/io/FileDescriptor;Ljava/net/ProtocolFamily;Ljava/net/SocketOption;)Ljava/lang/Object;":
        return new ReplaceFamily(method);
      default:
        return method;
    }
  }

  /** {@code family = BatonHooks.familyForOption(fd, family, name);} (static methods: fd is local 0). */
  static final class ReplaceFamily extends Inject.Prologue {
    ReplaceFamily(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitVarInsn(Opcodes.ALOAD, 2);
      callHook(m, "familyForOption",
          "(Ljava/io/FileDescriptor;Ljava/net/ProtocolFamily;Ljava/net/SocketOption;)Ljava/net/ProtocolFamily;");
      m.visitVarInsn(Opcodes.ASTORE, 1);
    }
  }
}
