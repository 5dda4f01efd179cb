package dev.baton.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import dev.baton.sidecar.Baton;
import picocli.CommandLine;

/** The command line in-process: exit codes and the one line a user sees on bad input. */
class CommandLineTest {

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        CommandLine cli = Baton.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void versionNamesBatonAndTheStartServerItMatches() {
        Result r = run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("baton 0.1.0 (compatible with Server::Starter 0.35)" + System.lineSeparator());
    }

    @Test
    void helpListsStartServersFlagsAndBatonsOwn() {
        Result r = run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--port=", "--path=", "--dir=", "--interval=", "--signal-on-hup=", "--signal-on-term=",
                "--pid-file=", "--status-file=", "--envdir=", "--log-file=", "--daemonize", "--backlog=",
                "--enable-auto-restart", "--auto-restart-interval=", "--kill-old-delay=", "--restart", "--stop",
                "--ready-timeout=", "--drain-timeout=", "--readiness=", "--control=", "--control-token-file=",
                "--reload-retries=", "--reload-retry-delay=");
    }

    @Test
    void helpEndsWithAnExampleAfterTheEnvironmentItReads() {
        String help = run("--help").out();
        assertThat(help).contains("Exit status:", "Environment:", "ENVDIR", "ENABLE_AUTO_RESTART, AUTO_RESTART_INTERVAL, KILL_OLD_DELAY",
                "NOTIFY_SOCKET", "BATON_JAVA");
        assertThat(help.indexOf("Environment:")).isGreaterThan(help.indexOf("--control-token-file"));
        // like Perl's start_server --help, an example a user can copy; here it is the last thing said
        assertThat(help.strip()).endsWith("Example:" + System.lineSeparator() + String.join(System.lineSeparator(),
                HelpText.EXAMPLE.stream().map(l -> "  " + l).toList()));
    }

    @Test
    void aNegativeReloadRetryCountIsRefusedWithTheFix() {
        BatonCommand command = new BatonCommand();
        new CommandLine(command).parseArgs("--reload-retries", "-1", "--", "true");
        assertThat(command.validate()).isEqualTo("invalid --reload-retries -1: give 0 or more");
        assertThat(run("--reload-retries", "-1", "--", "true").exit()).isEqualTo(2);
    }

    @Test
    void startServersRulesRefuseBatonsOwnRetryOptionsWithTheReason() {
        for (String option : new String[] {"--start-retries=2", "--reload-retries=2", "--reload-retry-delay=5s", "--reload-r=1"}) {
            Result r = run("--compat=start_server", option, "--", "true");
            assertThat(r.exit()).as(option).isEqualTo(2);
        }
        BatonCommand command = new BatonCommand();
        new CommandLine(command).parseArgs("--compat=start_server", "--reload-retries=2", "--", "true");
        assertThat(command.validate()).isEqualTo("--reload-retries is baton's own: start_server spawns a failed generation"
                + " again every --interval, without limit (run bin/baton for bounded retries)");
        BatonCommand unknown = new BatonCommand();
        new CommandLine(unknown).parseArgs("--compat=go", "--", "true");
        assertThat(unknown.validate()).isEqualTo("invalid --compat 'go': use baton or start_server");
    }

    @Test
    void maxGenerationsIs3UnderBatonAndNoCapUnderStartServerAndAtLeast2() {
        BatonCommand baton = new BatonCommand();
        new CommandLine(baton).parseArgs("--", "true");
        assertThat(baton.maxGenerations()).isEqualTo(3);
        BatonCommand startServer = new BatonCommand();
        new CommandLine(startServer).parseArgs("--compat=start_server", "--", "true");
        assertThat(startServer.maxGenerations()).as("Perl's start_server has no cap").isZero();
        BatonCommand one = new BatonCommand();
        new CommandLine(one).parseArgs("--max-generations", "1", "--", "true");
        assertThat(one.validate()).isEqualTo("invalid --max-generations 1: give 0 (no cap) or at least 2"
                + " (a reload starts the new generation while the old one serves)");
        Result r = run("--memory-margin", "lots", "--", "true");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).singleElement().asString()
                .contains("invalid --memory-margin 'lots': give a percentage of the memory limit (10%) or a size (64M)");
        BatonCommand watch = new BatonCommand();
        new CommandLine(watch).parseArgs("--watch", "/no/such/config", "--", "true");
        assertThat(watch.validate()).isEqualTo("--watch /no/such/config does not exist: create it or fix the path");
    }

    @Test
    void anUnknownFlagIsOneLineWithASuggestionAndExit2() {
        Result r = run("--pid-flie", "x", "--", "true");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).singleElement().asString().startsWith("baton: error: Unknown option: '--pid-flie'")
                .endsWith("; see 'baton --help'");
    }

    @Test
    void aMalformedPortIsOneLineNamingTheFormAndExit2() {
        Result r = run("--port", "80a", "--", "true");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).singleElement().asString()
                .contains("invalid --port '80a': expected port, host:port, [ipv6]:port");
    }

    @Test
    void startServersAbbreviationsWork() {
        Result r = run("--vers");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("baton 0.1.0");
    }

    @Test
    void anUnknownSignalNameIsRejected() {
        Result r = run("--signal-on-hup", "TERMINATE", "--", "true");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).singleElement().asString().contains("unknown signal 'TERMINATE'");
    }

    @Test
    void aNegativeDurationIsRejected() {
        Result r = run("--drain-timeout", "-5s", "--", "true");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).singleElement().asString().contains("is negative");
    }
}
