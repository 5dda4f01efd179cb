package dev.baton.e2e;

import dev.baton.e2e.bench.AgentCost;
import dev.baton.e2e.bench.ReloadUnderLoad;
import dev.baton.e2e.bench.Soak;
import dev.baton.e2e.demo.Demo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar baton-e2e.jar demo|bench|soak ...}: what {@code bin/baton-demo}, {@code bench/reload-under-load}
 * and {@code bench/soak} run.
 */
@Command(name = "baton-e2e", mixinStandardHelpOptions = true,
    description = "Baton's demo and benchmark: real supervisors, real workers, real load.",
    subcommands = {Demo.class, ReloadUnderLoad.class, Soak.class, AgentCost.class})
public final class E2eMain {

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new E2eMain());
    commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
      // What went wrong is in the message (with the supervisor's output): no stack trace for a user.
      cmd.getErr().println(cmd.getCommandName() + ": error: " + e.getMessage());
      if (System.getenv("BATON_E2E_DEBUG") != null) {
        e.printStackTrace(cmd.getErr());
      }
      return 2;
    });
    System.exit(commandLine.execute(args));
  }
}
