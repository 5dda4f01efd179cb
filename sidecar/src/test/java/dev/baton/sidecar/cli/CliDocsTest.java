package dev.baton.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.baton.sidecar.Baton;
import dev.baton.sidecar.testing.TestFiles;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The shell completion and the man page the build wrote into target/cli-docs (cli.docgen.CliDocs,
 * asciidoctor), tried in the real programs: bash and zsh complete options and their values, the man
 * page renders with man(1) and names every option and every environment variable of --help.
 */
class CliDocsTest {
    private static final Path DOCS = Path.of("target/cli-docs");

    private record Result(int exit, String out, String err) {
    }

    @Test
    void bashCompletesOptionsTheirValuesAndTheWorkersCommand() throws Exception {
        assumeTrue(onPath("bash"), "bash is missing");
        // COMP_WORDS as bash splits a line (COMP_WORDBREAKS: "--readiness=n" is three words)
        Map<String, List<String>> lines = new LinkedHashMap<>();
        lines.put("baton --rea", List.of("--readiness", "--ready-timeout"));
        lines.put("baton --readiness ''", List.of("auto", "notify", "alive"));
        lines.put("baton --readiness = n", List.of("notify"));
        lines.put("baton --readiness =", List.of("auto", "notify", "alive"));
        lines.put("baton --signal-on-hup US", List.of("USR1", "USR2"));
        lines.put("baton --signal-on-term=TE", List.of("--signal-on-term=TERM")); // one word, as zsh passes it
        StringBuilder script = new StringBuilder("source " + DOCS.resolve("completion/baton") + "\n"
                + "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _baton; echo \"${COMPREPLY[*]}\"; }\n");
        for (String line : lines.keySet()) {
            script.append("t ").append(line).append('\n');
        }
        script.append("t baton -\n");
        script.append("t baton --port=8080 -- ech\n");
        Result r = run(List.of("bash", "--norc", "--noprofile", "-c", script.toString()), Map.of());

        assertThat(r.exit()).isZero();
        // outside a real TAB press bash refuses compopt (picocli's script calls it); nothing else may complain
        assertThat(r.err().lines().filter(l -> !l.endsWith("compopt: not currently executing completion function")))
                .as("bash's stderr").isEmpty();
        List<String> answers = r.out().lines().toList();
        List<List<String>> expected = new ArrayList<>(lines.values());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(words(answers.get(i))).as(List.copyOf(lines.keySet()).get(i)).containsExactlyElementsOf(expected.get(i));
        }
        List<String> allOptions = Baton.commandLine().getCommandSpec().options().stream()
                .flatMap(o -> Arrays.stream(o.names())).toList();
        assertThat(words(answers.get(expected.size()))).as("baton -").containsExactlyInAnyOrderElementsOf(allOptions);
        assertThat(words(answers.get(expected.size() + 1))).as("the worker's command after --").contains("echo");
    }

    @Test
    void zshCompletesThroughTheSameScriptAtARealPrompt() throws Exception {
        assumeTrue(onPath("zsh"), "zsh is missing (Debian's zsh package): zsh completion not tried");
        Result r = run(List.of("zsh", "-f", TestFiles.resource("completion/zsh-complete.zsh").toString(),
                DOCS.resolve("completion").toAbsolutePath().toString(),
                "baton --readi", "baton --readiness=no", "baton --status-f", "baton --port=8080 -- ech"), Map.of());
        assertThat(r.out().lines()).as("zsh's completed command lines; stderr: " + r.err())
                .containsExactly("ARGS:--readiness", "ARGS:--readiness=notify", "ARGS:--status-file", "ARGS:--port=8080 -- echo");
    }

    @Test
    void theManPageRendersAndNamesEveryOptionAndVariable() throws Exception {
        assumeTrue(onPath("man"), "man is missing (Debian's man-db package): man page not rendered");
        Path page = DOCS.resolve("man/baton.1");
        assertThat(page).exists();
        Result r = run(List.of("man", "-l", page.toString()), Map.of("MANWIDTH", "100", "LANG", "C.UTF-8", "MANPAGER", "cat"));
        assertThat(r.exit()).isZero();
        assertThat(r.err()).as("man's and groff's warnings").isEmpty();
        String text = r.out();
        assertThat(text).contains("NAME", "baton - Zero-downtime restarts", "SYNOPSIS", "baton [OPTIONS] -- COMMAND [ARGS...]",
                "start_server [OPTIONS] -- COMMAND", "\nEXIT STATUS\n", "\nENVIRONMENT\n", "\nEXAMPLE\n", "\nSEE ALSO\n");
        for (OptionSpec option : Baton.commandLine().getCommandSpec().options()) {
            assertThat(text).as("the man page names %s", option.longestName()).contains(option.longestName());
        }
        for (HelpText.Variable v : HelpText.ENVIRONMENT) {
            assertThat(text).contains(v.names());
        }
        assertThat(text).contains(HelpText.EXAMPLE.get(1));
    }

    private static List<String> words(String line) {
        return line.isBlank() ? List.of() : List.of(line.trim().split("\\s+"));
    }

    private static boolean onPath(String program) {
        return Arrays.stream(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    private static Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Path err = Files.createTempFile("cli-docs", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(command.get(0) + " did not finish within 2 minutes; its output:\n" + out);
        }
        String errText = Files.readString(err);
        Files.delete(err);
        return new Result(p.exitValue(), out, errText);
    }
}
