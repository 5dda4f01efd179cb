package dev.baton.sidecar.testing;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.Signals;

/**
 * A real {@code baton} process for tests: started from this module's classes in its own JVM (or any
 * supervisor command: {@code bin/start_server}, Perl's start_server), with its stderr (the
 * supervisor's log, and the workers') collected line by line, each with the time it was read.
 */
public final class BatonProcess implements AutoCloseable {
    public static final Duration PATIENCE = Duration.ofSeconds(30);

    /** One line of output and when it was read ({@link System#nanoTime()}). */
    public record Line(long nanos, String text) {
    }

    private final Process process;
    private final List<Line> lines = new CopyOnWriteArrayList<>();

    private BatonProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(new Line(System.nanoTime(), line));
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "baton-log-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code baton ARGS}; stdout and stderr are merged into {@link #log()}. */
    public static BatonProcess start(List<String> args) throws IOException {
        return start(List.of(), args, null);
    }

    /** Like {@link #start(List)}, with a prefix before java (e.g. {@code nohup}) and extra environment. */
    public static BatonProcess start(List<String> prefix, List<String> args, java.util.Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(javaCommand());
        command.addAll(args);
        return run(command, env);
    }

    /** Runs {@code command} (a supervisor of any kind) with extra environment, collecting its output the same way. */
    public static BatonProcess run(List<String> command, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (env != null) {
            pb.environment().putAll(env);
        }
        return new BatonProcess(pb.start());
    }

    /** The command that runs the supervisor from this module's classes. */
    public static List<String> javaCommand() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), "dev.baton.sidecar.Baton");
    }

    /** The Perl echo worker's command line ({@code perl .../echo-worker.pl}). */
    public static List<String> echoWorker() {
        return List.of("perl", TestFiles.resource("workers/echo-worker.pl").toString());
    }

    public long pid() {
        return process.pid();
    }

    public List<String> log() {
        return lines.stream().map(Line::text).toList();
    }

    /** The log with the time each line was read. */
    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public String logText() {
        return String.join("\n", log());
    }

    public void signal(int signal) {
        Posix.libc().kill((int) process.pid(), signal);
    }

    public void hup() {
        signal(Signals.SIGHUP);
    }

    /** Waits for a log line matching {@code regex} (anywhere in the line) and returns it. */
    public String awaitLog(String regex) {
        Pattern p = Pattern.compile(regex);
        try {
            await("log line /" + regex + "/").atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                    .until(() -> lines.stream().anyMatch(l -> p.matcher(l.text()).find()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no log line matching /" + regex + "/ within " + PATIENCE + "; the log:\n" + logText(), e);
        }
        return log().stream().filter(l -> p.matcher(l).find()).findFirst().orElseThrow();
    }

    /** The pid in the "new worker PID (generation N) is ready" line of that generation. */
    public String readyPid(int generation) {
        return awaitLog("new worker \\d+ \\(generation " + generation + "\\) is ready").replaceAll("new worker (\\d+) .*", "$1");
    }

    /** Waits until baton reports that the worker with this pid has exited. */
    public void awaitGone(String pid) {
        awaitLog("worker " + pid + " died");
    }

    /** Number of log lines matching {@code regex}. */
    public long countLog(String regex) {
        Pattern p = Pattern.compile(regex);
        return lines.stream().filter(l -> p.matcher(l.text()).find()).count();
    }

    public int awaitExit() throws InterruptedException {
        if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("baton did not exit within " + PATIENCE + "; log:\n" + logText());
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** TERM, and KILL if it is still there after the patience runs out; also reaps leftover workers. */
    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        if (process.isAlive()) {
            signal(Signals.SIGTERM);
            if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
