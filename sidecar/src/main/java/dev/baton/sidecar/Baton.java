package dev.baton.sidecar;

import dev.baton.sidecar.cli.BatonCommand;
import dev.baton.sidecar.cli.HelpText;
import picocli.CommandLine;

/** Entry point of {@code baton} and {@code start_server}. */
public final class Baton {
    private Baton() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests drive it with their own output streams. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BatonCommand());
        cli.setStopAtPositional(true);
        cli.setAbbreviatedOptionsAllowed(true);
        HelpText.addTo(cli);
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            String hint = "";
            if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                hint = " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
            }
            // A converter's message names the value and the fix; the option is named here unless it already is.
            String message = e.getMessage();
            if (e.getCause() instanceof CommandLine.TypeConversionException t) {
                message = t.getMessage();
                if (e.getArgSpec() instanceof CommandLine.Model.OptionSpec o && !message.contains(o.longestName())) {
                    message = "invalid " + o.longestName() + ": " + message;
                }
            }
            c.getErr().println("baton: error: " + message + hint + "; see 'baton --help'");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println("baton: error: " + e);
            return 1;
        });
        return cli;
    }
}
