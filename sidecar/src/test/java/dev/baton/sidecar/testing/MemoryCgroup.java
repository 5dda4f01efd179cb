package dev.baton.sidecar.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.awaitility.Awaitility;

import dev.baton.sidecar.memory.CgroupMemory;
import dev.baton.testkit.signal.Signals;

/**
 * A memory-limited cgroup (v1) for a test: made below this JVM's own memory cgroup (so its usage is
 * charged where ours is), with {@code memory.limit_in_bytes} set and swap forbidden, and removed again
 * on close. Processes enter it through {@link #prefix()}, before they exec: everything they start is
 * in it too, as in a container.
 */
public final class MemoryCgroup implements AutoCloseable {
    private final Path dir;

    private MemoryCgroup(Path dir) {
        this.dir = dir;
    }

    /** Why a memory cgroup cannot be made here, or null when it can. */
    public static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not root: cannot make a memory cgroup";
        }
        var own = CgroupMemory.ofThisProcess();
        if (own.isEmpty() || own.get().version() != CgroupMemory.Version.V1) {
            return "no cgroup v1 memory controller here (" + own.map(CgroupMemory::describe).orElse("none") + ")";
        }
        if (!Files.isWritable(own.get().directory())) {
            return own.get().directory() + " is not writable";
        }
        return null;
    }

    public static MemoryCgroup create(String name, long limitBytes) throws IOException {
        String why = unavailable();
        if (why != null) {
            throw new IllegalStateException(why);
        }
        Path parent = CgroupMemory.ofThisProcess().orElseThrow().directory();
        Path dir = Files.createDirectory(parent.resolve("baton-test-" + name + "-" + ProcessHandle.current().pid() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt())));
        MemoryCgroup cgroup = new MemoryCgroup(dir);
        cgroup.write("memory.limit_in_bytes", limitBytes);
        if (Files.exists(dir.resolve("memory.memsw.limit_in_bytes"))) {
            cgroup.write("memory.memsw.limit_in_bytes", limitBytes); // no swapping out of the limit: the OOM killer decides
        }
        cgroup.write("memory.swappiness", 0);
        return cgroup;
    }

    public Path directory() {
        return dir;
    }

    /** {@code sh -c 'echo $$ > …/cgroup.procs && exec "$@"' sh}: put before a command to run it in this cgroup. */
    public List<String> prefix() {
        return List.of("sh", "-c", "echo $$ > '" + dir.resolve("cgroup.procs") + "' && exec \"$@\"", "sh");
    }

    /** How often the kernel's OOM killer killed a process in this cgroup. */
    public long oomKills() throws IOException {
        return keyValue("memory.oom_control", "oom_kill");
    }

    /** The highest usage so far (memory.max_usage_in_bytes). */
    public long maxUsage() throws IOException {
        return Long.parseLong(Files.readAllLines(dir.resolve("memory.max_usage_in_bytes")).get(0).trim());
    }

    public List<Long> pids() throws IOException {
        return Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).map(Long::parseLong).toList();
    }

    /** Kills whatever is left in it, then removes it. */
    @Override
    public void close() throws IOException {
        for (long pid : pids()) {
            Signals.send(pid, "KILL");
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pids().isEmpty());
        Files.delete(dir);
    }

    private void write(String file, long value) throws IOException {
        Files.writeString(dir.resolve(file), Long.toString(value));
    }

    private long keyValue(String file, String key) throws IOException {
        for (String line : Files.readAllLines(dir.resolve(file))) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2 && kv[0].equals(key)) {
                return Long.parseLong(kv[1]);
            }
        }
        throw new IOException(dir.resolve(file) + " has no " + key);
    }
}
