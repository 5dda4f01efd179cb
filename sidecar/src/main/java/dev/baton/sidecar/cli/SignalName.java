package dev.baton.sidecar.cli;

import dev.baton.sidecar.posix.Signals;
import picocli.CommandLine;

/** Converts TERM, SIGTERM, term or 15 to a signal number, with the fix in the error. */
public final class SignalName implements CommandLine.ITypeConverter<Integer> {
    /** The names shell completion offers. */
    public static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Signals.names().iterator();
        }
    }

    @Override
    public Integer convert(String value) {
        try {
            return Signals.number(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
