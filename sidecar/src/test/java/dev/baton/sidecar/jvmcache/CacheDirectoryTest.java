package dev.baton.sidecar.jvmcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --jvm-cache} directory on a real file system: made private, refused when others may write to
 * it, and kept under its size by removing the least recently used keys, never one another baton (another
 * process, holding its lock as baton does) uses.
 */
class CacheDirectoryTest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void aNewDirectoryIsCreatedPrivateAndAGroupWritableOneIsRefused() throws IOException {
        Path fresh = tmp.resolve("a/b/jvm");
        CacheDirectory.open(fresh, MIB).close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rwx------");
        // an injected pod's emptyDir: its root is mode 0777, baton's directory in it is private all the same
        Path emptyDir = Files.createDirectory(tmp.resolve("baton-cache"));
        Files.setPosixFilePermissions(emptyDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        CacheDirectory.open(emptyDir.resolve("jvm"), MIB).close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(emptyDir.resolve("jvm")))).isEqualTo("rwx------");

        Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rwxrwx---"));
        assertThatThrownBy(() -> CacheDirectory.open(fresh, MIB)).isInstanceOf(IOException.class)
                .hasMessage("the --jvm-cache directory " + fresh + " is writable by its group or by others (mode 770): a JVM loads"
                        + " code from it, so it must be this user's own and writable by no one else (chmod 700, or give a new"
                        + " path: baton creates it)");
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> CacheDirectory.open(file, MIB)).hasMessageContaining(file + " is not a directory");
    }

    @Test
    void overItsSizeTheLeastRecentlyUsedKeysGoFirstButNeverOneInUse() throws Exception {
        Path root = tmp.resolve("jvm");
        CacheDirectory cache = CacheDirectory.open(root, 3 * MIB + MIB / 2);
        Path oldest = key(cache, "oldest", 1000);
        Path inUse = key(cache, "in-use", 2000); // older than the two below, but this baton uses it
        Path middle = key(cache, "middle", 3000);
        Path newest = key(cache, "newest", 4000);
        cache.onlyUsing(inUse);
        Files.writeString(newest.resolve("training-1-999.tmp"), "left by a baton that died while training");

        assertThat(cache.trim()).as("4 MiB in a 3.5 MiB directory: one key goes").containsExactly("oldest");
        assertThat(oldest).doesNotExist();
        assertThat(inUse.resolve("cache.aot")).exists();
        assertThat(middle.resolve("cache.aot")).exists();
        assertThat(newest.resolve("cache.aot")).exists();
        assertThat(newest.resolve("training-1-999.tmp")).as("a temporary file of a key nobody uses").doesNotExist();
        cache.close();

        // Another process holds middle's lock (shared), as another baton using that key does: it stays.
        try (Holder otherBaton = Holder.lock(middle.resolve("lock"), tmp)) {
            CacheDirectory smaller = CacheDirectory.open(root, MIB + MIB / 2);
            assertThat(smaller.trim()).as("middle is in use elsewhere").containsExactly("in-use", "newest");
            assertThat(middle.resolve("cache.aot")).exists();
            smaller.close();
        }
        CacheDirectory smallest = CacheDirectory.open(root, MIB / 2);
        assertThat(smallest.trim()).as("once nobody uses it").containsExactly("middle");
        smallest.close();
    }

    /** A key's directory as {@link CacheDirectory#use} makes it, with a 1 MiB cache, last used at {@code time}. */
    private static Path key(CacheDirectory cache, String name, long time) throws IOException {
        Path dir = cache.use(new CacheKey(name, "test key " + name + "\n"));
        Files.write(dir.resolve("cache.aot"), new byte[(int) MIB]);
        Files.setLastModifiedTime(dir, FileTime.fromMillis(time));
        return dir;
    }

    /**
     * A second JVM holding a shared POSIX record lock on a file, as another baton holds its key's lock (a lock
     * taken in this JVM would not do: within one process such locks do not conflict).
     */
    private record Holder(Process process) implements AutoCloseable {
        static Holder lock(Path file, Path scratch) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path source = Files.writeString(Files.createTempFile(scratch, "Hold", ".java"), """
                    import java.nio.channels.FileChannel;
                    import java.nio.file.*;
                    public class Hold {
                        public static void main(String[] a) throws Exception {
                            FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.READ, StandardOpenOption.WRITE);
                            c.lock(0, Long.MAX_VALUE, true);
                            System.out.println("locked");
                            System.in.read();
                        }
                    }
                    """);
            Process p = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", source.toString(), file.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            Files.delete(source);
            assertThat(line).as("the other process took the lock").isEqualTo("locked");
            return new Holder(p);
        }

        @Override
        public void close() throws IOException {
            process.getOutputStream().close();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
