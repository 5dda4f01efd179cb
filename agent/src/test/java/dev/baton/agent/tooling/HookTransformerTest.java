package dev.baton.agent.tooling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.inject.BatonInstrumentation;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.MethodVisitor;
import org.junit.jupiter.api.Test;

/**
 * The gate between the agent's set-up thread and the application: a target class loaded by another
 * thread waits until the hooks are bound, the set-up thread itself never waits, and a failed set-up
 * lets everybody go on unchanged.
 */
class HookTransformerTest {

  /** The class the tests "load": its bytes go through the transformer as a class file would. */
  static final class Target {
    int answer() {
      return 42;
    }
  }

  private static final String TARGET = Target.class.getName().replace('.', '/');

  /** Changes nothing: the transformer returns bytes exactly when it chose to transform (null otherwise). */
  private static final BatonInstrumentation PASS_THROUGH = new BatonInstrumentation() {
    @Override
    public String typeName() {
      return TARGET;
    }

    @Override
    public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
      return method;
    }
  };

  private final List<Class<?>[]> retransformed = new ArrayList<>();
  private final Instrumentation inst = fakeInstrumentation();
  private final HookTransformer transformer = new HookTransformer(name -> TARGET.equals(name) ? PASS_THROUGH : null);

  @Test
  void otherThreadsWaitForTheSetUpAndThenTransform() throws Exception {
    transformer.register(inst, new Thread("set-up, not started"));
    CompletableFuture<byte[]> application = CompletableFuture.supplyAsync(() -> load(TARGET));

    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !application.isDone());
    transformer.open(inst);

    byte[] transformed = application.get(10, TimeUnit.SECONDS);
    assertThat(transformed).isNotNull();
    assertThat(new ClassReader(transformed).getClassName()).isEqualTo(TARGET);
  }

  @Test
  void otherClassesNeverWait() {
    transformer.register(inst, new Thread("set-up, not started"));

    assertThat(load("some/Other")).isNull(); // returns at once: no set-up needed for a class not targeted
  }

  @Test
  void theSetUpThreadTransformsOnceTheHookClassExistsAndNeverWaits() throws Exception {
    AtomicReference<byte[]> beforeHooks = new AtomicReference<>();
    AtomicReference<byte[]> afterHooks = new AtomicReference<>();
    Thread setUp = new Thread(() -> {
      beforeHooks.set(load(TARGET)); // left for open() to retransform
      transformer.hooksDefined();
      afterHooks.set(load(TARGET));
    });
    transformer.register(inst, setUp);
    setUp.start();
    setUp.join(10_000);

    assertThat(setUp.isAlive()).isFalse();
    assertThat(beforeHooks.get()).isNull();
    assertThat(afterHooks.get()).isNotNull();
  }

  @Test
  void anAbandonedSetUpReleasesWaitingThreadsWithTheirClassesUnchanged() throws Exception {
    transformer.register(inst, new Thread("set-up, not started"));
    CompletableFuture<byte[]> application = CompletableFuture.supplyAsync(() -> load(TARGET));
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !application.isDone());

    transformer.abandon(inst);

    assertThat(application.get(10, TimeUnit.SECONDS)).isNull();
    assertThat(load(TARGET)).isNull();
  }

  @Test
  void openRetransformsTargetsLoadedBefore() {
    transformer.register(inst, new Thread("set-up, not started"));

    transformer.open(inst);

    assertThat(retransformed).hasSize(1);
    assertThat(retransformed.get(0)).containsExactly(Target.class);
  }

  @Test
  void premainWaitsForTheSetUpWhenACacheLoadedTargetsBeforeIt() throws Exception {
    transformer.register(inst, new Thread("set-up, not started"));
    CompletableFuture<Void> premain = CompletableFuture.runAsync(transformer::awaitOpen);
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !premain.isDone());

    transformer.open(inst);

    premain.get(10, TimeUnit.SECONDS);
    assertThat(retransformed).hasSize(1);
  }

  @Test
  void aTrainingRunGetsTheClassesNestedWithATargetBackChangedSoTheJvmLeavesThemOutOfItsArchive() throws Exception {
    HookTransformer nests = new HookTransformer(new HookTransformer.Targets() {
      @Override
      public BatonInstrumentation forType(String internalName) {
        return TARGET.equals(internalName) ? PASS_THROUGH : null;
      }

      @Override
      public boolean inNestOfTarget(String internalName) {
        return internalName.startsWith(TARGET + "$");
      }
    });
    nests.register(inst, new Thread("set-up, not started"));
    byte[] nested = classFile();

    assertThat(nests.transform(null, null, TARGET + "$Nested", null, null, nested))
        .as("outside a training run: unchanged, not copied").isNull();

    nests.writesArchive(true);
    byte[] copy = nests.transform(null, null, TARGET + "$Nested", null, null, nested);
    assertThat(copy).isEqualTo(nested).isNotSameAs(nested);
    assertThat(nests.transform(null, null, "some/Other", null, null, nested)).isNull();
  }

  private byte[] load(String internalName) {
    try {
      return transformer.transform(null, getClass().getClassLoader(), internalName, null, null, classFile());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] classFile() throws IOException {
    try (InputStream in = Target.class.getResourceAsStream("/" + TARGET + ".class")) {
      return in.readAllBytes();
    }
  }

  /** Only what HookTransformer calls: loaded classes (Target among them), retransform, add/remove. */
  private Instrumentation fakeInstrumentation() {
    return (Instrumentation) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Instrumentation.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "getAllLoadedClasses" -> new Class<?>[] {String.class, Target.class};
          case "retransformClasses" -> {
            retransformed.add((Class<?>[]) args[0]);
            yield null;
          }
          case "addTransformer", "removeTransformer" -> method.getReturnType() == boolean.class ? true : null;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
