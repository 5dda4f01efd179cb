package dev.baton.agent.tooling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The switch that picks an instrumentation by class name and the list of all of them agree. */
class InstrumentationsTest {

  private final Instrumentations instrumentations = new Instrumentations();

  @Test
  void everyInstrumentationIsFoundByItsOwnTypeName() {
    for (BatonInstrumentation instrumentation : Instrumentations.all()) {
      BatonInstrumentation found = instrumentations.forType(instrumentation.typeName());

      assertThat(found).as(instrumentation.typeName()).isNotNull();
      assertThat(found.getClass()).as(instrumentation.typeName()).isEqualTo(instrumentation.getClass());
      assertThat(found.typeName()).isEqualTo(instrumentation.typeName());
    }
  }

  @Test
  void eachClassHasOneInstrumentation() {
    List<String> names = Instrumentations.all().stream().map(BatonInstrumentation::typeName).toList();

    assertThat(names).doesNotHaveDuplicates();
  }

  @Test
  void theNestOfARewrittenClassIsItsTopLevelClassAndEveryClassNestedInIt() {
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
  void otherClassesAreLeftAlone() {
    assertThat(instrumentations.forType("java/lang/String")).isNull();
    assertThat(instrumentations.forType("sun/nio/ch/ServerSocketChannelImpl$1")).isNull();
    assertThat(instrumentations.forType("")).isNull();
  }
}
