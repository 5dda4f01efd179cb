package dev.baton.sidecar.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.files.FileErrors;
import dev.baton.sidecar.files.PidFile;
import dev.baton.sidecar.files.StatusFile;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.Signals;

/**
 * {@code --stop} and {@code --restart}: the commands that drive a running supervisor (a baton or a
 * Perl start_server — both keep the same pid and status files).
 */
final class ServerClients {
    private static final Pattern JSON_STATE = Pattern.compile("\"state\"\\s*:\\s*\"([a-z]+)\"");
    private static final Pattern JSON_ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");
    private static final Pattern JSON_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private ServerClients() {
    }

    /** Sends TERM to the supervisor in the pid file and waits, on the file's flock, until it has exited. */
    static int stop(Path pidFile) throws IOException {
        if (pidFile == null) {
            Log.error("--stop option requires --pid-file to be set as well");
            return 2;
        }
        int pid = readPid(pidFile);
        if (pid <= 0) {
            return 1;
        }
        Log.info("stop_server (pid:" + ProcessHandle.current().pid() + ") stopping now (pid:" + pid + ")...");
        if (Posix.libc().kill(pid, Signals.SIGTERM) < 0) {
            Log.error("failed to send SIGTERM to the server process " + pid + ": " + Posix.describe(Posix.errno())
                    + " (is it still running? remove the stale " + pidFile + ")");
            return 1;
        }
        PidFile.awaitRelease(pidFile);
        return 0;
    }

    /**
     * Sends HUP and waits until the reload is done. With {@code --control}, asks the API for that
     * very reload and reports whether it succeeded; otherwise does what Perl's --restart does — waits
     * until the status file shows only a newer generation — and also fails if the supervisor dies, or
     * if no newer generation is listed within {@code newGenerationWithin} (null: wait as long as it
     * takes, as Perl does): a reload that failed leaves the status file as it was.
     */
    static int restart(Path pidFile, Path statusFile, String control, Path tokenFile, Duration newGenerationWithin)
            throws IOException, InterruptedException {
        if (control != null) {
            return restartThroughApi(control, tokenFile);
        }
        if (pidFile == null || statusFile == null) {
            Log.error("--restart option requires --pid-file and --status-file to be set as well");
            return 2;
        }
        int pid = readPid(pidFile);
        if (pid <= 0) {
            return 1;
        }
        SortedMap<Integer, Integer> before;
        try {
            before = StatusFile.read(statusFile);
        } catch (IOException e) {
            Log.error("cannot read status file " + statusFile + ": " + FileErrors.describe(e)
                    + " (is the server running with --status-file=" + statusFile + "?)");
            return 1;
        }
        if (before.isEmpty()) {
            Log.error("no active process found in the status file " + statusFile);
            return 1;
        }
        int waitFor = before.lastKey() + 1;
        if (Posix.libc().kill(pid, Signals.SIGHUP) < 0) {
            Log.error("failed to send SIGHUP to the server process " + pid + ": " + Posix.describe(Posix.errno())
                    + " (is it still running? remove the stale " + pidFile + ")");
            return 1;
        }
        long listedBy = newGenerationWithin == null ? Long.MAX_VALUE : System.nanoTime() + newGenerationWithin.toNanos();
        while (true) {
            Thread.sleep(200);
            if (Posix.libc().kill(pid, 0) < 0) {
                Log.error("the server process " + pid + " exited during the restart");
                return 1;
            }
            SortedMap<Integer, Integer> now = readStatusQuietly(statusFile);
            if (now.size() == 1 && now.firstKey() >= waitFor) {
                Log.info("restart done: generation " + now.firstKey() + " (pid " + now.get(now.firstKey()) + ") is serving");
                return 0;
            }
            if (!now.isEmpty() && now.lastKey() >= waitFor) {
                listedBy = Long.MAX_VALUE; // the new generation serves; the old ones take what they need to finish
            } else if (System.nanoTime() > listedBy) {
                Log.error("no new generation within " + newGenerationWithin.toSeconds() + " s of the HUP: the reload failed or is"
                        + " still being retried, generation " + before.lastKey() + " serves on (baton's log says why;"
                        + " give --restart the server's --ready-timeout and --reload-retries, or use --control)");
                return 1;
            }
        }
    }

    private static int restartThroughApi(String control, Path tokenFile) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://" + control;
        String token = tokenFile == null ? null : Files.readString(tokenFile).trim();
        HttpResponse<String> accepted;
        try {
            accepted = http.send(request(base + "/reload", token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            String why = e.getMessage() != null ? e.getMessage() : e instanceof java.net.ConnectException ? "connection refused"
                    : e.getClass().getSimpleName();
            Log.error("cannot reach the control API at " + control + ": " + why + " (is baton running with --control=" + control + "?)");
            return 1;
        }
        if (accepted.statusCode() != 202) {
            Log.error("the control API refused the reload: HTTP " + accepted.statusCode() + " " + accepted.body().trim());
            return 1;
        }
        Matcher id = JSON_ID.matcher(accepted.body());
        if (!id.find()) {
            Log.error("unexpected answer from the control API: " + accepted.body());
            return 1;
        }
        while (true) {
            HttpResponse<String> r = http.send(request(base + "/reloads/" + id.group(1), token).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher state = JSON_STATE.matcher(r.body());
            if (r.statusCode() == 200 && state.find()) {
                Matcher message = JSON_MESSAGE.matcher(r.body());
                String text = message.find() ? message.group(1) : "";
                if ("succeeded".equals(state.group(1))) {
                    Log.info("reload " + id.group(1) + " succeeded: " + text);
                    return 0;
                }
                if ("failed".equals(state.group(1))) {
                    Log.error("reload " + id.group(1) + " failed: " + text);
                    return 1;
                }
            }
            Thread.sleep(200);
        }
    }

    private static HttpRequest.Builder request(String uri, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    private static int readPid(Path pidFile) {
        String text = PidFile.readPid(pidFile);
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            Log.error("failed to open file:" + pidFile + ": " + (text.isEmpty() ? "missing or empty" : "not a pid: " + text)
                    + " (is the server running with --pid-file=" + pidFile + "?)");
            return -1;
        }
    }

    /** The status file, or nothing while it cannot be read (it is replaced by rename, and removed when the server exits). */
    private static SortedMap<Integer, Integer> readStatusQuietly(Path statusFile) {
        try {
            return StatusFile.read(statusFile);
        } catch (IOException e) {
            return new java.util.TreeMap<>();
        }
    }
}
