package dev.baton.sidecar.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Test resources and the files a supervisor writes. */
public final class TestFiles {
    private TestFiles() {
    }

    public static Path resource(String name) {
        try {
            return Path.of(TestFiles.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    /** The file's content, or "<absent>" when it does not exist (a status file between writes, or removed). */
    public static String readOrAbsent(Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (IOException e) {
            return "<absent>";
        }
    }
}
