package dev.baton.sidecar.jvmcache;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.memory.MemorySizes;
import dev.baton.sidecar.spawn.ExitStatus;

/**
 * The cache of {@code --jvm-cache DIR}, one key at a time (the one of the generation being started). For a
 * key it has no cache for, the next generation trains (with the {@link CacheKind}'s recording options); when
 * that generation exits after having served, its recording is renamed into place and the cache is built and
 * checked in the background ({@link BuildProcesses}); once it is in place, every generation starts with it
 * and, once ready, is checked to have mapped it ({@code /proc/PID/maps}). Until then generations start
 * without anything added.
 *
 * <p>Called on the supervisor's loop ({@link #launch}, the {@link Launch} methods, {@link #exited}) and on the
 * background thread; both under this object's lock, never across a process run.
 */
final class ManagedJvmCache implements JvmCache {
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);
    /** A key whose cache was found unusable this often is given up on. */
    private static final int MAX_UNUSABLE = 2;
    /** The supervisor's variables: a build or check run must not look like a worker (the agent stays idle). */
    private static final List<String> SUPERVISOR_VARIABLES = List.of("SERVER_STARTER_PORT", "SERVER_STARTER_GENERATION",
            "NOTIFY_SOCKET", "BATON_NOTIFY_FD", "BATON_LIFELINE_FD");

    private final CacheDirectory directory;
    private final Path workerDirectory;
    private final String path = System.getenv("PATH");
    /** In the names of this baton's temporary files. */
    private final String session = Long.toString(ProcessHandle.current().pid());
    private final BuildProcesses background = new BuildProcesses();
    private final Set<String> said = ConcurrentHashMap.newKeySet();

    // ---- guarded by this
    private final Map<String, Key> keys = new HashMap<>();
    private final Map<Integer, Managed> trainers = new HashMap<>();
    /** Set when a generation started with the cache failed: the next launch goes without, and its outcome is the verdict. */
    private Managed fallingBackFrom;

    ManagedJvmCache(CacheDirectory directory, Path workerDirectory) {
        this.directory = directory;
        this.workerDirectory = workerDirectory.toAbsolutePath();
        background.submit(directory::trim); // left-overs of a baton that died, and a size bound that shrank
    }

    // ---------------------------------------------------------------- the supervisor's side

    @Override
    public synchronized Launch launch(int generation, List<String> command, Map<String, String> env) {
        if (fallingBackFrom != null) {
            Managed from = fallingBackFrom;
            fallingBackFrom = null;
            return new Fallback(from, generation, command);
        }
        Key key = keyOf(command, env);
        if (key == null || key.givenUp != null) {
            return Launch.plain(command);
        }
        Path cache = key.cache();
        if (Files.isRegularFile(cache)) {
            return new Managed(Role.USE, key, generation, withOptions(command, key.kind.useOptions(cache)), null);
        }
        if (key.trainer != null || key.building) {
            return Launch.plain(command);
        }
        if (Files.isRegularFile(key.recording())) {
            build(key, "an earlier training run"); // left by a baton that stopped before building it
            return Launch.plain(command);
        }
        Path recording = key.dir.resolve("training-" + generation + "-" + session + ".tmp");
        Managed trainer = new Managed(Role.TRAIN, key, generation, withOptions(command, key.kind.trainOptions(recording)), recording);
        key.trainer = trainer;
        Log.info("jvm cache: generation " + generation + " trains " + key.name() + " for this command line (JDK "
                + key.runtime.version() + ", in " + key.dir + ")");
        return trainer;
    }

    @Override
    public void exited(int pid, ExitStatus status) {
        if (background.exited(pid, status)) {
            return;
        }
        synchronized (this) {
            Managed trainer = trainers.remove(pid);
            if (trainer != null) {
                trainingEnded(trainer, status);
            }
        }
    }

    @Override
    public void close() {
        background.close();
        directory.close();
    }

    // ---------------------------------------------------------------- keys

    /** The key of this command line, or null (said once why) when it gets no cache. */
    private Key keyOf(List<String> command, Map<String, String> env) {
        JavaCommand.Reading reading = JavaCommand.read(command, env, workerDirectory, path);
        if (reading instanceof JavaCommand.NotCacheable no) {
            once("jvm cache: none for this worker: " + no.reason());
            return null;
        }
        JavaCommand java = ((JavaCommand.Cacheable) reading).command();
        Optional<JavaRuntime> runtime = JavaRuntime.of(java.launcher());
        if (runtime.isEmpty()) {
            once("jvm cache: none for this worker: cannot tell which JDK " + java.launcher() + " belongs to (no release file in its home)");
            return null;
        }
        Optional<CacheKind> kind = CacheKind.of(runtime.get());
        if (kind.isEmpty()) {
            once("jvm cache: none for this worker: JDK " + runtime.get().version()
                    + " (baton makes AppCDS archives on JDK 17 to 24 and AOT caches on JDK 25 and later)");
            return null;
        }
        try {
            CacheKey id = CacheKey.of(java, runtime.get(), kind.get(), env, workerDirectory);
            Path dir = directory.use(id);
            directory.onlyUsing(dir);
            Key key = keys.computeIfAbsent(id.id(), k -> new Key(id, java, runtime.get(), kind.get(), dir));
            key.env = env;
            return key;
        } catch (IOException e) {
            once("jvm cache: none for this generation: " + e.getMessage());
            return null;
        }
    }

    /** Everything the cache knows about one key. */
    private final class Key {
        final CacheKey id;
        final JavaCommand command;
        final JavaRuntime runtime;
        final CacheKind kind;
        final Path dir;
        /** The latest generation's environment: a build's and a check's, without the supervisor's variables. */
        Map<String, String> env;
        Managed trainer;
        boolean building;
        int unusable;
        /** Why this key gets no cache (a failed build, kept in the directory's {@code failed} file). */
        String givenUp;
        /** Whether a generation that fails with the cache is started again without it (off while the worker fails anyway). */
        boolean fallbackArmed = true;
        boolean saidInUse;

        Key(CacheKey id, JavaCommand command, JavaRuntime runtime, CacheKind kind, Path dir) {
            this.id = id;
            this.command = command;
            this.runtime = runtime;
            this.kind = kind;
            this.dir = dir;
            Path failed = dir.resolve("failed");
            if (Files.isRegularFile(failed)) {
                try {
                    givenUp = Files.readString(failed).strip();
                } catch (IOException e) {
                    givenUp = "an earlier attempt failed";
                }
                Log.info("jvm cache: none for this command line: " + name() + " failed before (" + givenUp + "); delete "
                        + failed + " to try again");
            }
        }

        Path cache() {
            return dir.resolve(kind.cacheFile);
        }

        Path recording() {
            return dir.resolve(kind.recordingFile);
        }

        String name() {
            return kind.title + " " + id.id();
        }
    }

    // ---------------------------------------------------------------- training, building, checking

    /** A trainer exited: its recording (if it served, then exited as a JVM exits) goes into place, and the build starts. */
    private void trainingEnded(Managed trainer, ExitStatus status) {
        Key key = trainer.key;
        if (key.trainer == trainer) {
            key.trainer = null;
        }
        if (!trainer.ready || !status.exited() || size(trainer.output) == 0) {
            deleteQuietly(trainer.output);
            if (trainer.ready) {
                Log.info("jvm cache: generation " + trainer.generation + " (" + status.describe() + ") left no recording;"
                        + " a later generation trains " + key.name() + " again");
            }
            return;
        }
        try {
            Files.move(trainer.output, key.recording(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            once("jvm cache: cannot keep generation " + trainer.generation + "'s recording: " + e.getMessage());
            deleteQuietly(trainer.output);
            return;
        }
        build(key, "generation " + trainer.generation + "'s training run");
    }

    private void build(Key key, String from) {
        if (key.building || key.givenUp != null) {
            return;
        }
        key.building = true;
        Map<String, String> env = new TreeMap<>(key.env);
        SUPERVISOR_VARIABLES.forEach(env::remove);
        if (!background.submit(() -> buildInBackground(key, from, env))) {
            key.building = false;
        }
    }

    /** Build, check, rename into place: on the background thread, one process at a time, niced. */
    private void buildInBackground(Key key, String from, Map<String, String> env) {
        Path input = key.dir.resolve("build-input-" + session + ".tmp");
        Path output = key.dir.resolve("build-output-" + session + ".tmp");
        try (FileLock lock = directory.tryBuildLock(key.dir)) {
            if (lock == null || Files.isRegularFile(key.cache()) || !Files.isRegularFile(key.recording())) {
                return; // another baton builds it, or has
            }
            Log.info("jvm cache: building " + key.name() + " from " + from + " (in the background, at nice 19)");
            long started = System.nanoTime();
            key.kind.prepareRecording(key.recording(), input);
            Path buildLog = key.dir.resolve("build.log");
            ExitStatus built = background.run(key.kind.buildCommand(key.command, input, output), key.kind.buildEnvironment(env),
                    workerDirectory, buildLog, STEP_TIMEOUT);
            if (!succeeded(built) || size(output) == 0) {
                giveUp(key, "building it failed (" + built.describe() + "; " + buildLog + " says why)");
                return;
            }
            Path checkLog = key.dir.resolve("check.log");
            ExitStatus checked = background.run(key.kind.checkCommand(key.command, output), env, workerDirectory, checkLog,
                    STEP_TIMEOUT);
            if (!succeeded(checked)) {
                giveUp(key, "the JVM refuses what was built (" + checked.describe() + "; " + checkLog + " says why)");
                return;
            }
            long bytes = size(output);
            if (bytes > directory.maxBytes()) {
                giveUp(key, "it is larger (" + MemorySizes.human(bytes) + ") than --jvm-cache-size (" + MemorySizes.human(directory.maxBytes()) + ")");
                return;
            }
            Files.move(output, key.cache(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            synchronized (this) {
                key.saidInUse = false;
            }
            Log.info(String.format(Locale.ROOT, "jvm cache: %s built in %.1f s (%s); the next generations start with it",
                    key.name(), (System.nanoTime() - started) / 1e9, MemorySizes.human(bytes)));
            List<String> removed = directory.trim();
            if (!removed.isEmpty()) {
                Log.info("jvm cache: removed the least recently used " + String.join(", ", removed) + " (--jvm-cache-size "
                        + MemorySizes.human(directory.maxBytes()) + ")");
            }
        } catch (InterruptedException closing) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            if (!background.closed()) {
                giveUp(key, "building it failed: " + e.getMessage());
            }
        } finally {
            deleteQuietly(input);
            deleteQuietly(output);
            synchronized (this) {
                key.building = false;
            }
        }
    }

    /** A generation started with the cache is ready: it has mapped the cache, or the JVM rejected it. */
    private void checkMapped(Managed m) {
        String maps;
        try {
            maps = Files.readString(Path.of("/proc/" + m.pid + "/maps"));
        } catch (IOException gone) {
            return; // exited meanwhile: nothing to tell
        }
        Path cache = m.key.cache();
        String mapped;
        try {
            mapped = m.key.dir.toRealPath().resolve(m.key.kind.cacheFile).toString();
        } catch (IOException e) {
            return;
        }
        synchronized (this) {
            if (maps.contains(mapped)) {
                if (!m.key.saidInUse) {
                    m.key.saidInUse = true;
                    Log.info("jvm cache: generation " + m.generation + " started with " + m.key.name());
                }
                return;
            }
            unusable(m.key, cache, "generation " + m.generation + " did not use it: the JVM rejected it (its [aot] or [cds]"
                    + " lines in the worker's output say why)");
        }
    }

    /** The cache of {@code key} cannot be used: removed, and trained again (or, the second time, given up on). */
    private void unusable(Key key, Path cache, String why) {
        deleteQuietly(cache);
        key.unusable++;
        if (key.unusable >= MAX_UNUSABLE) {
            giveUp(key, why + " (the second time)");
            return;
        }
        Log.warn("jvm cache: " + key.name() + ": " + why + "; it is removed, and a later generation trains it again");
    }

    private synchronized void giveUp(Key key, String why) {
        key.givenUp = why;
        try {
            Files.writeString(key.dir.resolve("failed"), why + "\n");
        } catch (IOException e) {
            // kept in memory at least: this baton does not try again
        }
        Log.warn("jvm cache: " + key.name() + ": " + why + "; generations start without a cache (a changed command line,"
                + " JDK or jar tries again; or delete " + key.dir.resolve("failed") + ")");
    }

    // ---------------------------------------------------------------- one generation

    private enum Role { TRAIN, USE }

    /** A generation started with the cache's options: training it, or using it. */
    private final class Managed implements Launch {
        final Role role;
        final Key key;
        final int generation;
        final List<String> command;
        /** TRAIN: where its JVM writes the recording as it exits. */
        final Path output;
        int pid;
        boolean ready;

        Managed(Role role, Key key, int generation, List<String> command, Path output) {
            this.role = role;
            this.key = key;
            this.generation = generation;
            this.command = command;
            this.output = output;
        }

        @Override
        public List<String> command() {
            return command;
        }

        @Override
        public void started(int pid) {
            synchronized (ManagedJvmCache.this) {
                this.pid = pid;
                if (role == Role.TRAIN) {
                    trainers.put(pid, this);
                }
            }
        }

        @Override
        public void notStarted() {
            synchronized (ManagedJvmCache.this) {
                if (key.trainer == this) {
                    key.trainer = null;
                }
            }
        }

        @Override
        public void ready() {
            synchronized (ManagedJvmCache.this) {
                ready = true;
                key.fallbackArmed = true;
            }
            if (role == Role.USE) {
                background.submit(() -> checkMapped(this));
            }
        }

        @Override
        public boolean startAgainWithoutCache(ExitStatus status) {
            synchronized (ManagedJvmCache.this) {
                if (!key.fallbackArmed) {
                    return false;
                }
                fallingBackFrom = this;
                // the verdict, once the next generation is up or not, is the warning
                Log.info("jvm cache: generation " + generation + " exited before it was ready (" + status.describe() + "), started "
                        + (role == Role.TRAIN ? "with the options that train " : "with ") + key.name()
                        + "; the next generation starts at once without the cache");
                return true;
            }
        }
    }

    /** The generation started without the cache after {@code from} failed with it: its outcome is the verdict. */
    private final class Fallback implements Launch {
        final Managed from;
        final int generation;
        final List<String> command;

        Fallback(Managed from, int generation, List<String> command) {
            this.from = from;
            this.generation = generation;
            this.command = List.copyOf(command);
        }

        @Override
        public List<String> command() {
            return command;
        }

        @Override
        public void ready() {
            synchronized (ManagedJvmCache.this) {
                if (from.role == Role.USE) {
                    unusable(from.key, from.key.cache(), "generation " + from.generation + " failed to start with it, and generation "
                            + generation + " without it came up");
                } else {
                    giveUp(from.key, "generation " + from.generation + " failed to start with the options that train it, and generation "
                            + generation + " without them came up");
                }
            }
        }

        @Override
        public boolean startAgainWithoutCache(ExitStatus status) {
            synchronized (ManagedJvmCache.this) {
                from.key.fallbackArmed = false; // the worker fails without the cache too: not the cache's doing
            }
            return false;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static List<String> withOptions(List<String> command, List<String> options) {
        List<String> argv = new ArrayList<>(command.size() + options.size());
        argv.add(command.get(0));
        argv.addAll(options);
        argv.addAll(command.subList(1, command.size()));
        return List.copyOf(argv);
    }

    private void once(String line) {
        if (said.add(line)) {
            Log.info(line);
        }
    }

    private static boolean succeeded(ExitStatus status) {
        return status.exited() && status.exitCode() == 0;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException ignored) {
            // a temporary file: the next trim removes it
        }
    }
}
