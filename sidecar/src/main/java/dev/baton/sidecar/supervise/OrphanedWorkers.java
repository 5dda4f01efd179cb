package dev.baton.sidecar.supervise;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.files.StatusFile;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.Signals;

/**
 * Workers left running by a supervisor that was killed (SIGKILL, OOM): they still hold the old
 * listening socket, so a new supervisor could not bind the port. The dead supervisor's status
 * file names them; each one that is still alive and really is that worker (its environment carries
 * the same SERVER_STARTER_GENERATION, so a recycled pid is never hit) is told to stop with TERM,
 * waited for, and killed if it outlives the grace period.
 */
public final class OrphanedWorkers {
    private OrphanedWorkers() {
    }

    /** Retires the orphans listed in a stale status file; returns how many there were. */
    public static int retire(Path statusFile, Duration grace) throws InterruptedException {
        Map<Integer, Integer> listed;
        try {
            listed = StatusFile.read(statusFile);
        } catch (IOException absent) {
            return 0;
        }
        List<Integer> orphans = new ArrayList<>();
        listed.forEach((generation, pid) -> {
            if (isWorker(pid, generation)) {
                orphans.add(pid);
            }
        });
        if (orphans.isEmpty()) {
            return 0;
        }
        Log.warn("workers " + orphans + " of a previous supervisor that died are still running (from " + statusFile
                + "); sending them TERM so their port can be taken over");
        orphans.forEach(pid -> Posix.libc().kill(pid, Signals.SIGTERM));
        long deadline = System.nanoTime() + grace.toNanos();
        while (orphans.stream().anyMatch(OrphanedWorkers::alive)) {
            if (System.nanoTime() > deadline) {
                Log.warn("workers " + orphans.stream().filter(OrphanedWorkers::alive).toList() + " still running after "
                        + grace.toSeconds() + " s; sending KILL");
                orphans.forEach(pid -> Posix.libc().kill(pid, Signals.SIGKILL));
                deadline = Long.MAX_VALUE;
            }
            Thread.sleep(50); // they are not our children: no waitpid, only polling can tell
        }
        return orphans.size();
    }

    private static boolean alive(int pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException gone) {
            return false;
        }
        return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    }

    private static boolean isWorker(int pid, int generation) {
        try {
            String environ = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
            return ("\0" + environ).contains("\0SERVER_STARTER_GENERATION=" + generation + "\0")
                    && ("\0" + environ).contains("\0SERVER_STARTER_PORT=");
        } catch (IOException gone) {
            return false;
        }
    }
}
