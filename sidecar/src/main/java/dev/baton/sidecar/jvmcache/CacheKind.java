package dev.baton.sidecar.jvmcache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which class-data cache a JDK gets, and the JVM options of each step: a serving generation that
 * <em>trains</em> (records what it loads, written as it exits), a <em>build</em> from that recording in a
 * background process, a <em>check</em> of the result ({@code -version} with the cache required and its
 * checksum verified: a damaged or crashing cache is caught there, not in a worker), and every later
 * generation that <em>uses</em> it.
 *
 * <p>Why two steps on JDK 25 ({@code -XX:AOTMode=record}, then {@code =create}), not the one-step {@code
 * -XX:AOTCacheOutput}: the one-step JVM forks a child that assembles the cache as the training generation
 * exits, seconds of CPU in the middle of the reload that retired it; here the build runs later, niced.
 * Why a class list on JDK 17 ({@code -XX:DumpLoadedClassList}, then {@code -Xshare:dump}): a JVM with an
 * agent refuses to dump a dynamic archive ({@code -XX:ArchiveClassesAtExit}).
 */
enum CacheKind {
    /** JDK 25+: the AOT cache (JEP 483/514/515): classes loaded and linked, with method profiles. */
    AOT_CACHE("AOT cache", "cache.aot", "recording.aotconf") {
        @Override
        List<String> trainOptions(Path recording) {
            // -Xlog:aot=error: the recording JVM warns about every class an agent changed ("Skipping …") as it exits
            return List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + recording, "-Xlog:aot=error");
        }

        @Override
        List<String> useOptions(Path cache) {
            return List.of("-XX:AOTCache=" + cache);
        }

        @Override
        List<String> checkOptions(Path cache) {
            return List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache, "-XX:+VerifySharedSpaces");
        }

        @Override
        List<String> buildCommand(JavaCommand command, Path recording, Path output) {
            // the training run's own command line, the same options in every step
            List<String> build = new ArrayList<>(List.of(command.argv().get(0), "-XX:AOTMode=create",
                    "-XX:AOTConfiguration=" + recording, "-XX:AOTCache=" + output));
            build.addAll(command.argv().subList(1, command.argv().size()));
            return build;
        }

        @Override
        Map<String, String> buildEnvironment(Map<String, String> env) {
            return env;
        }

        @Override
        void prepareRecording(Path recording, Path prepared) throws IOException {
            Files.move(recording, prepared);
        }
    },

    /**
     * JDK 17 to 24: a static AppCDS archive of the JDK's and the application's classes. The agent's own
     * classes (and the hook class it defines in {@code java.base}) are left out of the list: the dump cannot
     * find them, and it runs without the agent (a JVM with {@code -javaagent} refuses to dump).
     */
    APP_CDS("AppCDS archive", "cache.jsa", "recording.classlist") {
        @Override
        List<String> trainOptions(Path recording) {
            return List.of("-XX:DumpLoadedClassList=" + recording);
        }

        @Override
        List<String> useOptions(Path cache) {
            return List.of("-XX:SharedArchiveFile=" + cache);
        }

        @Override
        List<String> checkOptions(Path cache) {
            return List.of("-Xshare:on", "-XX:SharedArchiveFile=" + cache, "-XX:+VerifySharedSpaces");
        }

        @Override
        List<String> buildCommand(JavaCommand command, Path recording, Path output) {
            List<String> build = new ArrayList<>(List.of(command.argv().get(0)));
            build.addAll(command.jvmOptionsWithoutAgents());
            build.addAll(List.of("-Xshare:dump", "-XX:SharedClassListFile=" + recording, "-XX:SharedArchiveFile=" + output));
            build.addAll(command.classPathOption());
            return build;
        }

        @Override
        Map<String, String> buildEnvironment(Map<String, String> env) {
            Map<String, String> withoutAgents = new TreeMap<>(env);
            for (String variable : JavaCommand.OPTION_VARIABLES) {
                String value = env.get(variable);
                if (value != null) {
                    withoutAgents.put(variable, String.join(" ",
                            JavaCommand.tokens(value).stream().filter(o -> !JavaCommand.isAgent(o)).toList()));
                }
            }
            return withoutAgents;
        }

        @Override
        void prepareRecording(Path recording, Path prepared) throws IOException {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(recording)) {
                if (!line.contains("dev/baton/agent/") && !line.contains("sun/nio/ch/BatonHooks")) {
                    kept.add(line);
                }
            }
            Files.write(prepared, kept);
            Files.delete(recording);
        }
    };

    final String title;
    final String cacheFile;
    final String recordingFile;

    CacheKind(String title, String cacheFile, String recordingFile) {
        this.title = title;
        this.cacheFile = cacheFile;
        this.recordingFile = recordingFile;
    }

    /** The cache this JDK gets: none before 17 (untested), AppCDS up to 24, the AOT cache from 25. */
    static Optional<CacheKind> of(JavaRuntime runtime) {
        if (runtime.feature() >= 25) {
            return Optional.of(AOT_CACHE);
        }
        return runtime.feature() >= 17 ? Optional.of(APP_CDS) : Optional.empty();
    }

    /** Options for the generation that trains, writing its recording to {@code recording} as it exits. */
    abstract List<String> trainOptions(Path recording);

    /** Options for a generation that starts with {@code cache} (and runs without it if the JVM cannot use it). */
    abstract List<String> useOptions(Path cache);

    /** Options that make the JVM fail unless it can use {@code cache} and its checksum is right. */
    abstract List<String> checkOptions(Path cache);

    /** The process that turns a (prepared) recording into {@code output}. */
    abstract List<String> buildCommand(JavaCommand command, Path recording, Path output);

    /** The build's environment, from the training generation's. */
    abstract Map<String, String> buildEnvironment(Map<String, String> env);

    /** Makes the training run's recording ready for the build ({@code prepared}); the original is gone after. */
    abstract void prepareRecording(Path recording, Path prepared) throws IOException;

    /** {@code java <check options> <the worker's options> -cp <its class path> -version}: exit 0 = usable. */
    List<String> checkCommand(JavaCommand command, Path cache) {
        List<String> check = new ArrayList<>(List.of(command.argv().get(0)));
        check.addAll(checkOptions(cache));
        check.addAll(command.jvmOptions());
        check.addAll(command.classPathOption());
        check.add("-version");
        return check;
    }
}
