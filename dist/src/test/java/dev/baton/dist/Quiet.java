package dev.baton.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;

/** A warning, an error or a stack trace in a normal run fails the test (the project's rule). */
final class Quiet {
    private static final Pattern NOISE = Pattern.compile("(?i)\\b(warn|warning|error|severe)\\b|Exception|^\\s+at ");

    /** buildah run's own lines about its child's exit status (a JVM stopped by TERM exits 143). */
    private static final Pattern BUILDAH = Pattern.compile("^(subprocess exited|Error: exit status \\d+$)");

    private Quiet() {
    }

    static void assertNoWarnings(String what, String output) {
        assertThat(output.lines().filter(l -> NOISE.matcher(l).find() && !BUILDAH.matcher(l).find()).toList())
                .as("%s logged warnings or errors; its output:%n%s", what, output).isEmpty();
    }
}
