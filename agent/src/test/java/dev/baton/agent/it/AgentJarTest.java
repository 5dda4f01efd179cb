package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The shaded agent jar as users get it: nothing outside {@code dev/baton/} that an application's class
 * loader could pick up instead of its own classes (ByteBuddy and ASM relocated, no multi-release copies
 * left unrelocated), and the manifest the JVM needs.
 */
class AgentJarTest {

  @Test
  void everyClassIsUnderTheAgentsOwnPackage() throws Exception {
    try (JarFile jar = new JarFile(Workers.AGENT_JAR.toFile())) {
      List<String> classes = jar.stream().map(JarEntry::getName).filter(name -> name.endsWith(".class")).toList();
      assertThat(classes).as("classes in the agent jar").isNotEmpty()
          .allSatisfy(name -> assertThat(name).startsWith("dev/baton/agent/"));
      assertThat(classes).as("ASM relocated with ByteBuddy")
          .anySatisfy(name -> assertThat(name).startsWith("dev/baton/agent/shaded/net/bytebuddy/jar/asm/"));
      assertThat(jar.stream().map(JarEntry::getName))
          .as("no service files or multi-release entries an application would see")
          .noneMatch(name -> name.startsWith("META-INF/services/") || name.startsWith("META-INF/versions/"));
    }
  }

  @Test
  void manifestNamesTheAgentClass() throws Exception {
    try (JarFile jar = new JarFile(Workers.AGENT_JAR.toFile())) {
      Attributes main = jar.getManifest().getMainAttributes();
      assertThat(main.getValue("Premain-Class")).isEqualTo("dev.baton.agent.BatonAgent");
      assertThat(main.getValue("Can-Retransform-Classes")).isEqualTo("true");
      assertThat(main.getValue("Multi-Release")).as("not multi-release").isNull();
      assertThat(main.getValue("Boot-Class-Path")).as("nothing on the boot class path").isNull();
    }
  }
}
