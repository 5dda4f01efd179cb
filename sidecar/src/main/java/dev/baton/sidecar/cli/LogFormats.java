package dev.baton.sidecar.cli;

import java.util.Iterator;
import java.util.List;

import dev.baton.sidecar.Log;
import picocli.CommandLine;

/** {@code --log-format}: text or json, with the choices in the error; the same two for shell completion. */
public final class LogFormats implements CommandLine.ITypeConverter<Log.Format>, Iterable<String> {
    /**
     * {@code --[no-]log-timestamps}, whose default comes from BATON_LOG_TIMESTAMPS: true or false, and
     * the 1/0, yes/no, on/off that environment variables are usually given.
     */
    public static final class Timestamps implements CommandLine.ITypeConverter<Boolean> {
        @Override
        public Boolean convert(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1", "yes", "on" -> true;
                case "false", "0", "no", "off", "" -> false;
                default -> throw new CommandLine.TypeConversionException("'" + value
                        + "' (from --log-timestamps or BATON_LOG_TIMESTAMPS) is not true or false");
            };
        }
    }

    @Override
    public Log.Format convert(String value) {
        try {
            return Log.Format.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    @Override
    public Iterator<String> iterator() {
        return List.of("text", "json").iterator();
    }
}
