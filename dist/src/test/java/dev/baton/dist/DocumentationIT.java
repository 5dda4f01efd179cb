package dev.baton.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation the packages ship and the repository shows: the README reads in five minutes (the
 * two commands, a quick start, Kubernetes, then links), and every relative link in every Markdown file
 * leads to a file that exists and, with a {@code #fragment}, to a heading it has (GitHub's anchors).
 */
class DocumentationIT {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*$");

    @Test
    void theReadmeStartsWithTheTwoCommandsThenAQuickStartThenKubernetes() throws IOException {
        List<String> readme = Files.readAllLines(Dirs.root().resolve("README.md"));
        assertThat(readme.size()).as("README.md lines (a five-minute read)").isLessThanOrEqualTo(120);
        assertThat(readme.subList(0, 3)).containsExactly("# Baton", "", "```sh");
        assertThat(readme.get(3)).startsWith("mvn -q -B -DskipTests package && bin/baton-demo");
        assertThat(readme.get(4)).startsWith("mvn -B verify");
        assertThat(readme.get(5)).isEqualTo("```");
        List<String> sections = readme.stream().filter(l -> l.startsWith("## ")).toList();
        assertThat(sections).startsWith("## Quick start", "## Kubernetes");
        String quickStart = String.join("\n", readme.subList(readme.indexOf("## Quick start"), readme.indexOf("## Kubernetes")));
        assertThat(quickStart).as("install, run a JVM app under baton, reload it")
                .contains("apt install ./dist/target/baton_", "-javaagent:/usr/share/baton/baton-agent.jar", "baton --restart");
    }

    @Test
    void everyRelativeLinkInTheMarkdownLeadsToAFileAndAHeadingThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> anchors = new HashMap<>();
        List<Path> documents = markdown();
        assertThat(documents).extracting(p -> Dirs.root().relativize(p).toString())
                .contains("README.md", "ARCHITECTURE.md", "docs/usage.md", "docs/design.md", "bench/README.md");
        for (Path doc : documents) {
            for (String target : links(doc)) {
                if (target.matches("^[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(Dirs.root().relativize(doc) + ": " + target + " (no such file)");
                } else if (hash >= 0 && resolved.toString().endsWith(".md")
                        && !anchors.computeIfAbsent(resolved, DocumentationIT::anchors).contains(target.substring(hash + 1))) {
                    broken.add(Dirs.root().relativize(doc) + ": " + target + " (no such heading)");
                }
            }
        }
        assertThat(broken).as("broken links").isEmpty();
    }

    private static List<Path> markdown() throws IOException {
        try (Stream<Path> files = Files.walk(Dirs.root())) {
            // bench/results/ holds generated reports
            return files.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> Stream.of("target", ".git", "node_modules", "results")
                            .noneMatch(skip -> Dirs.root().relativize(p).toString().matches("(.*/)?" + Pattern.quote(skip) + "/.*")))
                    .sorted().toList();
        }
    }

    /** Link targets outside fenced code blocks. */
    private static List<String> links(Path doc) throws IOException {
        List<String> targets = new ArrayList<>();
        boolean code = false;
        for (String line : Files.readAllLines(doc)) {
            if (line.stripLeading().startsWith("```")) {
                code = !code;
            } else if (!code) {
                Matcher m = LINK.matcher(line);
                while (m.find()) {
                    targets.add(m.group(1));
                }
            }
        }
        return targets;
    }

    /** GitHub's anchors: the heading in lower case, punctuation dropped, spaces as '-', '-1' … for repeats. */
    private static Set<String> anchors(Path doc) {
        Set<String> result = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean code = false;
        try {
            for (String line : Files.readAllLines(doc)) {
                if (line.stripLeading().startsWith("```")) {
                    code = !code;
                    continue;
                }
                Matcher m = HEADING.matcher(line);
                if (!code && m.matches()) {
                    String slug = m.group(2).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-');
                    int n = seen.merge(slug, 1, Integer::sum) - 1;
                    result.add(n == 0 ? slug : slug + "-" + n);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return result;
    }
}
