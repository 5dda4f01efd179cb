package dev.baton.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;

/** A warning, an error or a stack trace in a normal run fails the test (the project's rule). */
final class Quiet {
    private static final Pattern NOISE = Pattern.compile("(?i)\\b(warn|warning|error|severe)\\b|Exception|^\\s+at ");

    private Quiet() {
    }

    static void assertNoWarnings(String what, String output) {
        assertThat(output.lines().filter(l -> NOISE.matcher(l).find()).toList())
                .as("%s logged warnings or errors; its output:%n%s", what, output).isEmpty();
    }
}
