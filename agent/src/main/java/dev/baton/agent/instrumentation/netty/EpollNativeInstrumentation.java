package dev.baton.agent.instrumentation.netty;

import static dev.baton.agent.inject.Inject.returnIfTrue;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code io.netty.channel.epoll.Native}: every epoll registration change goes through its
 * {@code epollCtlAdd/Mod/Del(int efd, int fd, ...)} (same in Netty 4.1 and 4.2).
 *
 * <p>Why: Netty registers a server channel's fresh socket with its event loop's epoll set before it
 * binds. Adoption then {@code dup2}s the inherited socket onto that descriptor number, which closes the
 * fresh socket and, with it, its epoll registration (epoll registers an open file description, not a
 * number). Netty's next change of the interest set, EPOLLIN when the channel starts accepting, is a MOD
 * that would fail with ENOENT. So the first epoll call on an adopted descriptor is corrected: a MOD
 * becomes the ADD that was lost, a DEL (never read, then closed) has nothing to remove, an ADD (registered
 * again) goes through.
 */
public final class EpollNativeInstrumentation implements BatonInstrumentation {

  private static final String TYPE = "io/netty/channel/epoll/Native";
  private static final String LOST = "epollRegistrationLost";

  @Override
  public String typeName() {
    return TYPE;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    switch (name + descriptor) {
      case "epollCtlMod(III)V":
        return new AddInsteadOfMod(method);
      case "epollCtlDel(II)V":
        return new NothingToDelete(method);
      case "epollCtlAdd(III)V":
        return new Registered(method);
      default:
        return method;
    }
  }

  /** {@code if (NettySingletons.epollRegistrationLost(fd)) { epollCtlAdd(efd, fd, flags); return; }} */
  static final class AddInsteadOfMod extends Inject.Prologue {
    AddInsteadOfMod(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ILOAD, 1);
      Inject.callAgent(m, NettySingletons.class, LOST, "(I)Z");
      Label original = new Label();
      m.visitJumpInsn(Opcodes.IFEQ, original);
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitVarInsn(Opcodes.ILOAD, 1);
      m.visitVarInsn(Opcodes.ILOAD, 2);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, TYPE, "epollCtlAdd", "(III)V", false);
      m.visitInsn(Opcodes.RETURN);
      m.visitLabel(original);
      m.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
      m.visitInsn(Opcodes.NOP);
    }
  }

  /** {@code if (NettySingletons.epollRegistrationLost(fd)) return;} */
  static final class NothingToDelete extends Inject.Prologue {
    NothingToDelete(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ILOAD, 1);
      Inject.callAgent(m, NettySingletons.class, LOST, "(I)Z");
      returnIfTrue(m);
    }
  }

  /** {@code NettySingletons.epollRegistrationLost(fd);} registered again: nothing to correct any more. */
  static final class Registered extends Inject.Prologue {
    Registered(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ILOAD, 1);
      Inject.callAgent(m, NettySingletons.class, LOST, "(I)Z");
      m.visitInsn(Opcodes.POP);
    }
  }
}
