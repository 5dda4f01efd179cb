package dev.baton.sidecar.spawn;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.baton.sidecar.posix.LibC;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Starts a process with {@code posix_spawnp}, giving it exactly the descriptors it should have.
 *
 * <p>{@link ProcessBuilder} closes every fd above 2 in the child, so it cannot hand over sockets.
 * Here the child gets: its stdio (inherited), each {@link FdMapping} dup2'ed to the number the
 * worker expects, nothing else (everything from the first free number up is closed), an empty
 * signal mask and default dispositions for every signal — so a signal ignored by the supervisor
 * (SIGHUP under nohup, SIGINT in a background job) is not silently ignored by the worker too.
 */
public final class Spawner {
    private static final int SIGSET_BYTES = 128;
    private static final int SPAWN_STRUCT_BYTES = 512; // posix_spawn_file_actions_t is 80, posix_spawnattr_t 336
    private static volatile Boolean closeFromSupported;

    private Spawner() {
    }

    /** A supervisor fd ({@code from}) that the child receives as {@code to}. */
    public record FdMapping(int from, int to) {
    }

    /** What to start, where, and with which descriptors. */
    public record SpawnSpec(List<String> argv, Map<String, String> env, List<FdMapping> fds, Path directory,
                            boolean newSession) {
    }

    /** Returns the child's pid; throws {@link SpawnException} naming the command and the reason. */
    public static int spawn(SpawnSpec spec) throws SpawnException {
        LibC c = Posix.libc();
        Pointer actions = Posix.allocate(SPAWN_STRUCT_BYTES);
        Pointer attributes = Posix.allocate(SPAWN_STRUCT_BYTES);
        c.posix_spawn_file_actions_init(actions);
        c.posix_spawnattr_init(attributes);
        List<Pointer> keepAlive = new ArrayList<>();
        try {
            int firstFree = 3;
            for (FdMapping m : spec.fds()) {
                checkSpawn(c.posix_spawn_file_actions_adddup2(actions, m.from(), m.to()), "posix_spawn_file_actions_adddup2");
                firstFree = Math.max(firstFree, m.to() + 1);
            }
            closeEverythingFrom(c, actions, firstFree);
            if (spec.directory() != null) {
                checkSpawn(c.posix_spawn_file_actions_addchdir_np(actions, spec.directory().toString()),
                        "posix_spawn_file_actions_addchdir_np");
            }
            Pointer empty = Posix.allocate(SIGSET_BYTES);
            c.sigemptyset(empty);
            Pointer all = Posix.allocate(SIGSET_BYTES);
            c.sigfillset(all);
            checkSpawn(c.posix_spawnattr_setsigmask(attributes, empty), "posix_spawnattr_setsigmask");
            checkSpawn(c.posix_spawnattr_setsigdefault(attributes, all), "posix_spawnattr_setsigdefault");
            short flags = (short) (Posix.POSIX_SPAWN_SETSIGMASK | Posix.POSIX_SPAWN_SETSIGDEF);
            if (spec.newSession()) {
                flags |= Posix.POSIX_SPAWN_SETSID;
            }
            checkSpawn(c.posix_spawnattr_setflags(attributes, flags), "posix_spawnattr_setflags");

            Pointer argv = Posix.cStringArray(spec.argv(), keepAlive);
            List<String> envList = new ArrayList<>(spec.env().size());
            spec.env().forEach((k, v) -> envList.add(k + "=" + v));
            Pointer envp = Posix.cStringArray(envList, keepAlive);
            IntByReference pid = new IntByReference();
            int error = c.posix_spawnp(pid, spec.argv().get(0), actions, attributes, argv, envp);
            if (error != 0) {
                throw new SpawnException(spec.argv().get(0), error);
            }
            return pid.getValue();
        } finally {
            c.posix_spawn_file_actions_destroy(actions);
            c.posix_spawnattr_destroy(attributes);
        }
    }

    /**
     * Closes every inherited fd from {@code lowest} up in the child. glibc 2.34+ does it in the spawn
     * itself; on an older libc every open fd of ours is marked close-on-exec instead.
     */
    private static void closeEverythingFrom(LibC c, Pointer actions, int lowest) throws SpawnException {
        if (closeFromSupported == null || closeFromSupported) {
            try {
                checkSpawn(c.posix_spawn_file_actions_addclosefrom_np(actions, lowest), "posix_spawn_file_actions_addclosefrom_np");
                closeFromSupported = Boolean.TRUE;
                return;
            } catch (UnsatisfiedLinkError old) {
                closeFromSupported = Boolean.FALSE;
            }
        }
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : fds) {
                int fd = Integer.parseInt(p.getFileName().toString());
                if (fd >= lowest) {
                    try {
                        Posix.setCloseOnExec(fd, true);
                    } catch (PosixException closedMeanwhile) {
                        // the directory stream's own fd, or one closed since the listing: nothing to do
                    }
                }
            }
        } catch (IOException e) {
            throw new SpawnException("cannot list /proc/self/fd to protect the supervisor's descriptors: " + e.getMessage());
        }
    }

    private static void checkSpawn(int error, String call) throws SpawnException {
        if (error != 0) {
            throw new SpawnException(call + ": " + Posix.describe(error));
        }
    }
}
