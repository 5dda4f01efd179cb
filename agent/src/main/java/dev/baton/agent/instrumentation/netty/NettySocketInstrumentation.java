package dev.baton.agent.instrumentation.netty;

import static dev.baton.agent.inject.Inject.returnIfTrue;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code io.netty.channel.unix.Socket}: Netty's native transports bind and listen through its
 * {@code bind(SocketAddress)} and {@code listen(int)} (JNI on the int descriptor, same signatures in
 * Netty 4.1 and 4.2), never through the JDK. {@code EpollServerSocketChannel.doBind} calls both, then
 * caches the local address from {@code getsockname}, so skipping the two is all adoption needs.
 */
public final class NettySocketInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "io/netty/channel/unix/Socket";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    switch (name + descriptor) {
      case "bind(Ljava/net/SocketAddress;)V":
        return new AdoptInsteadOfBind(method);
      case "listen(I)V":
        return new SkipListenIfAdopted(method);
      default:
        return method;
    }
  }

  /**
   * {@code if (NettySingletons.bind(this, intValue(), address)) return;} A listed address becomes
   * {@code dup2(inherited, Netty's fd)}: Netty's int descriptor stays valid and now is the supervisor's socket.
   */
  static final class AdoptInsteadOfBind extends Inject.Prologue {
    AdoptInsteadOfBind(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "io/netty/channel/unix/FileDescriptor", "intValue", "()I", false);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      Inject.callAgent(m, NettySingletons.class, "bind", "(Ljava/lang/Object;ILjava/net/SocketAddress;)Z");
      returnIfTrue(m);
    }
  }

  /**
   * {@code if (NettySingletons.skipListen(this)) return;} An adopted socket already listens with the
   * supervisor's backlog, shared by every generation; listening again would replace it with Netty's.
   */
  static final class SkipListenIfAdopted extends Inject.Prologue {
    SkipListenIfAdopted(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      Inject.callAgent(m, NettySingletons.class, "skipListen", "(Ljava/lang/Object;)Z");
      returnIfTrue(m);
    }
  }
}
