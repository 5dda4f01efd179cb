package dev.baton.sidecar.memory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a worker generation takes in memory, read from procfs: the peak of its private (anonymous)
 * resident memory, summed over the worker and every process it started (a launcher script's JVM).
 *
 * <p>Private, because that is what a second copy of the same program adds: the file-backed pages it maps
 * (the JDK's {@code libjvm.so}, the {@code modules} image, the jars) are page cache that the serving
 * generation already loaded and the cgroup charged once. Peak, because a generation grows to what the
 * serving one reached under the same load. procfs keeps the peak of the whole resident set
 * ({@code VmHWM}) but not of its private part, so the peak private memory is taken as
 * {@code max(RssAnon + RssShmem, VmHWM - RssFile)} — for a JVM whose heap is committed the two agree;
 * for one whose heap has shrunk since its peak the second is the larger.
 */
public final class ProcessMemory {
    private final Path proc;

    /** Reads {@code /proc}. */
    public ProcessMemory() {
        this(Path.of("/proc"));
    }

    /** Reads a procfs mounted (or laid out by a test) at {@code proc}. */
    public ProcessMemory(Path proc) {
        this.proc = proc;
    }

    /** The estimated peak private memory of these processes and all their descendants, in bytes; 0 if none is left. */
    public long peakPrivateBytes(Collection<Integer> roots) {
        long total = 0;
        for (int pid : withDescendants(roots)) {
            total += peakPrivateBytes(pid);
        }
        return total;
    }

    /** One process's estimate (see the class comment); 0 when it is gone or unreadable. */
    long peakPrivateBytes(int pid) {
        Map<String, Long> kb;
        try {
            kb = statusKilobytes(proc.resolve(Integer.toString(pid)).resolve("status"));
        } catch (IOException e) {
            return 0; // it exited meanwhile
        }
        long current = kb.getOrDefault("RssAnon", 0L) + kb.getOrDefault("RssShmem", 0L);
        long peak = kb.getOrDefault("VmHWM", 0L) - kb.getOrDefault("RssFile", 0L);
        return Math.max(current, peak) * 1024;
    }

    /** The pids given and every process below them, found through the parent pid in each {@code /proc/PID/stat}. */
    List<Integer> withDescendants(Collection<Integer> roots) {
        Map<Integer, List<Integer>> children = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path entry : entries) {
                int pid = Integer.parseInt(entry.getFileName().toString());
                int parent = parentOf(entry.resolve("stat"));
                if (parent > 0) {
                    children.computeIfAbsent(parent, k -> new ArrayList<>()).add(pid);
                }
            }
        } catch (IOException e) {
            return List.copyOf(roots);
        }
        List<Integer> all = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        Deque<Integer> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            int pid = todo.pop();
            if (seen.add(pid)) {
                all.add(pid);
                todo.addAll(children.getOrDefault(pid, List.of()));
            }
        }
        return all;
    }

    /** The 4th field of /proc/PID/stat, after the command name in parentheses (which may hold spaces and ')'). */
    private static int parentOf(Path stat) {
        try {
            List<String> lines = CgroupMemory.readLines(stat);
            if (lines.isEmpty()) {
                return -1;
            }
            String line = lines.get(0);
            String[] rest = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(rest[1]);
        } catch (IOException | RuntimeException e) {
            return -1; // gone meanwhile, or not a process
        }
    }

    /** "Key:   1234 kB" lines of /proc/PID/status, in kB. */
    private static Map<String, Long> statusKilobytes(Path status) throws IOException {
        Map<String, Long> values = new HashMap<>();
        for (String line : CgroupMemory.readLines(status)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.endsWith(" kB")) {
                try {
                    values.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1, line.length() - 3).trim()));
                } catch (NumberFormatException ignored) {
                    // not a size
                }
            }
        }
        return values;
    }
}
