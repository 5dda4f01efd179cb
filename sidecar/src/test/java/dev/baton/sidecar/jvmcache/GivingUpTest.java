package dev.baton.sidecar.jvmcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache the JVM does not use is removed and trained again once; the second time its key is given up on,
 * and the {@code failed} file keeps it so for the next baton. Driven as the supervisor drives {@link
 * ManagedJvmCache}, with the JDK running this test as the worker's {@code java}; the generations "started
 * with the cache" are real processes that do not map it, which is what baton sees of a JVM that rejected it.
 */
class GivingUpTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream originalErr;
    private Process worker;

    @BeforeEach
    void captureTheLog() {
        originalErr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(originalErr);
        originalErr.print(log.toString(StandardCharsets.UTF_8));
        if (worker != null) {
            worker.destroyForcibly();
        }
    }

    @Test
    void aCacheNotUsedTwiceIsGivenUpOnAndTheNextBatonKnows() throws Exception {
        Path root = tmp.resolve("jvm");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar(tmp.resolve("app.jar")).toString());
        ManagedJvmCache cache = new ManagedJvmCache(CacheDirectory.open(root, 1L << 30), tmp);

        JvmCache.Launch first = cache.launch(1, command, Map.of());
        assertThat(first.command()).as("generation 1 trains").hasSizeGreaterThan(command.size());
        Path key;
        try (Stream<Path> keys = Files.list(root)) {
            key = keys.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        Path cacheFile = key.resolve(CacheKind.of(JavaRuntime.of(Path.of(command.get(0))).orElseThrow()).orElseThrow().cacheFile);

        for (int generation = 2; generation <= 3; generation++) {
            Files.write(cacheFile, new byte[4096]); // as if built
            JvmCache.Launch used = cache.launch(generation, command, Map.of());
            assertThat(used.command()).as("generation %d starts with the cache", generation)
                    .anyMatch(arg -> arg.contains(cacheFile.getFileName().toString()));
            worker = new ProcessBuilder("sleep", "60").start(); // up, but the cache not mapped
            used.started((int) worker.pid());
            used.ready();
            awaitThat(() -> !Files.exists(cacheFile), "the cache of generation " + generation + " is removed");
            worker.destroyForcibly().waitFor();
        }
        awaitThat(() -> Files.exists(key.resolve("failed")), "the key is marked failed");
        List<String> warnings = log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("baton: warning:")).toList();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("generation 2 did not use it: the JVM rejected it", "a later generation trains it again");
        assertThat(warnings.get(1)).contains("generation 3 did not use it", "(the second time)", "generations start without a cache",
                "delete " + key.resolve("failed"));
        assertThat(cache.launch(4, command, Map.of()).command()).as("given up: the worker's own command").isEqualTo(command);
        cache.close();

        ManagedJvmCache restarted = new ManagedJvmCache(CacheDirectory.open(root, 1L << 30), tmp);
        assertThat(restarted.launch(1, command, Map.of()).command()).as("the next baton neither trains nor uses it")
                .isEqualTo(command);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("jvm cache: none for this command line: ",
                "failed before (generation 3 did not use it", "delete " + key.resolve("failed") + " to try again");
        restarted.close();
    }

    private static void awaitThat(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 60 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static Path jar(Path file) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "App");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(file), manifest)) {
            return file;
        }
    }
}
