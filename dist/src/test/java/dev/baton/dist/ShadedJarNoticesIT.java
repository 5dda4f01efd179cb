package dev.baton.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every shaded jar carries Baton's LICENSE and NOTICE and the license texts NOTICE names, and NOTICE
 * names every third-party library whose classes the jar bundles (a new dependency fails here until it
 * is added to NOTICE and to {@link #COMPONENTS}).
 */
class ShadedJarNoticesIT {
    /** A bundled package prefix, and the name NOTICE gives its library. */
    private static final Map<String, String> COMPONENTS = new LinkedHashMap<>();

    static {
        COMPONENTS.put("dev/baton/agent/shaded/net/bytebuddy/jar/asm/", "ASM");
        COMPONENTS.put("dev/baton/agent/shaded/net/bytebuddy/", "Byte Buddy");
        COMPONENTS.put("org/objectweb/asm/", "ASM");
        COMPONENTS.put("io/netty/", "Netty");
        COMPONENTS.put("io/vertx/", "Vert.x");
        COMPONENTS.put("com/fasterxml/jackson/", "Jackson");
        COMPONENTS.put("com/kenai/jffi/", "jffi");
        COMPONENTS.put("com/kenai/jnr/x86asm/", "jnr-x86asm");
        COMPONENTS.put("jnr/x86asm/", "jnr-x86asm");
        COMPONENTS.put("jnr/a64asm/", "jnr-a64asm");
        COMPONENTS.put("jnr/ffi/", "jnr-ffi");
        COMPONENTS.put("jnr/posix/", "jnr-posix");
        COMPONENTS.put("jnr/constants/", "jnr-constants");
        COMPONENTS.put("org/jctools/", "JCTools");
        COMPONENTS.put("picocli/", "picocli");
        COMPONENTS.put("io/fabric8/", "Fabric8");
        COMPONENTS.put("org/yaml/snakeyaml/", "SnakeYAML");
        COMPONENTS.put("org/snakeyaml/engine/", "SnakeYAML Engine");
        COMPONENTS.put("org/slf4j/", "SLF4J");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sidecar/target/baton.jar", "agent/target/baton-agent.jar", "operator/target/baton-operator.jar",
            "e2e/target/baton-sample.jar", "e2e/target/baton-e2e.jar"})
    void carriesLicenseNoticeAndTheTextsOfWhatItBundles(String path) throws Exception {
        String license = Files.readString(Dirs.root().resolve("LICENSE"));
        String notice = Files.readString(Dirs.root().resolve("NOTICE"));
        try (ZipFile jar = new ZipFile(Dirs.root().resolve(path).toFile())) {
            assertThat(text(jar, "META-INF/LICENSE")).as("%s: META-INF/LICENSE", path).isEqualTo(license);
            assertThat(text(jar, "META-INF/NOTICE")).as("%s: META-INF/NOTICE", path).isEqualTo(notice);
            Matcher named = Pattern.compile("licenses/([\\w.-]+\\.txt)").matcher(notice);
            while (named.find()) {
                assertThat(jar.getEntry("META-INF/licenses/" + named.group(1))).as("%s: META-INF/licenses/%s", path, named.group(1)).isNotNull();
                assertThat(Dirs.root().resolve("licenses").resolve(named.group(1))).exists();
            }
            Set<String> unnamed = new TreeSet<>();
            Set<String> bundled = new TreeSet<>();
            for (ZipEntry e : List.copyOf(jar.stream().toList())) {
                String name = e.getName().replaceFirst("^META-INF/versions/\\d+/", "");
                if (!name.endsWith(".class") || name.equals("module-info.class")
                        || (name.startsWith("dev/baton/") && !name.startsWith("dev/baton/agent/shaded/"))) {
                    continue;
                }
                String component = COMPONENTS.entrySet().stream().filter(c -> name.startsWith(c.getKey()))
                        .map(Map.Entry::getValue).findFirst().orElse(null);
                if (component == null) {
                    unnamed.add(name.substring(0, Math.max(name.lastIndexOf('/'), 0)));
                } else {
                    bundled.add(component);
                }
            }
            assertThat(unnamed).as("%s bundles packages no NOTICE entry names (add the library to NOTICE and COMPONENTS)", path).isEmpty();
            for (String component : bundled) {
                assertThat(notice).as("%s bundles %s", path, component).contains(component);
            }
        }
    }

    private static String text(ZipFile jar, String entry) throws Exception {
        ZipEntry e = jar.getEntry(entry);
        assertThat(e).as(entry).isNotNull();
        try (var in = jar.getInputStream(e)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
