package dev.baton.sidecar.posix;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Linux signal names and numbers, accepting the spellings start_server accepts ("TERM", "SIGTERM", "term"). */
public final class Signals {
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8),
            Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12),
            Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("STKFLT", 16),
            Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20),
            Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23), Map.entry("XCPU", 24),
            Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27), Map.entry("WINCH", 28),
            Map.entry("IO", 29), Map.entry("PWR", 30), Map.entry("SYS", 31));

    private Signals() {
    }

    /** The number of a signal name such as "TERM", "SIGTERM", "term" or "15". */
    public static int number(String name) {
        String key = name.trim().toUpperCase(Locale.ROOT);
        if (key.startsWith("SIG")) {
            key = key.substring(3);
        }
        Integer n = NUMBERS.get(key);
        if (n != null) {
            return n;
        }
        try {
            int value = Integer.parseInt(key);
            if (value > 0 && value < 65) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("unknown signal '" + name + "' (use a name such as TERM, HUP, USR1, INT)");
    }

    /** Every short name ("HUP", "INT", … "SYS"), in the order of their numbers. */
    public static List<String> names() {
        return NUMBERS.entrySet().stream().sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
    }

    /** The short name ("TERM") of a signal number, or its number as text. */
    public static String name(int number) {
        for (Map.Entry<String, Integer> e : NUMBERS.entrySet()) {
            if (e.getValue() == number) {
                return e.getKey();
            }
        }
        return Integer.toString(number);
    }
}
