package dev.baton.sidecar.jvmcache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import dev.baton.sidecar.posix.Posix;

/**
 * The {@code --jvm-cache} directory: one subdirectory per {@link CacheKey}, holding its cache ({@code
 * cache.aot} or {@code cache.jsa}), a training run's recording until it is built, {@code key.txt} (what the
 * key stands for), the build's logs, and {@code lock}.
 *
 * <p>A JVM loads code from the cache, so the directory must be this user's own and writable by no one else
 * (the agent asks the same of its rewrite cache): it is created with mode 0700, and refused otherwise.
 *
 * <p>Several {@code baton}s may share it. Each holds a shared lock on the {@code lock} file of the key it
 * uses; a build takes {@code build.lock} exclusively (one builder per key; another baton finds the cache
 * once it is there); a key directory is removed only under an exclusive lock on its {@code lock} (nobody
 * uses it). Everything is written under a temporary name and renamed into place. Over {@code maxBytes},
 * the least recently used keys go first ({@link #trim}).
 */
final class CacheDirectory {
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private final Path root;
    private final long maxBytes;
    /** The lock files this baton holds (shared), by key directory; never opened twice (POSIX locks are per process). */
    private final Map<Path, FileChannel> held = new HashMap<>();

    private CacheDirectory(Path root, long maxBytes) {
        this.root = root;
        this.maxBytes = maxBytes;
    }

    /** Creates {@code root} (0700) if needed; fails with one line if it cannot be used safely. */
    static CacheDirectory open(Path root, long maxBytes) throws IOException {
        Path dir = root.toAbsolutePath().normalize();
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
            }
        } catch (IOException e) {
            throw new IOException("cannot create the --jvm-cache directory " + dir + ": " + e.getMessage()
                    + " (give a writable path)", e);
        }
        String problem = unsafe(dir);
        if (problem != null) {
            throw new IOException("the --jvm-cache directory " + dir + " " + problem
                    + ": a JVM loads code from it, so it must be this user's own and writable by no one else"
                    + " (chmod 700, or give a new path: baton creates it)");
        }
        return new CacheDirectory(dir, maxBytes);
    }

    private static String unsafe(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return "is not a directory";
        }
        Map<String, Object> a = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        if ((int) a.get("uid") != Posix.libc().getuid()) {
            return "belongs to uid " + a.get("uid") + ", not to this user (uid " + Posix.libc().getuid() + ")";
        }
        if (((int) a.get("mode") & 0022) != 0) {
            return "is writable by its group or by others (mode " + Integer.toOctalString((int) a.get("mode") & 0777) + ")";
        }
        return null;
    }

    Path root() {
        return root;
    }

    /**
     * The directory of {@code key}, created if new (with its {@code key.txt}), locked as in use by this baton,
     * and marked as just used (its time orders the eviction).
     */
    synchronized Path use(CacheKey key) throws IOException {
        Path dir = root.resolve(key.id());
        if (!Files.isDirectory(dir)) {
            Path fresh = Files.createTempDirectory(root, key.id() + "-new-");
            Files.writeString(fresh.resolve("key.txt"), key.description());
            try {
                Files.move(fresh, dir);
            } catch (IOException anotherBatonWasFirst) {
                deleteTree(fresh);
            }
        }
        if (!held.containsKey(dir)) {
            FileChannel lock = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            lock.lock(0, Long.MAX_VALUE, true);
            held.put(dir, lock);
        }
        Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis()));
        return dir;
    }

    /** This baton no longer uses any key but {@code current}: their locks are released (so they may be evicted). */
    synchronized void onlyUsing(Path current) {
        held.entrySet().removeIf(e -> {
            if (e.getKey().equals(current)) {
                return false;
            }
            closeQuietly(e.getValue());
            return true;
        });
    }

    /** {@code build.lock} of {@code dir}, exclusively, or null when another baton builds this key. */
    FileLock tryBuildLock(Path dir) throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve("build.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
            }
            return lock;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Brings the directory under {@code maxBytes}: removes key directories nobody uses, least recently used
     * first, and left-over temporary files of keys nobody uses. Returns what it removed, for the log.
     */
    synchronized List<String> trim() {
        List<String> removed = new ArrayList<>();
        List<Path> keys = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            entries.forEach(keys::add);
        } catch (IOException e) {
            return removed;
        }
        long total = 0;
        Map<Path, Long> sizes = new HashMap<>();
        for (Path key : keys) {
            long size = size(key);
            sizes.put(key, size);
            total += size;
        }
        keys.sort(Comparator.comparing(CacheDirectory::lastUsed));
        for (Path key : keys) {
            if (held.containsKey(key) || !Files.isDirectory(key, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            boolean evict = total > maxBytes;
            if (unusedDo(key, () -> {
                if (evict) {
                    deleteTree(key);
                } else {
                    deleteTemporaryFiles(key); // of a baton that died while training or building
                }
            }) && evict) {
                total -= sizes.get(key);
                removed.add(key.getFileName().toString());
            }
        }
        return removed;
    }

    private static void deleteTemporaryFiles(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.tmp")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** The files of one key, all together. */
    static long size(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException gone) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    long maxBytes() {
        return maxBytes;
    }

    synchronized void close() {
        held.values().forEach(CacheDirectory::closeQuietly);
        held.clear();
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /** Runs {@code action} under an exclusive lock on {@code dir}'s lock file: true if nobody else used it. */
    private static boolean unusedDo(Path dir, IoAction action) {
        Path lockFile = dir.resolve("lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;
            }
            action.run();
            return true;
        } catch (IOException | OverlappingFileLockException e) {
            return false;
        }
    }

    private static FileTime lastUsed(Path dir) {
        try {
            return Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // releasing a lock: nothing else to do
        }
    }
}
