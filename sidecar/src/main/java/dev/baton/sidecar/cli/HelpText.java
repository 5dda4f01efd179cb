package dev.baton.sidecar.cli;

import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * What {@code baton --help} says after the options: the environment baton reads, and an example,
 * last, as Perl's {@code start_server --help} shows one. The man page renders the same entries
 * ({@code cli.docgen.CliDocs}), so the two cannot drift apart.
 */
public final class HelpText {
    /** One entry of the environment: the variables it names, and what baton does with them. */
    public record Variable(String names, String meaning) {
    }

    public static final List<Variable> ENVIRONMENT = List.of(
            new Variable("ENVDIR", "--envdir, when it is not given (as start_server)."),
            new Variable("ENABLE_AUTO_RESTART, AUTO_RESTART_INTERVAL, KILL_OLD_DELAY",
                    "--enable-auto-restart, --auto-restart-interval and --kill-old-delay, when they are not given. A file of"
                            + " that name in the envdir overrides them at the next restart (as start_server). baton passes these"
                            + " four to the workers."),
            new Variable("BATON_LOG_FORMAT, BATON_LOG_TIMESTAMPS",
                    "--log-format and --log-timestamps, when they are not given. baton sets them for the workers when they"
                            + " are not the defaults, and Baton's agent in a worker logs as they say."),
            new Variable("NOTIFY_SOCKET",
                    "Set by systemd (Type=notify): baton reports READY=1, RELOADING=1, STOPPING=1 and STATUS= there."
                            + " Each worker gets its own."),
            new Variable("XDG_RUNTIME_DIR",
                    "Where baton keeps the workers' notify sockets, in a private directory (else java.io.tmpdir)."),
            new Variable("JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS",
                    "In the worker's environment: --readiness auto looks there, and on its command line, for Baton's"
                            + " agent (-javaagent:...baton-agent...)."),
            new Variable("BATON_JAVA, BATON_JAVA_OPTS", "The java that runs baton, and more JVM options for it (bin/baton)."));

    /** Shell lines, comments first; the last thing --help prints. */
    public static final List<String> EXAMPLE = List.of(
            "# serve app.jar on port 8080 under baton, Baton's agent in the JVM",
            "baton --port=8080 --pid-file=/run/app.pid --status-file=/run/app.status -- \\",
            "    java -javaagent:/usr/share/baton/baton-agent.jar -jar app.jar",
            "# reload it without dropping a connection (or: kill -HUP), then stop it",
            "baton --restart --pid-file=/run/app.pid --status-file=/run/app.status",
            "baton --stop --pid-file=/run/app.pid");

    static final String ENVIRONMENT_SECTION = "environment";
    static final String EXAMPLE_SECTION = "example";

    private HelpText() {
    }

    /** Adds the environment and the example after the exit status, at the end of {@code --help}. */
    public static void addTo(CommandLine cli) {
        List<String> keys = new java.util.ArrayList<>(cli.getHelpSectionKeys());
        keys.addAll(List.of(ENVIRONMENT_SECTION, EXAMPLE_SECTION));
        cli.setHelpSectionKeys(keys);
        cli.getHelpSectionMap().put(ENVIRONMENT_SECTION, HelpText::environment);
        cli.getHelpSectionMap().put(EXAMPLE_SECTION, help -> String.format("%nExample:%n")
                + String.join(System.lineSeparator(), EXAMPLE.stream().map(line -> "  " + line).toList())
                + System.lineSeparator());
    }

    /** Laid out like the option list: names in the first column, the meaning wrapped in the second. */
    private static String environment(Help help) {
        UsageMessageSpec usage = help.commandSpec().usageMessage();
        int longOptionsWidth = usage.longOptionsMaxWidth();
        Help.TextTable table = Help.TextTable.forColumns(help.colorScheme(),
                new Help.Column(longOptionsWidth + 7, 2, Help.Column.Overflow.SPAN),
                new Help.Column(usage.width() - longOptionsWidth - 7, 1, Help.Column.Overflow.WRAP));
        for (Variable v : ENVIRONMENT) {
            table.addRowValues(v.names(), v.meaning());
        }
        return String.format("%nEnvironment:%n") + table;
    }
}
