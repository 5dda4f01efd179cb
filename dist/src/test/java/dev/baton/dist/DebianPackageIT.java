package dev.baton.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.Commands;
import dev.baton.testkit.process.StartedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * baton_VERSION_all.deb installed with apt into a Debian bookworm root (a container from the image
 * tests' debootstrap base, run with buildah's chroot isolation; this machine's own /usr/bin is left
 * alone): baton from /usr/bin serves the sample worker with /usr/share/baton/baton-agent.jar through
 * a HUP reload; start_server shares its path with Perl's libserver-starter-perl in either install
 * order; the systemd unit passes systemd-analyze verify; the man page and the shell completions are
 * where man, bash-completion and zsh look, and start_server completes as baton only while it is Baton's.
 */
class DebianPackageIT {
    private static final Duration APT = Duration.ofMinutes(10);

    @TempDir
    Path tmp;

    String container;

    @AfterEach
    void removeContainer() throws Exception {
        Buildah.remove(container);
    }

    @Test
    void installsAndServesAndSharesStartServerWithPerls() throws Exception {
        Buildah.assumeAvailable();
        Path deb = Dirs.dist().resolve("baton_" + Dirs.version().replace("-SNAPSHOT", "~SNAPSHOT") + "_all.deb");
        assertThat(deb).exists();
        container = Buildah.from("oci-archive:" + Buildah.debianBase());
        Buildah.copy(container, deb, "/tmp/baton.deb");
        Buildah.copy(container, Dirs.sampleJar(), "/tmp/baton-sample.jar");
        Path root = Buildah.mount(container);

        String installed = apt("apt-get install -y -q --no-install-recommends /tmp/baton.deb");
        assertThat(installed).contains("Setting up baton");
        Quiet.assertNoWarnings("installing the .deb", installed);
        assertThat(shell("readlink -f /usr/bin/baton /usr/bin/start_server; ls /usr/share/baton/baton-agent.jar /lib/systemd/system/baton@.service"))
                .contains("/usr/share/baton/bin/baton\n/usr/share/baton/bin/start_server\n",
                        "/usr/share/baton/baton-agent.jar", "/lib/systemd/system/baton@.service");

        // baton from its installed path, the agent from its stable one, a HUP reload
        int port = FreePorts.next();
        Path pidFile = root.resolve("tmp/baton.pid");
        try (StartedProcess baton = StartedProcess.command(Buildah.runCommand(container, List.of(), List.of("baton",
                "--port=127.0.0.1:" + port, "--pid-file=/tmp/baton.pid", "--", "java",
                "-javaagent:/usr/share/baton/baton-agent.jar", "-jar", "/tmp/baton-sample.jar", "jdk",
                "--port", Integer.toString(port), "--host", "127.0.0.1"))).start()) {
            SampleReload.servesThroughAHup("the installed baton", baton, port, pidFile);
        }

        verifyTheUnit(root);
        manPageAndCompletions(root);

        // Perl's start_server installed after Baton's: its file takes the path, baton stays baton
        String perl = apt("apt-get update -qq && apt-get install -y -q --no-install-recommends libserver-starter-perl");
        Quiet.assertNoWarnings("installing libserver-starter-perl after baton", perl);
        assertThat(shell("head -1 /usr/bin/start_server; baton --version")).contains("perl").contains("baton ");
        assertThat(shell(COMPLETIONS)).contains("complete -o default -F _baton baton")
                .doesNotContain("_baton start_server"); // Perl's start_server: its options are not baton's
        // … and removed: Baton's start_server takes the path back (the package's trigger)
        String removed = apt("apt-get remove -y -q libserver-starter-perl");
        Quiet.assertNoWarnings("removing libserver-starter-perl", removed);
        assertThat(shell("readlink -f /usr/bin/start_server")).contains("/usr/share/baton/bin/start_server");

        // the other order: Perl's first, then Baton's, which leaves Perl's file alone and says so
        apt("dpkg -r baton");
        assertThat(shell("test -e /usr/bin/start_server || echo gone")).contains("gone");
        apt("apt-get install -y -q --no-install-recommends libserver-starter-perl");
        String second = apt("apt-get install -y -q --no-install-recommends /tmp/baton.deb");
        Quiet.assertNoWarnings("installing baton after libserver-starter-perl", second);
        assertThat(second).contains("Baton's is /usr/share/baton/bin/start_server");
        assertThat(shell("head -1 /usr/bin/start_server; readlink -f /usr/bin/baton")).contains("perl")
                .contains("/usr/share/baton/bin/baton");
        // removing Baton leaves Perl's start_server as it was
        Quiet.assertNoWarnings("removing baton", apt("dpkg -r baton"));
        assertThat(shell("head -1 /usr/bin/start_server; update-alternatives --list start_server || true")).contains("perl")
                .doesNotContain("/usr/share/baton");
    }

    /** What bash-completion does when start_server is typed: load the file of that name, then look the command up. */
    private static final String COMPLETIONS = "bash -c '. /usr/share/bash-completion/completions/start_server; complete -p baton start_server' 2>&1 || true";

    private void manPageAndCompletions(Path root) throws Exception {
        assertThat(shell("ls /usr/share/man/man1/baton.1.gz /usr/share/zsh/vendor-completions/_baton; " + COMPLETIONS))
                .contains("/usr/share/man/man1/baton.1.gz", "/usr/share/zsh/vendor-completions/_baton",
                        "complete -o default -F _baton baton", "complete -o default -F _baton start_server");
        if (Commands.onPath("man") != null) {
            Commands.Result man = Commands.run(Duration.ofMinutes(1), Map.of("MANPAGER", "cat"),
                    List.of("man", "-l", root.resolve("usr/share/man/man1/baton.1.gz").toString())).ok();
            assertThat(man.output()).contains("BATON(1)", "--readiness=MODE", "ENVIRONMENT");
        }
    }

    /**
     * systemd-analyze verify on the shipped unit (this machine's systemd, 252; none runs here): the
     * unit's directives and specifiers parse and its commands exist — the installed /usr/bin/baton, seen
     * through the container's root, and its Documentation=man:baton(1), which systemd-analyze looks up
     * with man(1) in the root's man pages. Type=notify-reload needs 253, so only its protocol is tested
     * (SystemdNotifyTest), not a unit using it.
     */
    private void verifyTheUnit(Path root) throws Exception {
        assumeTrue(Commands.onPath("systemd-analyze") != null, "systemd-analyze is missing (Debian's systemd package): unit not verified");
        Path units = Files.createDirectory(tmp.resolve("units"));
        String unit = Files.readString(root.resolve("lib/systemd/system/baton@.service"))
                .replace("/usr/bin/baton", root.resolve("usr/bin/baton").toString());
        if (Commands.onPath("man") == null) {
            System.out.println("man is missing (Debian's man-db): Documentation=man:baton(1) not looked up");
            unit = unit.replace("man:baton(1) ", "");
        }
        Files.writeString(units.resolve("baton@.service"), unit);
        Commands.Result verify = Commands.run(Duration.ofMinutes(1), Map.of("MANPATH", root.resolve("usr/share/man").toString()),
                List.of("systemd-analyze", "verify", units.resolve("baton@app.service").toString()));
        assertThat(verify.output()).as("systemd-analyze verify").isBlank();
        assertThat(verify.exit()).isZero();
    }

    private String apt(String command) throws Exception {
        return Commands.run(APT, Map.of(), Buildah.runCommand(container, List.of("-e", "DEBIAN_FRONTEND=noninteractive"),
                List.of("sh", "-c", command))).ok().output();
    }

    private String shell(String command) throws Exception {
        return Commands.run(Duration.ofMinutes(1), Map.of(), Buildah.runCommand(container, List.of(), List.of("sh", "-c", command))).ok().output();
    }
}
