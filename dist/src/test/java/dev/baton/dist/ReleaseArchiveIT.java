package dev.baton.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.Commands;
import dev.baton.testkit.process.StartedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * baton-VERSION.tar.gz as a user installs it: unpacked anywhere, its bin/ scripts linked from a
 * directory on PATH, run from yet another directory: baton serves the sample worker with the
 * archive's agent through a HUP reload; start_server and kubectl-baton find their jars too; man
 * finds the man page through PATH, and the bash completion completes.
 */
class ReleaseArchiveIT {
    @TempDir
    Path tmp;

    @Test
    void runsFromASymlinkOnPathWithTheArchivesOwnJars() throws Exception {
        Path archive = Dirs.dist().resolve("baton-" + Dirs.version() + ".tar.gz");
        Path opt = Files.createDirectory(tmp.resolve("opt"));
        Commands.run(Duration.ofMinutes(2), "tar", "-xzf", archive.toString(), "-C", opt.toString()).ok();
        Path home = opt.resolve("baton-" + Dirs.version());
        for (String f : List.of("bin/baton", "bin/start_server", "bin/kubectl-baton", "baton.jar", "baton-agent.jar",
                "baton-operator.jar", "LICENSE", "NOTICE", "README.md", "docs/usage.md", "share/man/man1/baton.1",
                "share/bash-completion/completions/baton", "share/bash-completion/completions/start_server",
                "share/zsh/site-functions/_baton")) {
            assertThat(home.resolve(f)).exists();
        }
        Path onPath = Files.createDirectory(tmp.resolve("bin"));
        for (String script : List.of("baton", "start_server", "kubectl-baton")) {
            Files.createSymbolicLink(onPath.resolve(script), home.resolve("bin").resolve(script));
        }
        Map<String, String> env = Map.of("PATH", onPath + ":" + System.getenv("PATH"));
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));

        assertThat(inDir(elsewhere, env, "start_server", "--version").ok().output()).startsWith("baton ");
        assertThat(inDir(elsewhere, env, "kubectl-baton", "--help").ok().output()).contains("reload");
        assertThat(inDir(elsewhere, env, "bash", "--norc", "-c", "source " + home.resolve("share/bash-completion/completions/start_server")
                + "; COMP_WORDS=(start_server --rea); COMP_CWORD=1; _baton 2>/dev/null; echo \"${COMPREPLY[*]}\"; complete -p start_server")
                .ok().output()).contains("--readiness --ready-timeout", "complete -o default -F _baton start_server");
        if (Commands.onPath("man") != null) {
            // man-db looks in DIR/share/man for each DIR/bin on PATH: the archive's bin/ there is enough
            Commands.Result man = inDir(elsewhere, Map.of("PATH", home.resolve("bin") + ":" + System.getenv("PATH"), "MANPAGER", "cat"),
                    "man", "baton").ok();
            assertThat(man.output()).contains("BATON(1)", "--readiness=MODE");
        }

        int port = FreePorts.next();
        Path pidFile = tmp.resolve("baton.pid");
        try (StartedProcess baton = StartedProcess.command(List.of("sh", "-c", "cd " + elsewhere + " && exec baton --port=127.0.0.1:" + port
                + " --pid-file=" + pidFile + " -- java -javaagent:" + home.resolve("baton-agent.jar") + " -jar "
                + Dirs.sampleJar() + " jdk --port " + port + " --host 127.0.0.1")).env(env).start()) {
            SampleReload.servesThroughAHup("baton from the release archive", baton, port, pidFile);
        }
    }

    private static Commands.Result inDir(Path dir, Map<String, String> env, String... command) throws Exception {
        return Commands.run(Duration.ofMinutes(1), env, withArgs(dir, command));
    }

    private static List<String> withArgs(Path dir, String... command) {
        java.util.ArrayList<String> argv = new java.util.ArrayList<>(List.of("sh", "-c", "cd \"$0\" && exec \"$@\"", dir.toString()));
        argv.addAll(List.of(command));
        return argv;
    }
}
