package dev.baton.sidecar.watch;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import dev.baton.sidecar.Log;

/**
 * {@code --watch PATH}: reports when the config under a path has changed, once per burst of changes.
 *
 * <p>It watches with inotify (the JDK's {@link WatchService}) every directory whose entries can change
 * what {@code PATH} holds: {@code PATH} itself and its subdirectories when it is a directory, the parent
 * when it is a file or a symlink. That sees the kubelet's atomic update of a ConfigMap volume (a new
 * {@code ..TIMESTAMP} directory, a {@code ..data_tmp} symlink renamed over {@code ..data}, the old
 * directory removed), a file edited in place, and a file replaced by rename (editors, {@code mv},
 * configuration management). Any event only starts a look: once no event has come for the debounce
 * time, {@link ConfigHash} hashes the path, and a change is reported only if the hash differs from the
 * last one reported. So a burst (an editor's swap files, the kubelet's three steps, a {@code touch})
 * makes at most one report, and none at all when the content ends up as it was.
 *
 * <p>A path that vanishes (an unmounted volume, a directory replaced by a new one) is looked for again
 * every {@link #RECHECK}; a config that cannot be read is not a change (a worker started on a half-
 * written config helps no one): the report comes once it reads whole again.
 */
public final class ConfigWatcher implements AutoCloseable {
    /** How often directories that vanished are looked for again. */
    static final Duration RECHECK = Duration.ofSeconds(2);
    /** A burst that never pauses is still reported after this many debounce times. */
    private static final int MAX_SETTLE_PERIODS = 10;

    /** The config under {@code path} now hashes to {@code sha256} (it was {@code previous}). */
    public record Change(Path path, String previous, String sha256) {
    }

    private final List<Path> paths;
    private final Duration debounce;
    private final Consumer<List<Change>> onChange;
    private final WatchService watchService;
    private final Map<WatchKey, Path> watched = new HashMap<>();
    private final Map<Path, String> hashes = new LinkedHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    private ConfigWatcher(List<Path> paths, Duration debounce, Consumer<List<Change>> onChange) throws IOException {
        this.paths = paths.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
        this.debounce = debounce;
        this.onChange = onChange;
        this.watchService = FileSystems.getDefault().newWatchService();
        for (Path p : this.paths) {
            hashes.put(p, ConfigHash.of(p)); // a path that cannot be hashed now is a usage error, said at start-up
        }
        register();
        this.thread = new Thread(this::run, "baton-watch");
        this.thread.setDaemon(true);
    }

    /**
     * Hashes every path and starts watching them; {@code onChange} is called on the watcher's own thread.
     *
     * @throws IOException naming the path, when one does not exist or cannot be read now
     */
    public static ConfigWatcher start(List<Path> paths, Duration debounce, Consumer<List<Change>> onChange) throws IOException {
        ConfigWatcher watcher = new ConfigWatcher(paths, debounce, onChange);
        watcher.thread.start();
        return watcher;
    }

    /** The last hash reported (or found at start) for each watched path. */
    public synchronized Map<Path, String> hashes() {
        return Map.copyOf(hashes);
    }

    @Override
    public void close() {
        closed = true;
        try {
            watchService.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        thread.interrupt();
    }

    private void run() {
        try {
            while (!closed) {
                WatchKey key = watchService.poll(RECHECK.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                if (key == null) {
                    if (register()) {
                        compare(); // a vanished directory is back: it may hold something new
                    }
                    continue;
                }
                drain(key);
                settle();
                register();
                compare();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    /** Waits until no event has come for the debounce time (bounded: a burst that never pauses is reported too). */
    private void settle() throws InterruptedException {
        long giveUp = System.nanoTime() + debounce.toNanos() * MAX_SETTLE_PERIODS;
        while (System.nanoTime() - giveUp < 0) {
            WatchKey key = watchService.poll(debounce.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (key == null) {
                return;
            }
            drain(key);
        }
    }

    private void drain(WatchKey key) {
        key.pollEvents();
        if (!key.reset()) {
            watched.remove(key); // its directory is gone: register() looks for it again
        }
    }

    /** Hashes every path; reports those whose hash changed. */
    private void compare() {
        List<Change> changes = new ArrayList<>();
        synchronized (this) {
            for (Path p : paths) {
                String now = hashOrNull(p);
                String before = hashes.get(p);
                if (now != null && !now.equals(before)) {
                    hashes.put(p, now);
                    changes.add(new Change(p, before, now));
                }
            }
        }
        if (!changes.isEmpty()) {
            onChange.accept(List.copyOf(changes));
        }
    }

    /** The hash, or null while the config cannot be read whole (mid-swap, removed): tried again a little later. */
    private String hashOrNull(Path p) {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return ConfigHash.of(p);
            } catch (IOException e) {
                last = e;
                try {
                    Thread.sleep(debounce.toMillis() / 4 + 1);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
        Log.info("--watch: cannot read the config under " + p + " (" + last.getMessage() + "); no reload until it reads whole again");
        return null;
    }

    /** Watches every directory that should be watched and is not yet; true if one was added. */
    private synchronized boolean register() {
        Set<Path> wanted = new LinkedHashSet<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                wanted.add(p);
                wanted.addAll(subdirectories(p));
            }
            if (p.getParent() != null && (!Files.isDirectory(p) || Files.isSymbolicLink(p))) {
                wanted.add(p.getParent());
            }
        }
        wanted.removeAll(watched.values());
        boolean added = false;
        for (Path dir : wanted) {
            try {
                watched.put(dir.register(watchService, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY), dir);
                added = true;
            } catch (IOException e) {
                // not there (yet): looked for again every RECHECK
            }
        }
        return added;
    }

    /** The real subdirectories below {@code dir}, not through symlinks and not the kubelet's "..*" ones. */
    private static List<Path> subdirectories(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(d -> !d.equals(dir) && Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS))
                    .filter(d -> !dir.relativize(d).toString().startsWith("..") && !d.toString().contains("/.."))
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }
}
