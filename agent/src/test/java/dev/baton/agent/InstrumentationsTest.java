package dev.baton.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.inject.BatonInstrumentation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The registry that picks an instrumentation by class name ({@link Instrumentations}, one line per framework), each
 * framework's switch and its list of all its instrumentations agree, both ways: a class the switch rewrites is in
 * the list (what the tests check injection against), and a listed one is what the registry picks for its class.
 */
class InstrumentationsTest {

  @Test
  void theRegistryRoutesEveryListedInstrumentationToItself() {
    List<BatonInstrumentation> all = AllInstrumentations.all();
    assertThat(all).hasSizeGreaterThan(30);

    for (BatonInstrumentation instrumentation : all) {
      BatonInstrumentation found = AllInstrumentations.route(instrumentation.typeName());

      assertThat(found).as(instrumentation.typeName()).isNotNull();
      assertThat(found.getClass()).as(instrumentation.typeName()).isEqualTo(instrumentation.getClass());
      assertThat(found.typeName()).isEqualTo(instrumentation.typeName());
    }
  }

  @Test
  void everyClassASwitchRewritesIsListed() {
    for (Class<?> frameworkSwitch : AllInstrumentations.switches()) {
      Set<String> listed = AllInstrumentations.all(frameworkSwitch).stream().map(BatonInstrumentation::typeName)
          .collect(Collectors.toSet());
      Set<String> labels = AllInstrumentations.caseLabels(frameworkSwitch);

      assertThat(labels).as(frameworkSwitch.getSimpleName() + ".forType's class names").isNotEmpty();
      assertThat(listed).as(frameworkSwitch.getSimpleName() + ".all()").containsAll(labels);
      for (String label : labels) {
        assertThat(AllInstrumentations.route(label)).as(label).isNotNull();
      }
    }
  }

  @Test
  void everyInstrumentationClassOfTheAgentIsListed() throws IOException {
    Set<String> listed = AllInstrumentations.all().stream().map(i -> i.getClass().getName()).collect(Collectors.toSet());
    Path classes = Path.of("target", "classes");
    try (Stream<Path> files = Files.walk(classes.resolve("dev/baton/agent"))) {
      List<String> instrumentations = files.map(classes::relativize).map(Path::toString)
          .filter(name -> name.endsWith(".class") && !name.contains("$") && !name.contains("/shaded/"))
          .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
          .filter(InstrumentationsTest::isInstrumentation)
          .toList();

      assertThat(instrumentations).hasSizeGreaterThan(20);
      assertThat(listed).containsAll(instrumentations);
    }
  }

  @Test
  void eachClassHasOneInstrumentation() {
    List<String> names = AllInstrumentations.all().stream().map(BatonInstrumentation::typeName).toList();

    assertThat(names).doesNotHaveDuplicates();
  }

  @Test
  void theNestOfARewrittenClassIsItsTopLevelClassAndEveryClassNestedInIt() {
    Instrumentations instrumentations = new Instrumentations();

    assertThat(instrumentations.inNestOfTarget("sun/net/httpserver/ServerImpl")).isTrue();
    assertThat(instrumentations.inNestOfTarget("sun/net/httpserver/ServerImpl$Dispatcher")).isTrue();
    assertThat(instrumentations.inNestOfTarget("sun/net/httpserver/ServerImpl$Exchange$LinkHandler")).isTrue();
    // The target is nested itself: its top-level class and siblings share its nest.
    assertThat(instrumentations.inNestOfTarget("reactor/netty/transport/ServerTransport")).isTrue();
    assertThat(instrumentations.inNestOfTarget("reactor/netty/transport/ServerTransport$Acceptor")).isTrue();
    assertThat(instrumentations.inNestOfTarget("sun/net/httpserver/ServerImplementation")).isFalse();
    assertThat(instrumentations.inNestOfTarget("java/lang/String")).isFalse();
  }

  @Test
  void theNestsCoverEveryInstrumentationOfEveryFramework() {
    Instrumentations instrumentations = new Instrumentations();

    for (BatonInstrumentation instrumentation : AllInstrumentations.all()) {
      String name = instrumentation.typeName();
      String topLevel = name.contains("$") ? name.substring(0, name.indexOf('$')) : name;

      assertThat(instrumentations.inNestOfTarget(name)).as(name).isTrue();
      assertThat(instrumentations.inNestOfTarget(topLevel + "$Nested")).as(topLevel + "$Nested").isTrue();
    }
  }

  @Test
  void otherClassesAreLeftAlone() {
    assertThat(AllInstrumentations.route("java/lang/String")).isNull();
    assertThat(AllInstrumentations.route("sun/nio/ch/ServerSocketChannelImpl$1")).isNull();
    assertThat(AllInstrumentations.route("io/netty/channel/nio/NioEventLoop")).isNull();
    assertThat(AllInstrumentations.route("org/apache/commons/logging/Log")).isNull();
    assertThat(AllInstrumentations.route("")).isNull();
  }

  /** A class of the agent that rewrites a target class (the generic {@code CreatedInstrumentation} aside). */
  private static boolean isInstrumentation(String className) {
    try {
      Class<?> type = Class.forName(className, false, InstrumentationsTest.class.getClassLoader());
      return BatonInstrumentation.class.isAssignableFrom(type) && !type.isInterface()
          && !type.getSimpleName().equals("CreatedInstrumentation");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
