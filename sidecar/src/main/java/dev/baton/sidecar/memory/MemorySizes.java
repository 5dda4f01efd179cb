package dev.baton.sidecar.memory;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as users write them ({@code 512M}, {@code 1.5G}, {@code 200Mi}, {@code 1048576}) and as baton prints them. */
public final class MemorySizes {
    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]?)(?:IB|I|B)?");

    private MemorySizes() {
    }

    /**
     * Parses a size: a number of bytes, or with a binary unit {@code K}, {@code M}, {@code G} (also
     * {@code Ki}/{@code KiB}/{@code KB}… — all powers of 1024, as the JVM's {@code -Xmx} and Kubernetes'
     * {@code Mi} read them).
     *
     * @throws IllegalArgumentException with a message naming the value and the accepted forms
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (m.matches()) {
            long unit = switch (m.group(2)) {
                case "K" -> 1L << 10;
                case "M" -> 1L << 20;
                case "G" -> 1L << 30;
                case "T" -> 1L << 40;
                default -> 1;
            };
            try {
                return Math.round(Double.parseDouble(m.group(1)) * unit);
            } catch (NumberFormatException e) {
                // "1.2.3": falls through to the message
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a size: use bytes or a unit, e.g. 512M, 1.5G, 200Mi");
    }

    /** "169 MiB", "1.5 GiB", "512 KiB": binary units, at most one decimal. */
    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (Math.abs(value) >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        String number = unit == 0 || value >= 100 ? Long.toString(Math.round(value)) : String.format(Locale.ROOT, "%.1f", value);
        return (number.endsWith(".0") ? number.substring(0, number.length() - 2) : number) + " " + units[unit];
    }
}
