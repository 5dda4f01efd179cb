package dev.baton.sidecar.cli;

import java.time.Duration;
import java.util.Locale;

import picocli.CommandLine;

/**
 * Parses durations the way users write them: {@code 5} (seconds, as start_server takes them),
 * {@code 1.5}, {@code 500ms}, {@code 30s}, {@code 2m}.
 */
public final class Durations implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return nonNegative(Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim())), value);
            }
            double factor = 1;
            if (v.endsWith("s")) {
                v = v.substring(0, v.length() - 1);
            } else if (v.endsWith("m")) {
                v = v.substring(0, v.length() - 1);
                factor = 60;
            } else if (v.endsWith("h")) {
                v = v.substring(0, v.length() - 1);
                factor = 3600;
            }
            return nonNegative(Duration.ofMillis(Math.round(Double.parseDouble(v.trim()) * factor * 1000)), value);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a duration: use seconds (5, 1.5) or a unit (500ms, 30s, 2m)");
        }
    }

    private static Duration nonNegative(Duration d, String value) {
        if (d.isNegative()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is negative: a duration must be 0 or more");
        }
        return d;
    }
}
