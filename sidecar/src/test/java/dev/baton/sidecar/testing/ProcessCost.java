package dev.baton.sidecar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a process holds right now, from /proc: resident memory, threads, open descriptors. */
public record ProcessCost(long rssKb, int threads, int fds) {

    public static ProcessCost of(long pid) {
        try {
            long rss = 0;
            int threads = 0;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", ""));
                } else if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.replaceAll("\\D", ""));
                }
            }
            try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                return new ProcessCost(rss, threads, (int) fds.count());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid, e);
        }
    }

    @Override
    public String toString() {
        return rssKb / 1024 + " MB RSS, " + threads + " threads, " + fds + " fds";
    }
}
