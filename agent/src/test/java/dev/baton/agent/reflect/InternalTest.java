package dev.baton.agent.reflect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.agent.log.Log;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How one {@link Internal} resolves: the first form the running version has wins, a field or a method, old name or
 * new; with none, one warning naming the version and what is lost, then {@link Internal.Missing}, which
 * {@link Log#error} does not report again.
 */
class InternalTest {

  /** A class standing in for two versions of a framework: the old name and the new. */
  static final class Versioned {
    private int count = 7;

    int currentCount() {
      return count + 1;
    }
  }

  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private PrintStream originalErr;

  @BeforeEach
  void captureStderr() {
    originalErr = System.err;
    System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStderr() {
    System.setErr(originalErr);
  }

  @Test
  void theFirstFormTheRunningVersionHasWinsMethodOrField() throws Exception {
    Internal newName = Internal.of("Test", Versioned.class.getName()).method("currentCount").field("count");
    Internal oldName = Internal.of("Test", Versioned.class.getName()).method("gone").field("count");

    assertThat(newName.resolve(getClass().getClassLoader())).isInstanceOf(Method.class);
    assertThat(newName.get(new Versioned())).isEqualTo(8);
    assertThat(oldName.resolve(getClass().getClassLoader())).isInstanceOf(Field.class);
    assertThat(oldName.get(new Versioned())).isEqualTo(7);
    assertThat(output()).isEmpty();
  }

  @Test
  void aMemberTheJdkLacksTurnsItsFeatureOffWithOneWarningNamingTheJdk() {
    Internal missing = Internal.jdk("sun.nio.ch.Net").method("noSuchMethod", int.class).field("noSuchField")
        .lost("a test feature is off");

    assertThat(missing.isPresent(null)).isFalse();
    assertThatThrownBy(() -> missing.get(new Object())).isInstanceOf(Internal.Missing.class);
    assertThatThrownBy(() -> missing.resolve(null)).isInstanceOf(Internal.Missing.class);

    assertThat(lines()).containsExactly("baton-agent: warning: JDK " + System.getProperty("java.runtime.version")
        + ": sun.nio.ch.Net has neither method noSuchMethod(int) nor field noSuchField; a test feature is off");
  }

  @Test
  void aFrameworkMemberGoneNamesTheFrameworkVersionFromItsJar() {
    Internal missing = Internal.of("Undertow", "io.undertow.Undertow").field("renamedSince").lost("its drain is off");

    assertThat(missing.isPresent(getClass().getClassLoader())).isFalse();

    assertThat(lines()).containsExactly("baton-agent: warning: Undertow " + io.undertow.Undertow.class.getPackage()
        .getImplementationVersion() + ": io.undertow.Undertow has no field renamedSince; its drain is off");
    assertThat(lines().get(0)).matches(".*Undertow 2\\.\\d+\\.\\d+\\.Final: .*");
  }

  @Test
  void aMissingInternalIsNotReportedAgainAsAnError() {
    Internal missing = Internal.of("Test", Versioned.class.getName()).method("absent").lost("nothing much");
    Throwable thrown = null;
    try {
      missing.invoke(new Versioned());
    } catch (Throwable t) {
      thrown = t;
    }

    Log.error("using a missing internal", thrown);
    Log.error("something else failing", new IllegalStateException("real"));

    assertThat(thrown).isInstanceOf(Internal.Missing.class);
    assertThat(lines()).hasSize(2);
    assertThat(lines().get(0)).startsWith("baton-agent: warning: Test ").endsWith(": " + Versioned.class.getName()
        + " has no method absent(); nothing much");
    assertThat(lines().get(1)).isEqualTo("baton-agent: error: something else failing: java.lang.IllegalStateException: real");
  }

  private String output() {
    return stderr.toString(StandardCharsets.UTF_8);
  }

  private List<String> lines() {
    return output().lines().toList();
  }
}
