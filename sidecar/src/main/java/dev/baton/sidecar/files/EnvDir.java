package dev.baton.sidecar.files;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A daemontools-style envdir as start_server reads it: each file (names not starting with '.') is a
 * variable whose value is the file's first line. Read anew before every spawn, so a change takes
 * effect on the next reload and a deleted file drops its variable. An empty file sets nothing
 * (start_server skips it too).
 */
public final class EnvDir {
    private EnvDir() {
    }

    /**
     * Reads the directory. A missing directory yields no variables (start_server ignores it); an
     * unreadable one, or an entry that cannot be a variable (not UTF-8, a FIFO or socket that would
     * block the read), is an error naming the entry, because silently starting a worker without its
     * settings is worse.
     */
    public static Map<String, String> read(Path directory) throws IOException {
        Map<String, String> env = new TreeMap<>();
        if (!Files.isDirectory(directory)) {
            return env;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") || Files.isDirectory(file)) {
                    continue;
                }
                if (!Files.isRegularFile(file) && Files.exists(file)) {
                    throw new IOException("cannot read envdir " + directory + ": " + name
                            + " is not a regular file (each variable is a file holding its value)");
                }
                try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    String first = reader.readLine();
                    if (first != null) {
                        env.put(name, first);
                    }
                } catch (NoSuchFileException deletedMeanwhile) {
                    // removed between listing and reading: it is unset, as intended
                } catch (IOException e) {
                    throw new IOException("cannot read envdir file " + file + ": " + FileErrors.describe(e)
                            + " (fix or remove it)", e);
                }
            }
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read envdir " + e.getFile() + ": permission denied (make it readable by this user)", e);
        }
        return env;
    }
}
