package dev.baton.sidecar.jvmcache;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * A worker command that starts the JVM itself ({@code java [options] -jar JAR [args]} or {@code java
 * [options] [-cp PATH] MAIN [args]}), read as the {@code java} launcher reads it, as far as a class-data
 * cache depends on it: the launcher, the JVM options, and the jars of the class path.
 *
 * <p>Anything else gets no cache, with the reason: a shell script or {@code mvn} (baton cannot tell which of
 * the JVMs it starts is the server, nor its class path), a module ({@code -m}) or an {@code @argfile} (not
 * read here), a directory on the class path (the JVM archives classes from jars only), a command that
 * manages its own archive ({@code -XX:AOTCache}, {@code -XX:SharedArchiveFile}, {@code -Xshare:…}).
 */
record JavaCommand(List<String> argv, Path launcher, List<String> jvmOptions, List<String> classPathOption,
                   List<Path> classPath, List<String> launch) {

    /** The launcher options whose value is the next argument (JDK 17 to 25). */
    private static final Set<String> OPTIONS_WITH_VALUE = Set.of("-cp", "-classpath", "--class-path", "-p",
            "--module-path", "--upgrade-module-path", "--add-modules", "--limit-modules", "--add-reads", "--add-exports",
            "--add-opens", "--patch-module", "--enable-native-access", "--source");
    /** Options by which a command manages its own class-data archive: baton then stays out. */
    private static final List<String> OWN_ARCHIVE_OPTIONS = List.of("-XX:AOTCache", "-XX:AOTCacheOutput",
            "-XX:AOTConfiguration", "-XX:AOTMode", "-XX:SharedArchiveFile", "-XX:ArchiveClassesAtExit",
            "-XX:SharedClassListFile", "-XX:DumpLoadedClassList", "-Xshare:", "-XX:+AutoCreateSharedArchive",
            "-XX:+RecordDynamicDumpInfo");
    /** The variables through which a JVM takes options besides its command line. */
    static final List<String> OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    /** A command the cache can work with, or why not. */
    sealed interface Reading permits Cacheable, NotCacheable {
    }

    record Cacheable(JavaCommand command) implements Reading {
    }

    /** {@code reason} completes "no JVM cache: …". */
    record NotCacheable(String reason) implements Reading {
    }

    /**
     * Reads {@code argv} as the {@code java} launcher would, in {@code directory} (the worker's), finding
     * {@code java} on {@code path} (posix_spawnp searches the supervisor's PATH, not the worker's).
     */
    static Reading read(List<String> argv, Map<String, String> env, Path directory, String path) {
        String program = argv.get(0);
        if (!Path.of(program).getFileName().toString().equals("java")) {
            return new NotCacheable("the worker command runs " + program + ", not java: baton adds the cache's options to a"
                    + " java command line only (a script can exec java, but baton cannot see its class path)");
        }
        Path launcher = locate(program, directory, path);
        if (launcher == null) {
            return new NotCacheable("cannot find " + program + (program.contains("/") ? "" : " on PATH"));
        }
        List<String> options = new ArrayList<>();
        List<String> classPathOption = new ArrayList<>();
        String classPath = null;
        String jar = null;
        int i = 1;
        for (; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.startsWith("@")) {
                return new NotCacheable("the java command line reads an @argfile (" + a + "), which baton does not read");
            }
            if (a.equals("-m") || a.equals("--module") || a.startsWith("--module=")) {
                return new NotCacheable("the java command runs a module (" + a + "); the cache covers class-path applications");
            }
            if (a.equals("-p") || a.equals("--module-path") || a.startsWith("--module-path=")
                    || a.equals("--upgrade-module-path") || a.startsWith("--upgrade-module-path=")) {
                return new NotCacheable("the java command has a module path (" + a + "); the cache covers class-path applications");
            }
            String own = ownArchiveOption(a);
            if (own != null) {
                return new NotCacheable("the java command manages its own class-data archive (" + a + ")");
            }
            if (a.equals("-jar")) {
                if (i + 1 >= argv.size()) {
                    return new NotCacheable("-jar without a jar");
                }
                jar = argv.get(i + 1);
                break;
            }
            if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path")) {
                if (i + 1 >= argv.size()) {
                    return new NotCacheable(a + " without a class path");
                }
                classPath = argv.get(i + 1);
                classPathOption = List.of(a, classPath);
                i++;
                continue;
            }
            if (a.startsWith("--class-path=")) {
                classPath = a.substring("--class-path=".length());
                classPathOption = List.of(a);
                continue;
            }
            if (OPTIONS_WITH_VALUE.contains(a)) {
                if (i + 1 >= argv.size()) {
                    return new NotCacheable(a + " without a value");
                }
                options.add(a);
                options.add(argv.get(++i));
                continue;
            }
            if (a.equals("-version") || a.equals("--version") || a.equals("-help") || a.equals("--help") || a.equals("-h")
                    || a.equals("-?") || a.equals("--list-modules") || a.equals("-d") || a.startsWith("--describe-module")) {
                return new NotCacheable("the java command does not run an application (" + a + ")");
            }
            if (!a.startsWith("-")) {
                break; // the main class
            }
            options.add(a);
        }
        for (String variable : OPTION_VARIABLES) {
            for (String option : tokens(env.get(variable))) {
                if (ownArchiveOption(option) != null) {
                    return new NotCacheable("the worker's " + variable + " manages a class-data archive (" + option + ")");
                }
            }
        }
        if (i >= argv.size()) {
            return new NotCacheable("the java command names no main class and no -jar");
        }
        List<String> launch = List.copyOf(argv.subList(i, argv.size()));
        if (jar == null && launch.get(0).endsWith(".java")) {
            return new NotCacheable("the java command runs a source file (" + launch.get(0) + ")");
        }
        List<Path> entries = new ArrayList<>();
        try {
            if (jar != null) {
                Path jarPath = directory.resolve(jar);
                entries.add(jarPath);
                entries.addAll(manifestClassPath(jarPath));
                classPathOption = List.of("-cp", jar); // the class path a -jar run has
            } else {
                if (classPath == null) {
                    classPath = env.getOrDefault("CLASSPATH", ".");
                }
                entries.addAll(expand(classPath, directory));
            }
        } catch (IOException e) {
            return new NotCacheable("cannot read the class path: " + e.getMessage());
        }
        for (Path entry : entries) {
            if (Files.isDirectory(entry)) {
                return new NotCacheable("the class path has a directory (" + entry + "): class-data caches take classes from jars only");
            }
        }
        return new Cacheable(new JavaCommand(List.copyOf(argv), launcher, List.copyOf(options), List.copyOf(classPathOption),
                List.copyOf(entries), launch));
    }

    /** The options of the java command line ({@code -cp} excluded), with {@code -javaagent} and other agents left out. */
    List<String> jvmOptionsWithoutAgents() {
        return jvmOptions.stream().filter(o -> !isAgent(o)).toList();
    }

    /** The agent jars of {@code -javaagent:JAR[=options]} on the command line and in the option variables. */
    List<Path> agentJars(Map<String, String> env, Path directory) {
        List<String> all = new ArrayList<>(jvmOptions);
        for (String variable : OPTION_VARIABLES) {
            all.addAll(tokens(env.get(variable)));
        }
        List<Path> jars = new ArrayList<>();
        for (String option : all) {
            if (option.startsWith("-javaagent:")) {
                String jar = option.substring("-javaagent:".length());
                int eq = jar.indexOf('=');
                jars.add(directory.resolve(eq < 0 ? jar : jar.substring(0, eq)));
            }
        }
        return jars;
    }

    static boolean isAgent(String option) {
        return option.startsWith("-javaagent:") || option.startsWith("-agentlib:") || option.startsWith("-agentpath:");
    }

    /** A JVM option variable's value, split as the JVM splits it (on white space; quotes are rare and not handled). */
    static List<String> tokens(String options) {
        if (options == null || options.isBlank()) {
            return List.of();
        }
        return List.of(options.trim().split("\\s+"));
    }

    private static String ownArchiveOption(String option) {
        for (String own : OWN_ARCHIVE_OPTIONS) {
            if (option.startsWith(own)) {
                return own;
            }
        }
        return null;
    }

    private static Path locate(String program, Path directory, String path) {
        if (program.contains("/")) {
            Path p = directory.resolve(program);
            return Files.isExecutable(p) ? p : null;
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** A class path as the launcher expands it: relative to the worker's directory, {@code dir/*} = the jars in dir. */
    private static List<Path> expand(String classPath, Path directory) throws IOException {
        List<Path> entries = new ArrayList<>();
        for (String entry : classPath.split(":", -1)) {
            if (entry.equals("*") || entry.endsWith("/*")) {
                Path dir = directory.resolve(entry.substring(0, entry.length() - 1));
                List<Path> jars = new ArrayList<>();
                if (Files.isDirectory(dir)) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                        for (Path f : files) {
                            if (f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar")) {
                                jars.add(f);
                            }
                        }
                    }
                }
                jars.sort(null);
                entries.addAll(jars);
            } else {
                entries.add(directory.resolve(entry.isEmpty() ? "." : entry));
            }
        }
        return entries;
    }

    /** The manifests read, by jar and its size and time: a large jar's is not read again at every reload. */
    private static final Map<String, List<Path>> MANIFESTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The jars a {@code -jar} jar's manifest adds ({@code Class-Path}: relative URLs, separated by spaces). */
    private static List<Path> manifestClassPath(Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            return List.of();
        }
        String version = jar.toAbsolutePath() + " " + Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis();
        List<Path> known = MANIFESTS.get(version);
        if (known != null) {
            return known;
        }
        List<Path> read = readManifestClassPath(jar);
        if (MANIFESTS.size() > 16) {
            MANIFESTS.clear();
        }
        MANIFESTS.put(version, read);
        return read;
    }

    private static List<Path> readManifestClassPath(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            var manifest = file.getManifest();
            String value = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            List<Path> entries = new ArrayList<>();
            for (String url : tokens(value)) {
                if (!url.contains(":")) { // relative URLs only, as the launcher's class loader takes them
                    entries.add(jar.toAbsolutePath().getParent().resolve(java.net.URLDecoder.decode(url, java.nio.charset.StandardCharsets.UTF_8)));
                }
            }
            return List.copyOf(entries);
        }
    }
}
