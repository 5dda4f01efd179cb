package dev.baton.sidecar.watch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * "Start the new generation only once the config under {@code path} hashes to {@code sha256}": what the
 * operator sends with {@code POST /reload} when a ConfigMap or Secret changed, because the kubelet
 * updates the mounted copy up to a minute or more later ({@link ConfigHash} is the hash both compute).
 */
public record ExpectedConfig(Path path, String sha256) {

    public ExpectedConfig {
        sha256 = sha256.toLowerCase(Locale.ROOT);
    }

    /**
     * Checks a request's values; returns the problem in one line, or null when they are usable: an
     * absolute path that exists (the kubelet mounts a volume before the container starts, so a missing
     * one is a wrong path, not a late one) and 64 hex digits.
     */
    public static String problem(String path, String sha256) {
        if (path == null || path.isBlank() || !Path.of(path).isAbsolute()) {
            return "expectConfig.path must be an absolute path in baton's container, e.g. \"/etc/app\"";
        }
        if (!Files.exists(Path.of(path))) {
            return "expectConfig.path " + path + " does not exist in baton's container: give the volume's mountPath";
        }
        if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
            return "expectConfig.sha256 must be 64 hex digits (the config hash, README: \"Config reloads\")";
        }
        return null;
    }

    /**
     * The expectations of a reload that {@code later} is coalesced into: the later request's hash wins
     * for a path both name (the kubelet may skip a version: only the newest will ever be mounted).
     */
    public static List<ExpectedConfig> merge(List<ExpectedConfig> earlier, List<ExpectedConfig> later) {
        Map<Path, ExpectedConfig> byPath = new LinkedHashMap<>();
        earlier.forEach(e -> byPath.put(e.path(), e));
        later.forEach(e -> byPath.put(e.path(), e));
        return new ArrayList<>(byPath.values());
    }

    /** The first 12 hex digits, for log lines. */
    public String shortHash() {
        return sha256.substring(0, 12);
    }
}
