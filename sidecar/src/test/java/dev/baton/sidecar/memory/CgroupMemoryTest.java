package dev.baton.sidecar.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding and reading the memory cgroup: cgroup v2 and v1 on fake {@code /sys/fs/cgroup} trees with the
 * {@code /proc/self/cgroup} and {@code mountinfo} lines real hosts and containers have, and the real one
 * of this process.
 */
class CgroupMemoryTest {
    @TempDir
    Path tmp;

    /** A Kubernetes pod on a cgroup v2 node: a private cgroup namespace shows the container's cgroup as "/". */
    @Test
    void cgroupV2InAContainerReadsLimitWorkingSetAndOomKills() throws IOException {
        Path mount = tmp.resolve("sys/fs/cgroup");
        write(mount.resolve("memory.max"), "377487360\n");
        write(mount.resolve("memory.current"), "268435456\n");
        write(mount.resolve("memory.stat"), "anon 201326592\nfile 62914560\nactive_file 20971520\ninactive_file 41943040\n");
        write(mount.resolve("memory.events"), "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 1\n");
        CgroupMemory m = locate("0::/\n", "1276 1262 0:29 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate,memory_recursiveprot\n");

        assertThat(m.version()).isEqualTo(CgroupMemory.Version.V2);
        assertThat(m.directory()).isEqualTo(mount);
        assertThat(m.limit()).hasValue(377487360);
        assertThat(m.usage()).isEqualTo(268435456);
        assertThat(m.workingSet()).as("usage minus inactive_file").isEqualTo(268435456 - 41943040);
        assertThat(m.oomKills()).hasValue(2);
    }

    /** On the host (no cgroup namespace) a process deep in the tree; the pod's limit is an ancestor's, the container's "max". */
    @Test
    void cgroupV2TakesTheLowestLimitOfTheCgroupAndItsAncestors() throws IOException {
        Path mount = tmp.resolve("sys/fs/cgroup");
        Path pod = mount.resolve("kubepods.slice/kubepods-pod1.slice");
        Path container = pod.resolve("cri-containerd-abc.scope");
        write(mount.resolve("kubepods.slice/memory.max"), "max\n");
        write(pod.resolve("memory.max"), "536870912\n");
        write(container.resolve("memory.max"), "max\n");
        write(container.resolve("memory.current"), "1000\n");
        write(container.resolve("memory.stat"), "inactive_file 0\n");
        CgroupMemory m = locate("0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope\n",
                "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw\n");

        assertThat(m.directory()).isEqualTo(container);
        assertThat(m.limit()).hasValue(536870912);
        assertThat(m.oomKills()).as("no memory.events").isEmpty();
    }

    @Test
    void cgroupV2WithoutAnyLimitHasNone() throws IOException {
        Path mount = tmp.resolve("sys/fs/cgroup");
        write(mount.resolve("user.slice/memory.max"), "max\n");
        write(mount.resolve("user.slice/memory.current"), "1000\n");
        CgroupMemory m = locate("0::/user.slice\n", "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");

        assertThat(m.limit()).isEmpty();
        assertThat(m.workingSet()).as("no memory.stat: the usage").isEqualTo(1000);
    }

    /** The root cgroup of a v2 host has no memory.current (and no limit): nothing to hold reloads to. */
    @Test
    void theCgroupV2RootIsNotAMemoryCgroup() throws IOException {
        Files.createDirectories(tmp.resolve("sys/fs/cgroup"));
        assertThat(find("0::/\n", "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")).isNull();
    }

    /** A hybrid host like this one: v1 controllers, and a v2 hierarchy at /sys/fs/cgroup/unified without memory. */
    @Test
    void cgroupV1WinsOnAHybridHostAndAnAncestorsHierarchicalLimitCounts() throws IOException {
        Path memory = tmp.resolve("sys/fs/cgroup/memory");
        Path group = memory.resolve("process_api/7b09");
        write(group.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
        write(group.resolve("memory.usage_in_bytes"), "244318208\n");
        write(group.resolve("memory.stat"), "cache 1000\nrss 2000\nhierarchical_memory_limit 377487360\n"
                + "total_inactive_file 18350080\ntotal_active_file 100\n");
        write(group.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        String cgroup = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/7b09\n1:cpu:/\n0::/\n";
        String mountinfo = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                + "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
                + "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
                + "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
        CgroupMemory m = locate(cgroup, mountinfo);

        assertThat(m.version()).isEqualTo(CgroupMemory.Version.V1);
        assertThat(m.directory()).isEqualTo(group);
        assertThat(m.limit()).as("the ancestor's, through hierarchical_memory_limit").hasValue(377487360);
        assertThat(m.workingSet()).isEqualTo(244318208 - 18350080);
        assertThat(m.oomKills()).hasValue(3);
    }

    /** Docker on cgroup v1 bind-mounts the container's own cgroup: mountinfo's root is the cgroup path itself. */
    @Test
    void cgroupV1InADockerContainerIsTheMountPointItself() throws IOException {
        Path memory = tmp.resolve("sys/fs/cgroup/memory");
        write(memory.resolve("memory.limit_in_bytes"), "268435456\n");
        write(memory.resolve("memory.usage_in_bytes"), "1000\n");
        write(memory.resolve("memory.stat"), "total_inactive_file 0\n");
        CgroupMemory m = locate("12:memory:/docker/0123abcd\n",
                "1070 1061 0:33 /docker/0123abcd /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n");

        assertThat(m.directory()).isEqualTo(memory);
        assertThat(m.limit()).hasValue(268435456);
        assertThat(m.oomKills()).as("a kernel before 4.13 has no oom_kill line").isEmpty();
    }

    @Test
    void aMountPointWithASpaceIsUnescaped() throws IOException {
        Path mount = tmp.resolve("cgroup root");
        write(mount.resolve("memory.max"), "1048576\n");
        write(mount.resolve("memory.current"), "1\n");
        String escaped = tmp.resolve("cgroup\\040root").toString();
        CgroupMemory m = locate("0::/\n", "35 24 0:30 / " + escaped + " rw - cgroup2 cgroup2 rw\n");
        assertThat(m.limit()).hasValue(1048576);
    }

    @Test
    void noMemoryControllerAnywhereIsEmpty() throws IOException {
        assertThat(find("4:cpu:/\n", "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n")).isNull();
        assertThat(CgroupMemory.locate(tmp.resolve("missing"), tmp.resolve("missing"))).isEmpty();
    }

    /** This process's own memory cgroup, found as the JDK finds it, names the directory /proc/self/cgroup points at. */
    @Test
    void thisProcessesCgroupIsFoundAndReadable() throws IOException {
        var found = CgroupMemory.ofThisProcess();
        assumeTrue(found.isPresent(), "no memory cgroup mounted here");
        CgroupMemory m = found.get();
        String ownPath = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                .filter(l -> m.version() == CgroupMemory.Version.V1 ? l.matches("\\d+:([^:]*,)?memory(,[^:]*)?:.*") : l.startsWith("0::"))
                .findFirst().orElseThrow().replaceAll("^[^:]*:[^:]*:", "");
        assertThat(m.directory().toString()).endsWith(ownPath.equals("/") ? "" : ownPath);
        assertThat(m.usage()).isPositive();
        assertThat(m.workingSet()).isBetween(0L, m.usage());
        OptionalLong limit = m.limit();
        limit.ifPresent(l -> assertThat(l).isPositive());
    }

    private CgroupMemory locate(String procCgroup, String mountinfo) throws IOException {
        CgroupMemory m = find(procCgroup, mountinfo);
        assertThat(m).as("a memory cgroup").isNotNull();
        return m;
    }

    private CgroupMemory find(String procCgroup, String mountinfo) throws IOException {
        Path cgroupFile = write(tmp.resolve("proc/self/cgroup"), procCgroup);
        // the fake tree lives under tmp: point the mount points there
        String rebased = String.join("\n", mountinfo.lines().map(l -> l.contains(tmp.toString()) ? l
                : l.replace(" /sys/fs/cgroup", " " + tmp.resolve("sys/fs/cgroup"))).toList()) + "\n";
        Path mountFile = write(tmp.resolve("proc/self/mountinfo"), rebased);
        return CgroupMemory.locate(cgroupFile, mountFile).orElse(null);
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }
}
