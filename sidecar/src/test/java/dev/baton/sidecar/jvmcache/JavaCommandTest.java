package dev.baton.sidecar.jvmcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How baton reads a worker command for the cache (as the java launcher would), and what its key is made
 * of: each thing a cache depends on changes the key, and nothing else does.
 */
class JavaCommandTest {
    @TempDir
    Path dir;

    private Path java;
    private Path app;

    @BeforeEach
    void jdkAndApp() throws IOException {
        Path home = Files.createDirectories(dir.resolve("jdk"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"25.0.3\"\n");
        Files.createDirectories(home.resolve("lib/server"));
        Files.writeString(home.resolve("lib/modules"), "modules");
        Files.writeString(home.resolve("lib/server/libjvm.so"), "jvm");
        java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\n");
        java.toFile().setExecutable(true);
        Files.createDirectories(dir.resolve("lib"));
        jar(dir.resolve("lib/dep.jar"), null);
        app = jar(dir.resolve("app.jar"), "lib/dep.jar lib/other.jar");
        jar(dir.resolve("lib/other.jar"), null);
    }

    @Test
    void aJarCommandWithItsManifestClassPath() {
        JavaCommand c = cacheable(java.toString(), "-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-javaagent:/opt/agent.jar=drainTimeout=5s", "-jar", "app.jar", "--port", "8080");

        assertThat(c.jvmOptions()).containsExactly("-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-javaagent:/opt/agent.jar=drainTimeout=5s");
        assertThat(c.jvmOptionsWithoutAgents()).containsExactly("-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED");
        assertThat(c.classPathOption()).containsExactly("-cp", "app.jar");
        assertThat(c.classPath()).containsExactly(dir.resolve("app.jar"), dir.resolve("lib/dep.jar"), dir.resolve("lib/other.jar"));
        assertThat(c.launch()).containsExactly("-jar", "app.jar", "--port", "8080");
        assertThat(c.agentJars(Map.of("JAVA_TOOL_OPTIONS", "-javaagent:tool.jar"), dir))
                .containsExactly(Path.of("/opt/agent.jar"), dir.resolve("tool.jar"));
    }

    @Test
    void aClassPathWithAWildcardAndAMainClass() {
        JavaCommand c = cacheable(java.toString(), "-cp", "app.jar:lib/*", "com.example.Main", "-cp", "not-ours");

        assertThat(c.classPath()).containsExactly(dir.resolve("app.jar"), dir.resolve("lib/dep.jar"), dir.resolve("lib/other.jar"));
        assertThat(c.classPathOption()).containsExactly("-cp", "app.jar:lib/*");
        assertThat(c.jvmOptions()).isEmpty();
        assertThat(c.launch()).containsExactly("com.example.Main", "-cp", "not-ours");
    }

    @Test
    void javaFoundOnPath() {
        JavaCommand.Reading r = JavaCommand.read(List.of("java", "-jar", "app.jar"), Map.of(), dir, "/nonexistent:" + java.getParent());
        assertThat(r).isInstanceOfSatisfying(JavaCommand.Cacheable.class, c -> assertThat(c.command().launcher()).isEqualTo(java));
    }

    @Test
    void commandsWithoutACacheSayWhy() {
        assertThat(reason("sh", "-c", "exec java -jar app.jar")).contains("runs sh, not java");
        assertThat(reason("mvn", "exec:java")).contains("runs mvn, not java");
        assertThat(reason(java.toString(), "-m", "app/com.example.Main")).contains("runs a module");
        assertThat(reason(java.toString(), "@args.txt")).contains("@argfile");
        assertThat(reason(java.toString(), "-XX:AOTCache=app.aot", "-jar", "app.jar")).contains("its own class-data archive");
        assertThat(reason(java.toString(), "-Xshare:off", "-jar", "app.jar")).contains("its own class-data archive");
        assertThat(reason(java.toString(), "-cp", "lib:app.jar", "Main")).contains("the class path has a directory", "lib");
        assertThat(reason(java.toString(), "Main")).as("the default class path is the directory").contains("has a directory");
        assertThat(reason(java.toString(), "Main.java")).contains("source file");
        assertThat(reason(java.toString(), "-version")).contains("does not run an application");
        assertThat(JavaCommand.read(List.of(java.toString(), "-jar", "app.jar"), Map.of("JDK_JAVA_OPTIONS", "-XX:SharedArchiveFile=a.jsa"),
                dir, null)).isInstanceOfSatisfying(JavaCommand.NotCacheable.class, n -> assertThat(n.reason()).contains("JDK_JAVA_OPTIONS"));
    }

    @Test
    void theKeyChangesWithEveryInputAndOnlyWithThem() throws IOException {
        Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", "-javaagent:agent.jar", "HOME", "/root");
        Files.writeString(dir.resolve("agent.jar"), "agent 1");
        String base = key(env, "-Xmx256m", "-jar", "app.jar");

        assertThat(key(env, "-Xmx256m", "-jar", "app.jar")).as("the same inputs").isEqualTo(base);
        assertThat(key(Map.of("JAVA_TOOL_OPTIONS", "-javaagent:agent.jar", "HOME", "/home/x"), "-Xmx256m", "-jar", "app.jar"))
                .as("a variable that is no JVM option").isEqualTo(base);
        assertThat(key(env, "-Xmx512m", "-jar", "app.jar")).as("a JVM option").isNotEqualTo(base);
        assertThat(key(env, "-Xmx256m", "-jar", "app.jar", "--debug")).as("an argument").isNotEqualTo(base);
        assertThat(key(Map.of("JAVA_TOOL_OPTIONS", "-javaagent:agent.jar -Xss1m"), "-Xmx256m", "-jar", "app.jar"))
                .as("JAVA_TOOL_OPTIONS").isNotEqualTo(base);

        touch(dir.resolve("lib/other.jar"));
        String otherJar = key(env, "-Xmx256m", "-jar", "app.jar");
        assertThat(otherJar).as("a jar of the manifest's class path, newer").isNotEqualTo(base);

        Files.writeString(dir.resolve("agent.jar"), "agent 2, longer");
        String newAgent = key(env, "-Xmx256m", "-jar", "app.jar");
        assertThat(newAgent).as("another agent jar").isNotEqualTo(otherJar);

        Files.writeString(java.getParent().getParent().resolve("release"), "JAVA_VERSION=\"25.0.4\"\n");
        String newJdk = key(env, "-Xmx256m", "-jar", "app.jar");
        assertThat(newJdk).as("a JDK updated in place").isNotEqualTo(newAgent);

        Path copy = dir.resolve("app-copy.jar");
        Files.copy(app, copy);
        Files.setLastModifiedTime(copy, Files.getLastModifiedTime(app));
        Files.move(copy, app, StandardCopyOption.REPLACE_EXISTING);
        assertThat(key(env, "-Xmx256m", "-jar", "app.jar")).as("the jar replaced by an equal one with its time kept")
                .isNotEqualTo(newJdk);
    }

    private String key(Map<String, String> env, String... args) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of(java.toString()));
        argv.addAll(List.of(args));
        JavaCommand c = ((JavaCommand.Cacheable) JavaCommand.read(argv, env, dir, null)).command();
        JavaRuntime runtime = JavaRuntime.of(c.launcher()).orElseThrow();
        assertThat(runtime.feature()).isEqualTo(25);
        return CacheKey.of(c, runtime, CacheKind.of(runtime).orElseThrow(), env, dir).id();
    }

    private JavaCommand cacheable(String... argv) {
        JavaCommand.Reading r = JavaCommand.read(List.of(argv), Map.of(), dir, null);
        assertThat(r).isInstanceOf(JavaCommand.Cacheable.class);
        return ((JavaCommand.Cacheable) r).command();
    }

    private String reason(String... argv) {
        JavaCommand.Reading r = JavaCommand.read(List.of(argv), Map.of(), dir, null);
        assertThat(r).isInstanceOf(JavaCommand.NotCacheable.class);
        return ((JavaCommand.NotCacheable) r).reason();
    }

    private static void touch(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 60_000));
    }

    private static Path jar(Path path, String classPath) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) {
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        }
        try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
        return path;
    }
}
