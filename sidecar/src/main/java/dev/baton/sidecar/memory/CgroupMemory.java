package dev.baton.sidecar.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The memory controller of the cgroup this process runs in — in a container, the container's: its
 * limit, what is charged to it now, and how often the kernel OOM-killed in it. {@code baton} and its
 * workers share it, so this is the budget a reload's extra generation has to fit in.
 *
 * <p>Found the way the JDK finds it ({@code CgroupSubsystemFactory}): {@code /proc/self/cgroup} names the
 * cgroup path, {@code /proc/self/mountinfo} where its hierarchy is mounted and which part of it the mount
 * shows (a container's cgroup namespace shows its own cgroup as the mount's root). A v1 hierarchy with the
 * memory controller wins over v2, as on hosts that mount both ("hybrid": there v2 has no memory controller).
 *
 * <table>
 * <tr><th></th><th>cgroup v1</th><th>cgroup v2</th></tr>
 * <tr><td>limit</td><td>{@code memory.limit_in_bytes}, and {@code hierarchical_memory_limit} in
 * {@code memory.stat} (an ancestor's)</td><td>{@code memory.max} ("max": none) of this cgroup and every
 * ancestor up to the mount's root</td></tr>
 * <tr><td>usage</td><td>{@code memory.usage_in_bytes}</td><td>{@code memory.current}</td></tr>
 * <tr><td>inactive page cache</td><td>{@code total_inactive_file} in {@code memory.stat}</td><td>{@code inactive_file}
 * in {@code memory.stat}</td></tr>
 * <tr><td>OOM kills</td><td>{@code oom_kill} in {@code memory.oom_control} (Linux 4.13+)</td><td>{@code oom_kill} in
 * {@code memory.events}</td></tr>
 * </table>
 *
 * <p>The working set — usage minus the inactive page cache, which the kernel drops before it OOM-kills —
 * is what the kubelet calls a container's memory, and what a new generation must fit beside.
 */
public final class CgroupMemory {
    /** v1 reports "no limit" as a huge page-aligned number (LONG_MAX rounded down to a page). */
    private static final long V1_UNLIMITED_ABOVE = Long.MAX_VALUE / 2;

    public enum Version { V1, V2 }

    private final Version version;
    private final Path directory;
    /** v2 only: this cgroup's directory and its ancestors up to the mount's root, nearest first. */
    private final List<Path> lineage;

    private CgroupMemory(Version version, Path directory, List<Path> lineage) {
        this.version = version;
        this.directory = directory;
        this.lineage = lineage;
    }

    /** This process's memory cgroup, or empty where there is none (no cgroup mounted, no memory controller). */
    public static Optional<CgroupMemory> ofThisProcess() {
        return locate(Path.of("/proc/self/cgroup"), Path.of("/proc/self/mountinfo"));
    }

    /**
     * The memory cgroup that {@code procCgroup} (a {@code /proc/PID/cgroup}) names, found through
     * {@code mountinfo}; empty when either cannot be read or shows no memory controller.
     */
    public static Optional<CgroupMemory> locate(Path procCgroup, Path mountinfo) {
        List<String> cgroupLines;
        List<String> mountLines;
        try {
            cgroupLines = readLines(procCgroup);
            mountLines = readLines(mountinfo);
        } catch (IOException e) {
            return Optional.empty();
        }
        String v1Path = null;
        String v2Path = null;
        for (String line : cgroupLines) {
            // hierarchy-ID:controller-list:cgroup-path (the path may itself contain ':')
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (!"0".equals(f[0]) && List.of(f[1].split(",")).contains("memory")) {
                v1Path = f[2];
            } else if ("0".equals(f[0]) && f[1].isEmpty()) {
                v2Path = f[2];
            }
        }
        for (String line : mountLines) {
            Mount m = Mount.parse(line);
            if (m == null) {
                continue;
            }
            if (v1Path != null && "cgroup".equals(m.fsType) && List.of(m.superOptions.split(",")).contains("memory")) {
                Path dir = m.directoryOf(v1Path);
                return Files.isReadable(dir.resolve("memory.usage_in_bytes"))
                        ? Optional.of(new CgroupMemory(Version.V1, dir, List.of(dir))) : Optional.empty();
            }
        }
        if (v1Path != null) {
            return Optional.empty(); // the memory controller is in v1 but not mounted: nothing to read
        }
        for (String line : mountLines) {
            Mount m = Mount.parse(line);
            if (m != null && v2Path != null && "cgroup2".equals(m.fsType)) {
                Path dir = m.directoryOf(v2Path);
                if (!Files.isReadable(dir.resolve("memory.current"))) {
                    return Optional.empty(); // the root cgroup, or a v2 hierarchy without the memory controller
                }
                List<Path> lineage = new ArrayList<>();
                for (Path p = dir; p != null && p.startsWith(m.mountPoint); p = p.getParent()) {
                    lineage.add(p);
                }
                return Optional.of(new CgroupMemory(Version.V2, dir, List.copyOf(lineage)));
            }
        }
        return Optional.empty();
    }

    public Version version() {
        return version;
    }

    public Path directory() {
        return directory;
    }

    /** "cgroup v2 /sys/fs/cgroup/kubepods/…": for log lines and /status. */
    public String describe() {
        return "cgroup " + version.name().toLowerCase(java.util.Locale.ROOT) + " " + directory;
    }

    /** The lowest limit that applies (this cgroup's or an ancestor's); empty when there is none. */
    public OptionalLong limit() throws IOException {
        long lowest = Long.MAX_VALUE;
        if (version == Version.V1) {
            lowest = readLong(directory.resolve("memory.limit_in_bytes"));
            Long hierarchical = stat().get("hierarchical_memory_limit");
            if (hierarchical != null) {
                lowest = Math.min(lowest, hierarchical);
            }
            return lowest >= V1_UNLIMITED_ABOVE ? OptionalLong.empty() : OptionalLong.of(lowest);
        }
        for (Path dir : lineage) {
            Path max = dir.resolve("memory.max");
            if (Files.isReadable(max)) {
                String text = readFirstLine(max);
                if (!"max".equals(text)) {
                    lowest = Math.min(lowest, parseLong(text, max));
                }
            }
        }
        return lowest == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(lowest);
    }

    /** Everything charged to the cgroup now, page cache included. */
    public long usage() throws IOException {
        return readLong(directory.resolve(version == Version.V1 ? "memory.usage_in_bytes" : "memory.current"));
    }

    /** Usage minus the inactive page cache: what the kernel cannot just drop before it OOM-kills. */
    public long workingSet() throws IOException {
        long usage = usage();
        Long inactive = stat().get(version == Version.V1 ? "total_inactive_file" : "inactive_file");
        return inactive == null ? usage : Math.max(0, usage - inactive);
    }

    /** How often the kernel's OOM killer killed a process in this cgroup; empty where the kernel does not say. */
    public OptionalLong oomKills() {
        Path file = directory.resolve(version == Version.V1 ? "memory.oom_control" : "memory.events");
        try {
            Long kills = keyValues(file).get("oom_kill");
            return kills == null ? OptionalLong.empty() : OptionalLong.of(kills);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    private Map<String, Long> stat() throws IOException {
        try {
            return keyValues(directory.resolve("memory.stat"));
        } catch (java.nio.file.NoSuchFileException e) {
            return Map.of(); // no page cache figures: the usage is the working set
        }
    }

    // ---------------------------------------------------------------- reading cgroupfs and procfs

    /** "key value" lines, as in memory.stat, memory.events and memory.oom_control. */
    static Map<String, Long> keyValues(Path file) throws IOException {
        Map<String, Long> values = new TreeMap<>();
        for (String line : readLines(file)) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2) {
                try {
                    values.put(kv[0], Long.parseLong(kv[1]));
                } catch (NumberFormatException ignored) {
                    // not a number: not one we read
                }
            }
        }
        return values;
    }

    private static long readLong(Path file) throws IOException {
        return parseLong(readFirstLine(file), file);
    }

    private static long parseLong(String text, Path file) throws IOException {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException(file + " holds '" + text + "', not a number of bytes");
        }
    }

    private static String readFirstLine(Path file) throws IOException {
        List<String> lines = readLines(file);
        return lines.isEmpty() ? "" : lines.get(0).trim();
    }

    /** Line by line: procfs and cgroupfs report a size of 0 or 4096, not their content's, so never trust it. */
    static List<String> readLines(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** One line of /proc/PID/mountinfo: "id parent maj:min root mount-point options [optional…] - fstype source super-options". */
    private record Mount(String root, Path mountPoint, String fsType, String superOptions) {
        static Mount parse(String line) {
            String[] halves = line.split(" - ", 2);
            if (halves.length < 2) {
                return null;
            }
            String[] left = halves[0].split(" ");
            String[] right = halves[1].split(" ");
            if (left.length < 5 || right.length < 3) {
                return null;
            }
            return new Mount(unescape(left[3]), Path.of(unescape(left[4])), right[0], right[2]);
        }

        /**
         * The directory of {@code cgroupPath} under this mount. The mount shows the hierarchy from
         * {@code root} down: a path below the root is relative to it, and the root itself (a container's own
         * cgroup, bind-mounted or namespaced) is the mount point, as in the JDK's {@code CgroupV1Controller}.
         */
        Path directoryOf(String cgroupPath) {
            String relative;
            if ("/".equals(root)) {
                relative = cgroupPath;
            } else if (cgroupPath.equals(root)) {
                relative = "";
            } else if (cgroupPath.startsWith(root + "/")) {
                relative = cgroupPath.substring(root.length());
            } else {
                relative = ""; // the path is outside what the mount shows (another namespace): the mount is ours
            }
            relative = relative.replaceAll("^/+", "");
            return relative.isEmpty() ? mountPoint : mountPoint.resolve(relative);
        }

        /** mountinfo escapes space, tab, newline and backslash as \ooo. */
        private static String unescape(String field) {
            if (field.indexOf('\\') < 0) {
                return field;
            }
            StringBuilder out = new StringBuilder(field.length());
            for (int i = 0; i < field.length(); i++) {
                char c = field.charAt(i);
                if (c == '\\' && i + 3 < field.length()
                        && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                    out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                    i += 3;
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }
    }
}
