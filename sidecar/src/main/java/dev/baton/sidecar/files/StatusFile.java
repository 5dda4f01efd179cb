package dev.baton.sidecar.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The start_server status file: one {@code generation:pid} line per live worker, sorted by
 * generation (numerically), written to a temporary file and renamed over the old one so readers
 * (Perl's {@code start_server --restart}, monitoring scripts) never see half a file.
 */
public final class StatusFile {
    private final Path path;
    private final long ownerPid;
    private boolean written;

    public StatusFile(Path path, long ownerPid) {
        this.path = path;
        this.ownerPid = ownerPid;
    }

    public Path path() {
        return path;
    }

    public void write(Map<Integer, Integer> pidByGeneration) throws IOException {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(pidByGeneration).forEach((gen, pid) -> text.append(gen).append(':').append(pid).append('\n'));
        Path temporary = path.resolveSibling(path.getFileName() + "." + ownerPid);
        Files.writeString(temporary, text, StandardCharsets.US_ASCII);
        Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        written = true;
    }

    public void remove() {
        if (written) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                System.err.println("failed to unlink file:" + path + ":" + e.getMessage());
            }
        }
    }

    /** Reads a status file: generation to pid, sorted by generation. Unparseable lines are skipped, as Perl does. */
    public static SortedMap<Integer, Integer> read(Path path) throws IOException {
        SortedMap<Integer, Integer> result = new TreeMap<>();
        List<String> lines = new ArrayList<>(Files.readAllLines(path, StandardCharsets.US_ASCII));
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                try {
                    result.put(Integer.parseInt(line.substring(0, colon)), Integer.parseInt(line.substring(colon + 1).trim()));
                } catch (NumberFormatException ignored) {
                    // not a gen:pid line
                }
            }
        }
        return result;
    }
}
