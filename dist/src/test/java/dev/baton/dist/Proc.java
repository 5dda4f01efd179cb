package dev.baton.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Real commands, as a user would type them: run to the end, or started and read line by line. */
final class Proc {
    /** A finished command: its exit code and its output (stdout and stderr merged). */
    record Result(int exit, String output) {
        Result ok() {
            assertThat(exit).as("exit code; output:%n%s", output).isZero();
            return this;
        }
    }

    private Proc() {
    }

    static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        return run(timeout, Map.of(), List.of(command));
    }

    static Result run(Duration timeout, Map<String, String> env, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("proc", ".out");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
                        + "; output:\n" + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** True if {@code tool} is on PATH. */
    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static boolean root() {
        try {
            return "0".equals(run(Duration.ofSeconds(10), "id", "-u").output().strip());
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** A started process whose merged output is collected as it comes. */
    static final class Running implements AutoCloseable {
        final Process process;
        private final List<String> lines = new ArrayList<>();

        Running(List<String> command, Map<String, String> env) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(env);
            process = pb.start();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        add(line);
                    }
                } catch (IOException e) {
                    add("(output lost: " + e + ")");
                }
            }, "proc-output");
            reader.setDaemon(true);
            reader.start();
        }

        private synchronized void add(String line) {
            lines.add(line);
        }

        synchronized String output() {
            return String.join("\n", lines);
        }

        /** Signals the JVM under this process (an image's entrypoint, under buildah run's own processes). */
        void signalJava(String signal) throws IOException, InterruptedException {
            for (ProcessHandle h : process.descendants().toList()) {
                if (h.info().command().map(c -> c.endsWith("/java")).orElse(false)) {
                    run(Duration.ofSeconds(10), "kill", "-" + signal, Long.toString(h.pid())).ok();
                }
            }
        }

        int awaitExit(Duration timeout) throws InterruptedException {
            assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("exited within %s", timeout).isTrue();
            return process.exitValue();
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
