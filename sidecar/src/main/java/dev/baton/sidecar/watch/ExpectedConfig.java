package dev.baton.sidecar.watch;

import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * "Start the new generation only once the config under {@code path} hashes to {@code sha256}": what the
 * operator sends with {@code POST /reload} when a ConfigMap or Secret changed, because the kubelet
 * updates the mounted copy up to a minute or more later ({@link ConfigHash} is the hash both compute).
 */
public record ExpectedConfig(Path path, String sha256) {
    private static final Pattern TIMEOUT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

    public ExpectedConfig {
        path = path.toAbsolutePath().normalize();
        sha256 = sha256.toLowerCase(Locale.ROOT);
        if (!sha256.startsWith(ConfigHash.PREFIX)) {
            sha256 = ConfigHash.PREFIX + sha256; // the bare hex digits are accepted too
        }
    }

    /**
     * Checks a request's values; returns the problem in one line, or null when they are usable: an
     * absolute path that exists (the kubelet mounts a volume before the container starts, so a missing
     * one is a wrong path, not a late one) and 64 hex digits.
     */
    public static String problem(String path, String sha256) {
        if (path == null || path.isBlank() || !Path.of(path).isAbsolute()) {
            return "expect.path must be an absolute path in baton's container, e.g. \"/etc/app\"";
        }
        if (!Files.exists(Path.of(path))) {
            return "expect.path " + path + " does not exist in baton's container: give the volume's mountPath";
        }
        if (sha256 == null || !sha256.matches("(sha256:)?[0-9a-fA-F]{64}")) {
            return "expect.sha256 must be the config hash, sha256: and 64 hex digits (README: \"Config reloads\")";
        }
        return null;
    }

    /** A request's {@code expectTimeout}: {@code 90s}, {@code 2m}, {@code 1.5m}, {@code 500ms}; null when it is none of those. */
    public static Duration timeout(String text) {
        Matcher m = TIMEOUT.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        double n = Double.parseDouble(m.group(1));
        long millis = Math.round(n * switch (m.group(2)) {
            case "ms" -> 1;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default -> 1000;
        });
        return millis > 0 ? Duration.ofMillis(millis) : null;
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
        return ConfigHash.brief(sha256);
    }
}
