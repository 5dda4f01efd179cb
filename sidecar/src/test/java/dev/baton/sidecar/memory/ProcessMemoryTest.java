package dev.baton.sidecar.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generation's peak private memory, from procfs: real processes, and the rule on a fake /proc. */
class ProcessMemoryTest {
    private static final long MIB = 1 << 20;

    /**
     * A shell that starts a Perl process touching 64 MiB: the shell's own estimate is small, the tree's
     * holds the child's 64 MiB (what a launcher script's JVM would hold), and nothing of the interpreter's
     * shared files (the perl binary and libc are file-backed).
     */
    @Test
    void aWorkersTreeCountsItsChildrensPrivateMemory() throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", "perl -e '$| = 1; $x = \"y\" x (64 * 1024 * 1024); print \"touched\\n\"; sleep 60'; true")
                .redirectErrorStream(true).start();
        try {
            assertThat(new String(shell.getInputStream().readNBytes(8))).isEqualTo("touched\n");
            ProcessMemory memory = new ProcessMemory();
            int shellPid = (int) shell.pid();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(memory.withDescendants(List.of(shellPid))).hasSize(2));

            long tree = memory.peakPrivateBytes(List.of(shellPid));
            long shellAlone = memory.peakPrivateBytes(shellPid);
            assertThat(shellAlone).isLessThan(8 * MIB);
            assertThat(tree).isBetween(64 * MIB, 140 * MIB); // perl builds the string in a temporary first: up to 2 copies
        } finally {
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
        }
    }

    @Test
    void aGoneProcessCountsNothing() {
        assertThat(new ProcessMemory().peakPrivateBytes(List.of(Integer.MAX_VALUE - 1))).isZero();
    }

    /** The peak is VmHWM minus the file-backed part, unless what is private now is larger. */
    @Test
    void thePeakIsTheHighWaterMarkLessFilePagesOrTheAnonymousMemoryNow(@TempDir Path proc) throws IOException {
        // a JVM whose heap has shrunk since its peak: 400 MB peak, 22 MB of it libjvm & co.
        process(proc, 10, 1, "java", "VmHWM:\t  409600 kB\nVmRSS:\t  300000 kB\nRssAnon:\t  277000 kB\nRssFile:\t   23000 kB\nRssShmem:\t       0 kB\n");
        // a child whose anonymous memory is all it ever had
        process(proc, 11, 10, "helper (x) y", "VmHWM:\t    2000 kB\nVmRSS:\t    2000 kB\nRssAnon:\t    1500 kB\nRssFile:\t     900 kB\nRssShmem:\t     100 kB\n");
        process(proc, 12, 1, "unrelated", "VmHWM:\t  999999 kB\nRssAnon:\t  999999 kB\n");
        ProcessMemory memory = new ProcessMemory(proc);

        assertThat(memory.peakPrivateBytes(10)).isEqualTo((409600 - 23000) * 1024L);
        assertThat(memory.peakPrivateBytes(11)).as("RssAnon + RssShmem > VmHWM - RssFile").isEqualTo(1600 * 1024L);
        assertThat(memory.withDescendants(List.of(10))).containsExactlyInAnyOrder(10, 11);
        assertThat(memory.peakPrivateBytes(List.of(10))).isEqualTo((409600 - 23000 + 1600) * 1024L);
    }

    private static void process(Path proc, int pid, int parent, String comm, String status) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(dir.resolve("stat"), pid + " (" + comm + ") S " + parent + " " + pid + " 0 0 -1 4194560\n");
        Files.writeString(dir.resolve("status"), "Name:\t" + comm + "\n" + status);
    }
}
