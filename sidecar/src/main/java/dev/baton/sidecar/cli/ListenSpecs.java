package dev.baton.sidecar.cli;

import dev.baton.sidecar.listen.ListenSpec;
import picocli.CommandLine;

/** picocli converters for {@code --port} and {@code --path}, so a malformed value is a usage error. */
final class ListenSpecs {
    private ListenSpecs() {
    }

    static final class Port implements CommandLine.ITypeConverter<ListenSpec> {
        @Override
        public ListenSpec convert(String value) {
            try {
                return ListenSpec.port(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class UnixPath implements CommandLine.ITypeConverter<ListenSpec> {
        @Override
        public ListenSpec convert(String value) {
            try {
                return ListenSpec.path(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
