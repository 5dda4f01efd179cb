package dev.baton.sidecar.cli.docgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.baton.sidecar.Baton;
import dev.baton.sidecar.cli.HelpText;
import dev.baton.sidecar.cli.Version;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build time only (exec-maven-plugin at process-classes; left out of baton.jar): writes baton's shell
 * completion and the AsciiDoc source of its man page from the picocli model, so that both always
 * name the options baton has. {@code completion/baton} is picocli's bash completion with Baton's
 * additions ({@code src/main/shell/completion.bash}: {@code --option=value}, the worker's command
 * after {@code --}); {@code completion/_baton} is the same run by zsh through bashcompinit;
 * {@code asciidoc/baton.adoc} is picocli's man page with the synopsis, the environment, an example and
 * "see also" of Baton's, which asciidoctor then turns into {@code man/baton.1}. A file whose content
 * did not change is not touched, so the asciidoctor step can tell it has nothing to do.
 *
 * <p>Arguments: the output directory, and the directory of the shell sources.
 */
public final class CliDocs {
    private static final String TAG = "// tag::picocli-generated-man-section-%s[]";
    private static final String END = "// end::picocli-generated-man-section-%s[]";

    private CliDocs() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: CliDocs OUTPUT_DIR SHELL_SOURCES_DIR");
        }
        Path out = Path.of(args[0]);
        Path shell = Path.of(args[1]);
        CommandLine cli = Baton.commandLine();

        String bash = AutoComplete.bash("baton", cli) + Files.readString(shell.resolve("completion.bash"));
        writeIfChanged(out.resolve("completion/baton"), bash);
        writeIfChanged(out.resolve("completion/_baton"), Files.readString(shell.resolve("completion.zsh"))
                .replace("@BASH_COMPLETION@", bash.replaceFirst("^#!.*\n", "")));
        writeIfChanged(out.resolve("asciidoc/baton.adoc"), manPage(cli));
    }

    /** picocli's man page, its header, synopsis and footer replaced by Baton's. */
    static String manPage(CommandLine cli) {
        StringWriter page = new StringWriter();
        try (PrintWriter pw = new PrintWriter(page)) {
            ManPageGenerator.writeSingleManPage(pw, cli.getCommandSpec());
        }
        String adoc = page.toString();
        adoc = replaceSection(adoc, "header", String.join("\n",
                ":doctype: manpage",
                ":manmanual: Baton Manual",
                ":mansource: Baton " + Version.BATON,
                "= baton(1)",
                ""));
        adoc = replaceSection(adoc, "synopsis", String.join("\n",
                "== Synopsis",
                "",
                "*baton* [_OPTIONS_] \\-- _COMMAND_ [_ARGS_...]",
                "",
                "*start_server* [_OPTIONS_] \\-- _COMMAND_ [_ARGS_...]",
                "",
                "*baton* *--restart* *--pid-file*=_FILE_ *--status-file*=_FILE_",
                "",
                "*baton* *--stop* *--pid-file*=_FILE_",
                ""));
        StringBuilder extra = new StringBuilder("== Environment\n\n");
        for (HelpText.Variable v : HelpText.ENVIRONMENT) {
            extra.append('*').append(v.names().replace(", ", "*, *")).append("*::\n  ").append(v.meaning()).append("\n\n");
        }
        extra.append("== Example\n\n....\n").append(String.join("\n", HelpText.EXAMPLE)).append("\n....\n\n");
        extra.append("== See also\n\n")
                .append("start_server(1p) (Perl's Server::Starter), systemd.service(5), sd_notify(3);"
                        + " /usr/share/doc/baton/docs/usage.md (the agent, logs, the control API, the differences from Perl's start_server)"
                        + " and README.md (Kubernetes)\n");
        adoc = replaceSection(adoc, "footer", extra.toString());
        adoc = adoc.replaceFirst("(?m)^==\\s+Exit status:$", "== Exit status"); // --help's heading, "%nExit status:%n"
        return escapeDashes(adoc);
    }

    /** The text between a section's tag lines, tags kept, replaced. */
    private static String replaceSection(String adoc, String section, String content) {
        String start = String.format(TAG, section);
        String end = String.format(END, section);
        int from = adoc.indexOf(start);
        int to = adoc.indexOf(end);
        if (from < 0 || to < 0) {
            throw new IllegalStateException("picocli's man page has no section '" + section + "' (did picocli-codegen change?)");
        }
        return adoc.substring(0, from + start.length()) + "\n" + content + adoc.substring(to);
    }

    /** Asciidoctor makes an em dash of a free-standing "--" ("after --."): keep it two hyphens. */
    private static final Pattern FREE_DOUBLE_DASH = Pattern.compile("(?<=[\\s(])--(?=[\\s.,;:)]|$)", Pattern.MULTILINE);

    private static String escapeDashes(String adoc) {
        StringBuilder result = new StringBuilder();
        boolean literal = false;
        for (String line : adoc.split("\n", -1)) {
            if (line.equals("....")) {
                literal = !literal;
            }
            result.append(literal ? line : FREE_DOUBLE_DASH.matcher(line).replaceAll(Matcher.quoteReplacement("\\--"))).append('\n');
        }
        return result.substring(0, result.length() - 1);
    }

    private static void writeIfChanged(Path file, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (Files.exists(file) && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
            return;
        }
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }
}
